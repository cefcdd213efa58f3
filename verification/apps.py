"""Verification app: subjects and, later, consents, faces and verification flows."""

from django.apps import AppConfig


class VerificationConfig(AppConfig):
    name = "verification"
    default_auto_field = "django.db.models.BigAutoField"
