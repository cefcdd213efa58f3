from enum import StrEnum


class DisabledReasonEnum(StrEnum):
    BY_TENANT = "by_tenant"
    FAILING = "failing"

    def __str__(self) -> str:
        return str(self.value)
