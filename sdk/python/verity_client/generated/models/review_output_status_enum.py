from enum import StrEnum


class ReviewOutputStatusEnum(StrEnum):
    DECIDED = "decided"
    OPEN = "open"

    def __str__(self) -> str:
        return str(self.value)
