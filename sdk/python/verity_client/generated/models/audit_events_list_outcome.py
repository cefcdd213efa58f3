from enum import StrEnum


class AuditEventsListOutcome(StrEnum):
    ERROR = "error"
    SUCCESS = "success"

    def __str__(self) -> str:
        return str(self.value)
