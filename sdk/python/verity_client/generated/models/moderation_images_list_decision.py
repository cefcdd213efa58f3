from enum import StrEnum


class ModerationImagesListDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REVIEW = "review"

    def __str__(self) -> str:
        return str(self.value)
