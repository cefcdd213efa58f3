"""ICAO 9303 machine-readable zones: TD1 (ID cards, 3 × 30) and TD3 (passports, 2 × 44), parsed and checked.

Each field is read by its character class, as MRZ readers do, because OCR confuses O/0, I/1, B/8
and S/5: digits in a numeric field (dates, check digits) and letters in an alphabetic one (names,
country codes, sex) are put right before any check. A document number is alphanumeric: a misread
character in it cannot be told from a changed one, so it is taken as read and a wrong reading
shows as a failed check. Every check digit is reported, each true or false: a wrong digit is
never hidden.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date

_WEIGHTS = (7, 3, 1)
_TO_DIGIT = str.maketrans("OIBSZGDQ", "01852600")
_TO_LETTER = str.maketrans("018526", "OIBSZG")
_MRZ_LINE = re.compile(r"^[A-Z0-9<]+$")


def check_digit(text: str) -> int:
    """ICAO 9303's check digit: weights 7, 3, 1; digits as themselves, A–Z as 10–35, ``<`` as 0."""
    total = 0
    for position, character in enumerate(text):
        if character.isdigit():
            value = int(character)
        elif "A" <= character <= "Z":
            value = ord(character) - ord("A") + 10
        else:
            value = 0
        total += value * _WEIGHTS[position % 3]
    return total % 10


def _digits(text: str) -> str:
    return text.translate(_TO_DIGIT)


def _letters(text: str) -> str:
    return text.translate(_TO_LETTER)


def _checks(value: str, digit: str) -> bool:
    return digit.isdigit() and check_digit(value) == int(digit)


def _date(yymmdd: str, *, expiry: bool, today: date) -> str | None:
    """YYMMDD as an ISO date: a birth date is never in the future, an expiry within the next 50 years."""
    if not yymmdd.isdigit():
        return None
    year, month, day = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    century = 2000 if (year <= today.year % 100 + (50 if expiry else 0)) else 1900
    try:
        return date(century + year, month, day).isoformat()
    except ValueError:
        return None


def _names(field_text: str) -> tuple[str, str]:
    surname, _, given = _letters(field_text).partition("<<")
    return surname.replace("<", " ").strip(), given.replace("<", " ").strip()


@dataclass
class Mrz:
    """A parsed machine-readable zone: the fields, every check, and whether it is valid and unexpired."""

    format: str
    document_type: str
    issuing_state: str
    document_number: str
    surname: str
    given_names: str
    nationality: str
    birth_date: str | None
    sex: str
    expiry_date: str | None
    optional_data: str
    checks: dict[str, bool] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        """Every check digit right and both dates real."""
        return all(self.checks.values()) and self.birth_date is not None and self.expiry_date is not None

    def expired(self, today: date) -> bool:
        return self.expiry_date is not None and date.fromisoformat(self.expiry_date) < today

    def as_dict(self, today: date) -> dict[str, object]:
        return {
            "format": self.format,
            "document_type": self.document_type,
            "issuing_state": self.issuing_state,
            "document_number": self.document_number,
            "surname": self.surname,
            "given_names": self.given_names,
            "nationality": self.nationality,
            "birth_date": self.birth_date,
            "expiry_date": self.expiry_date,
            "sex": self.sex,
            "optional_data": self.optional_data,
            "checks": dict(self.checks),
            "valid": self.valid,
            "expired": self.expired(today),
        }


def _sex(character: str) -> str:
    return {"M": "M", "F": "F"}.get(_letters(character), "X")


def parse_td3(line1: str, line2: str, *, today: date) -> Mrz:
    """A passport's two lines of 44 characters."""
    number = line2[0:9]
    birth, expiry = _digits(line2[13:19]), _digits(line2[21:27])
    digits = {
        "document_number": _digits(line2[9]),
        "birth_date": _digits(line2[19]),
        "expiry_date": _digits(line2[27]),
        "optional_data": _digits(line2[42]),
        "composite": _digits(line2[43]),
    }
    optional = line2[28:42]
    composite = number + digits["document_number"] + birth + digits["birth_date"] + expiry
    composite += digits["expiry_date"] + optional + digits["optional_data"]
    # An empty optional field may carry < or 0 as its check digit.
    optional_ok = _checks(optional, digits["optional_data"]) or (
        optional.strip("<") == "" and digits["optional_data"] == "<"
    )
    surname, given = _names(line1[5:44])
    return Mrz(
        format="TD3",
        document_type=_letters(line1[0:2]).replace("<", ""),
        issuing_state=_letters(line1[2:5]).replace("<", ""),
        document_number=number.replace("<", ""),
        surname=surname,
        given_names=given,
        nationality=_letters(line2[10:13]).replace("<", ""),
        birth_date=_date(birth, expiry=False, today=today),
        sex=_sex(line2[20]),
        expiry_date=_date(expiry, expiry=True, today=today),
        optional_data=optional.replace("<", ""),
        checks={
            "document_number": _checks(number, digits["document_number"]),
            "birth_date": _checks(birth, digits["birth_date"]),
            "expiry_date": _checks(expiry, digits["expiry_date"]),
            "optional_data": optional_ok,
            "composite": _checks(composite, digits["composite"]),
        },
    )


def parse_td1(line1: str, line2: str, line3: str, *, today: date) -> Mrz:
    """An identity card's three lines of 30 characters."""
    number = line1[5:14]
    birth, expiry = _digits(line2[0:6]), _digits(line2[8:14])
    digits = {
        "document_number": _digits(line1[14]),
        "birth_date": _digits(line2[6]),
        "expiry_date": _digits(line2[14]),
        "composite": _digits(line2[29]),
    }
    optional1, optional2 = line1[15:30], line2[18:29]
    composite = number + digits["document_number"] + optional1 + birth + digits["birth_date"]
    composite += expiry + digits["expiry_date"] + optional2
    surname, given = _names(line3)
    return Mrz(
        format="TD1",
        document_type=_letters(line1[0:2]).replace("<", ""),
        issuing_state=_letters(line1[2:5]).replace("<", ""),
        document_number=number.replace("<", ""),
        surname=surname,
        given_names=given,
        nationality=_letters(line2[15:18]).replace("<", ""),
        birth_date=_date(birth, expiry=False, today=today),
        sex=_sex(line2[7]),
        expiry_date=_date(expiry, expiry=True, today=today),
        optional_data=(optional1 + optional2).replace("<", ""),
        checks={
            "document_number": _checks(number, digits["document_number"]),
            "birth_date": _checks(birth, digits["birth_date"]),
            "expiry_date": _checks(expiry, digits["expiry_date"]),
            "composite": _checks(composite, digits["composite"]),
        },
    )


def _normalised(line: str) -> str:
    return line.upper().replace(" ", "").replace("«", "<").replace("‹", "<")


def find_mrz(lines: list[str], *, today: date) -> tuple[Mrz | None, list[int]]:
    """The MRZ among OCR'd lines (and which lines it took), or None when there is none."""
    candidates = [(index, _normalised(line)) for index, line in enumerate(lines)]
    candidates = [(index, line) for index, line in candidates if _MRZ_LINE.match(line) and "<" in line]
    for (i, first), (j, second) in itertools.pairwise(candidates):
        if len(first) == len(second) == 44 and first[0] == "P":
            return parse_td3(first, second, today=today), [i, j]
    for (i, first), (j, second), (k, third) in zip(candidates, candidates[1:], candidates[2:], strict=False):
        if len(first) == len(second) == len(third) == 30:
            return parse_td1(first, second, third, today=today), [i, j, k]
    return None, []
