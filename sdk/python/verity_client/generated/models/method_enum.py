from enum import StrEnum


class MethodEnum(StrEnum):
    CHECKBOX = "checkbox"
    SIGNATURE = "signature"
    VERBAL = "verbal"
    WRITTEN = "written"

    def __str__(self) -> str:
        return str(self.value)
