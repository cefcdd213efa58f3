from enum import StrEnum


class ReviewsListStatus(StrEnum):
    DECIDED = "decided"
    OPEN = "open"

    def __str__(self) -> str:
        return str(self.value)
