from enum import StrEnum


class VerificationsListType(StrEnum):
    AUTHENTICATION = "authentication"
    IDENTIFICATION = "identification"
    PHOTO_UPDATE = "photo_update"
    REGISTRATION = "registration"

    def __str__(self) -> str:
        return str(self.value)
