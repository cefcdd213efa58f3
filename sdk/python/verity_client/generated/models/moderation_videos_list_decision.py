from enum import StrEnum


class ModerationVideosListDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REVIEW = "review"

    def __str__(self) -> str:
        return str(self.value)
