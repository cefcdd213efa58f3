from enum import StrEnum


class EventsListType(StrEnum):
    AUDIT_EXPORT_COMPLETED = "audit_export.completed"
    BATCH_INDEX_JOB_COMPLETED = "batch_index_job.completed"
    ERASURE_COMPLETED = "erasure.completed"
    MODERATION_COMPLETED = "moderation.completed"
    REVIEW_DECIDED = "review.decided"
    VERIFICATION_COMPLETED = "verification.completed"

    def __str__(self) -> str:
        return str(self.value)
