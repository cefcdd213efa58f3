"""Moderation app: per-tenant policies, image and video moderation results, the human review queue."""

from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import moderation.api
        import moderation.review_api
        import moderation.stats_api  # noqa: F401 - likewise
