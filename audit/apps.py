"""Audit app: the CloudTrail-shaped, append-only, hash-chained event log."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "audit"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import audit.api  # noqa: F401 - declares its actions' audit redaction rules, in every process

        # Sign-in, sign-out and admin changes are Django's own signals: the audit app listens to
        # them itself, so no other app has to remember to.
        from audit.recording import connect_admin_signals

        connect_admin_signals()

        # Every Rekognition call the gateway makes becomes a rekognition.amazonaws.com event.
        from audit.recording import record_gateway_calls
        from vision.calls import register_call_recorder

        register_call_recorder(record_gateway_calls)
