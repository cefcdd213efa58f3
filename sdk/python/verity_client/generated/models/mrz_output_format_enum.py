from enum import StrEnum


class MrzOutputFormatEnum(StrEnum):
    TD1 = "TD1"
    TD3 = "TD3"

    def __str__(self) -> str:
        return str(self.value)
