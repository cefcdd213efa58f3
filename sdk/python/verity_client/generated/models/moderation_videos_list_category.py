from enum import StrEnum


class ModerationVideosListCategory(StrEnum):
    ALCOHOL = "Alcohol"
    DRUGS_TOBACCO = "Drugs & Tobacco"
    EXPLICIT = "Explicit"
    GAMBLING = "Gambling"
    HATE_SYMBOLS = "Hate Symbols"
    NON_EXPLICIT_NUDITY_OF_INTIMATE_PARTS_AND_KISSING = (
        "Non-Explicit Nudity of Intimate parts and Kissing"
    )
    RUDE_GESTURES = "Rude Gestures"
    SWIMWEAR_OR_UNDERWEAR = "Swimwear or Underwear"
    VIOLENCE = "Violence"
    VISUALLY_DISTURBING = "Visually Disturbing"

    def __str__(self) -> str:
        return str(self.value)
