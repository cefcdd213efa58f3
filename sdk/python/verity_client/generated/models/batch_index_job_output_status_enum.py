from enum import StrEnum


class BatchIndexJobOutputStatusEnum(StrEnum):
    COMPLETED = "completed"
    DEDUPLICATING = "deduplicating"
    FAILED = "failed"
    INDEXING = "indexing"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
