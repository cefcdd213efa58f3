"""Reads for verification; scoped managers make another tenant's rows indistinguishable from missing ones."""

from __future__ import annotations

from django.db.models import QuerySet

from config.errors import NotFound
from verification.models import Subject


def subject_get(*, public_id: str) -> Subject:
    subject = Subject.objects.filter(public_id=public_id).first()
    if subject is None:
        raise NotFound(f"No subject {public_id!r}.")
    return subject


def subject_list(*, external_id: str | None = None) -> QuerySet[Subject]:
    subjects = Subject.objects.all()
    if external_id is not None:
        subjects = subjects.filter(external_id=external_id)
    return subjects
