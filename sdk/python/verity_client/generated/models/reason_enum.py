from enum import StrEnum


class ReasonEnum(StrEnum):
    CONSENT_EXPIRED = "consent_expired"
    CONSENT_WITHDRAWN = "consent_withdrawn"
    OFFBOARDING = "offboarding"
    REQUEST = "request"
    RETENTION = "retention"

    def __str__(self) -> str:
        return str(self.value)
