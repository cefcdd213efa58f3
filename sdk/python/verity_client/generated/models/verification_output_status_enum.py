from enum import StrEnum


class VerificationOutputStatusEnum(StrEnum):
    APPROVED = "approved"
    FAILED = "failed"
    NEEDS_REVIEW = "needs_review"
    PENDING = "pending"
    PROCESSING = "processing"
    REJECTED = "rejected"

    def __str__(self) -> str:
        return str(self.value)
