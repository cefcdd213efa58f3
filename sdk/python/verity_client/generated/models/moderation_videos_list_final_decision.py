from enum import StrEnum


class ModerationVideosListFinalDecision(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"
    REVIEW = "review"

    def __str__(self) -> str:
        return str(self.value)
