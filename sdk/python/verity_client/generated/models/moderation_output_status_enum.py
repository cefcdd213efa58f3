from enum import StrEnum


class ModerationOutputStatusEnum(StrEnum):
    FAILED = "failed"
    IN_PROGRESS = "in_progress"
    PENDING = "pending"
    SUCCEEDED = "succeeded"

    def __str__(self) -> str:
        return str(self.value)
