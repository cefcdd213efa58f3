from enum import StrEnum


class ExportListViewInputFormatEnum(StrEnum):
    CLOUDTRAIL = "cloudtrail"
    CSV = "csv"

    def __str__(self) -> str:
        return str(self.value)
