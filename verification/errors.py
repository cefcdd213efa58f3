"""Errors of the verification flows, raised before anything is written or any engine call is made."""

from __future__ import annotations

from config.errors import Conflict, NotFound


class ConsentRequired(Conflict):
    """The subject has no active consent for the purpose (none given, expired or withdrawn)."""

    code = "consent_required"
    title = "Consent required"


class SubjectAlreadyRegistered(Conflict):
    code = "subject_already_registered"


class SubjectNotRegistered(Conflict):
    code = "subject_not_registered"


class SubjectErased(NotFound):
    """The subject's erasure was requested: it is gone (a 404 with a code that says why), and
    nothing is processed for it again. Its erasure stays readable, with the receipt."""

    code = "subject_erased"


class ConsentAlreadyWithdrawn(Conflict):
    code = "consent_already_withdrawn"


class ErasureNotCompleted(Conflict):
    code = "erasure_not_completed"
