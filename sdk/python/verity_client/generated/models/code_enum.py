from enum import StrEnum


class CodeEnum(StrEnum):
    DOCUMENT_EXPIRED = "document.expired"
    DOCUMENT_INCONSISTENT = "document.inconsistent"
    DOCUMENT_INVALID = "document.invalid"
    DOCUMENT_NO_MRZ = "document.no_mrz"

    def __str__(self) -> str:
        return str(self.value)
