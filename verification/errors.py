"""Errors of the verification flows, raised before anything is written or any engine call is made."""

from __future__ import annotations

from config.errors import Conflict


class ConsentRequired(Conflict):
    """The subject has no active consent for the purpose (none given, expired or withdrawn)."""

    code = "consent_required"
    title = "Consent required"


class SubjectAlreadyRegistered(Conflict):
    code = "subject_already_registered"


class SubjectNotRegistered(Conflict):
    code = "subject_not_registered"
