"""Verification app: subjects, consents, faces, verification flows and ID documents."""

from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "verification"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The API modules declare their audit rules: a worker that never loads the URLs needs them too.
        import verification.access_api
        import verification.api
        import verification.batch_api
        import verification.documents_api
        import verification.erasure_api
        import verification.liveness_api  # noqa: F401
