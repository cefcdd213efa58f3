from enum import StrEnum


class BatchIndexJobsListStatus(StrEnum):
    COMPLETED = "completed"
    DEDUPLICATING = "deduplicating"
    FAILED = "failed"
    INDEXING = "indexing"
    PENDING = "pending"

    def __str__(self) -> str:
        return str(self.value)
