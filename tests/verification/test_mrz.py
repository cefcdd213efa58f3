"""ICAO 9303 MRZ parsing: TD1 and TD3 specimens, each check digit, OCR confusions, expiry, finding the zone."""

from __future__ import annotations

from datetime import date

import pytest

from verification.mrz import check_digit, find_mrz, parse_td1, parse_td3

TODAY = date(2026, 12, 2)
# The specimens of ICAO Doc 9303 (Part 4, TD3; Part 5, TD1).
TD3 = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
TD1 = ("I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<")


def _with(line: str, position: int, character: str) -> str:
    return line[:position] + character + line[position + 1 :]


def _td3_expiring(yymmdd: str) -> tuple[str, str]:
    """The TD3 specimen with another expiry date, every check digit recomputed."""
    line2 = TD3[1][:21] + yymmdd + str(check_digit(yymmdd)) + TD3[1][28:43]
    composite = line2[0:10] + line2[13:20] + line2[21:43]
    return TD3[0], line2 + str(check_digit(composite))


def test_the_check_digit_is_icaos() -> None:
    assert [check_digit(text) for text in ("L898902C3", "740812", "120415", "ZE184226B<<<<<")] == [6, 2, 9, 1]
    assert check_digit("<<<") == 0


def test_the_td3_specimen_is_read_and_valid() -> None:
    mrz = parse_td3(*TD3, today=TODAY)

    assert mrz.as_dict(TODAY) == {
        "format": "TD3",
        "document_type": "P",
        "issuing_state": "UTO",
        "document_number": "L898902C3",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "expiry_date": "2012-04-15",
        "sex": "F",
        "optional_data": "ZE184226B",
        "checks": {
            "document_number": True,
            "birth_date": True,
            "expiry_date": True,
            "optional_data": True,
            "composite": True,
        },
        "valid": True,
        "expired": True,
    }


def test_the_td1_specimen_is_read_and_valid() -> None:
    mrz = parse_td1(*TD1, today=TODAY)

    assert (mrz.format, mrz.document_type, mrz.document_number, mrz.surname, mrz.given_names) == (
        "TD1",
        "I",
        "D23145890",
        "ERIKSSON",
        "ANNA MARIA",
    )
    assert (mrz.birth_date, mrz.expiry_date, mrz.sex, mrz.nationality) == ("1974-08-12", "2012-04-15", "F", "UTO")
    assert mrz.checks == {"document_number": True, "birth_date": True, "expiry_date": True, "composite": True}
    assert mrz.valid


@pytest.mark.parametrize(
    ("position", "check"),
    [(9, "document_number"), (19, "birth_date"), (27, "expiry_date"), (42, "optional_data"), (43, "composite")],
)
def test_each_wrong_td3_check_digit_is_reported_by_name(position: int, check: str) -> None:
    digit = TD3[1][position]
    wrong = str((int(digit) + 1) % 10)

    mrz = parse_td3(TD3[0], _with(TD3[1], position, wrong), today=TODAY)

    failed = {name for name, passed in mrz.checks.items() if not passed}
    assert check in failed
    assert failed <= {check, "composite"}
    assert not mrz.valid


@pytest.mark.parametrize(
    ("line", "position", "check"),
    [(0, 14, "document_number"), (1, 6, "birth_date"), (1, 14, "expiry_date"), (1, 29, "composite")],
)
def test_each_wrong_td1_check_digit_is_reported_by_name(line: int, position: int, check: str) -> None:
    lines = list(TD1)
    lines[line] = _with(lines[line], position, str((int(lines[line][position]) + 1) % 10))

    mrz = parse_td1(*lines, today=TODAY)

    failed = {name for name, passed in mrz.checks.items() if not passed}
    assert check in failed
    assert failed <= {check, "composite"}


def test_a_changed_field_fails_its_check_digit_and_the_composite() -> None:
    mrz = parse_td3(TD3[0], _with(TD3[1], 14, "5"), today=TODAY)  # born 1975, not 1974

    assert (mrz.checks["birth_date"], mrz.checks["composite"], mrz.checks["document_number"]) == (False, False, True)


def test_ocr_confusions_are_put_right_by_each_fields_character_class() -> None:
    line1 = TD3[0].replace("ERIKSSON", "ER1KSS0N").replace("UTO", "UT0", 1)
    line2 = TD3[1][:13] + "74O8I2" + "Z" + TD3[1][20:]  # O and I in a date, Z for the check digit 2

    mrz = parse_td3(line1, line2, today=TODAY)

    assert (mrz.surname, mrz.issuing_state, mrz.birth_date) == ("ERIKSSON", "UTO", "1974-08-12")
    assert mrz.valid


def test_a_misread_document_number_is_taken_as_read_and_fails_its_check() -> None:
    """Letters and digits both belong in a document number: a misread cannot be told from a change."""
    misread = _with(TD3[1], 5, "O")  # L8989O2C3: the 0 read as a letter O

    mrz = parse_td3(TD3[0], misread, today=TODAY)

    assert mrz.document_number == "L8989O2C3"
    assert not mrz.checks["document_number"]
    assert not mrz.valid


def test_an_expired_document_is_still_valid_but_says_it_has_expired() -> None:
    expired = parse_td3(*_td3_expiring("251201"), today=TODAY)
    current = parse_td3(*_td3_expiring("311201"), today=TODAY)

    assert (expired.valid, expired.expired(TODAY), expired.expiry_date) == (True, True, "2025-12-01")
    assert (current.valid, current.expired(TODAY), current.expiry_date) == (True, False, "2031-12-01")


def test_an_impossible_date_makes_the_zone_invalid() -> None:
    line1, line2 = _td3_expiring("311301")  # month 13

    mrz = parse_td3(line1, line2, today=TODAY)

    assert mrz.expiry_date is None
    assert mrz.checks["expiry_date"]
    assert not mrz.valid


def test_the_zone_is_found_among_ocr_lines_with_spaces_and_other_text() -> None:
    lines = ["PASSPORT", "UTOPIA", "Surname ERIKSSON", "P<UTO ERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", TD3[1]]

    mrz, used = find_mrz(lines, today=TODAY)

    assert mrz is not None
    assert (mrz.format, used) == ("TD3", [3, 4])
    card, card_lines = find_mrz([*TD1[:2], "HELLO", TD1[2]], today=TODAY)  # noise between the lines
    assert card is not None
    assert (card.format, card_lines) == ("TD1", [0, 1, 3])
    assert find_mrz(["no zone here", "<<<"], today=TODAY) == (None, [])
