"""Webhooks app: endpoints, the event outbox, signed deliveries and their attempts."""

from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The API module declares its audit rules: a worker that never loads the URLs needs them too.
        import webhooks.api  # noqa: F401
