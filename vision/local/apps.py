"""The local Rekognition-compatible endpoint's own storage (collections and face vectors)."""

from django.apps import AppConfig


class LocalRekognitionConfig(AppConfig):
    name = "vision.local"
    label = "rekognition_local"
    default_auto_field = "django.db.models.BigAutoField"
