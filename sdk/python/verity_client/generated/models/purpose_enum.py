from enum import StrEnum


class PurposeEnum(StrEnum):
    BIOMETRIC_VERIFICATION = "biometric_verification"

    def __str__(self) -> str:
        return str(self.value)
