"""Verification app: subjects and, later, consents, faces and verification flows."""

from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "verification"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import verification.api  # noqa: F401 - declares its actions' audit redaction rules, in every process
