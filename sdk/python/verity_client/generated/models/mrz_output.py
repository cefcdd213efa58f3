from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.mrz_output_format_enum import MrzOutputFormatEnum
from ..models.sex_enum import SexEnum

if TYPE_CHECKING:
    from ..models.mrz_checks_output import MrzChecksOutput


T = TypeVar("T", bound="MrzOutput")


@_attrs_define
class MrzOutput:
    """
    Attributes:
        format_ (MrzOutputFormatEnum): * `TD1` - TD1
            * `TD3` - TD3
        document_type (str):
        issuing_state (str):
        document_number (str):
        surname (str):
        given_names (str):
        nationality (str):
        birth_date (datetime.date | None):
        expiry_date (datetime.date | None):
        sex (SexEnum): * `M` - M
            * `F` - F
            * `X` - X
        optional_data (str):
        checks (MrzChecksOutput):
        valid (bool): Every check digit right and both dates real.
        expired (bool):
    """

    format_: MrzOutputFormatEnum
    document_type: str
    issuing_state: str
    document_number: str
    surname: str
    given_names: str
    nationality: str
    birth_date: datetime.date | None
    expiry_date: datetime.date | None
    sex: SexEnum
    optional_data: str
    checks: MrzChecksOutput
    valid: bool
    expired: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        format_ = self.format_.value

        document_type = self.document_type

        issuing_state = self.issuing_state

        document_number = self.document_number

        surname = self.surname

        given_names = self.given_names

        nationality = self.nationality

        birth_date: None | str
        if isinstance(self.birth_date, datetime.date):
            birth_date = self.birth_date.isoformat()
        else:
            birth_date = self.birth_date

        expiry_date: None | str
        if isinstance(self.expiry_date, datetime.date):
            expiry_date = self.expiry_date.isoformat()
        else:
            expiry_date = self.expiry_date

        sex = self.sex.value

        optional_data = self.optional_data

        checks = self.checks.to_dict()

        valid = self.valid

        expired = self.expired

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "format": format_,
                "document_type": document_type,
                "issuing_state": issuing_state,
                "document_number": document_number,
                "surname": surname,
                "given_names": given_names,
                "nationality": nationality,
                "birth_date": birth_date,
                "expiry_date": expiry_date,
                "sex": sex,
                "optional_data": optional_data,
                "checks": checks,
                "valid": valid,
                "expired": expired,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.mrz_checks_output import MrzChecksOutput

        d = dict(src_dict)
        format_ = MrzOutputFormatEnum(d.pop("format"))

        document_type = d.pop("document_type")

        issuing_state = d.pop("issuing_state")

        document_number = d.pop("document_number")

        surname = d.pop("surname")

        given_names = d.pop("given_names")

        nationality = d.pop("nationality")

        def _parse_birth_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                birth_date_type_0 = datetime.date.fromisoformat(data)

                return birth_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        birth_date = _parse_birth_date(d.pop("birth_date"))

        def _parse_expiry_date(data: object) -> datetime.date | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                expiry_date_type_0 = datetime.date.fromisoformat(data)

                return expiry_date_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.date | None, data)

        expiry_date = _parse_expiry_date(d.pop("expiry_date"))

        sex = SexEnum(d.pop("sex"))

        optional_data = d.pop("optional_data")

        checks = MrzChecksOutput.from_dict(d.pop("checks"))

        valid = d.pop("valid")

        expired = d.pop("expired")

        mrz_output = cls(
            format_=format_,
            document_type=document_type,
            issuing_state=issuing_state,
            document_number=document_number,
            surname=surname,
            given_names=given_names,
            nationality=nationality,
            birth_date=birth_date,
            expiry_date=expiry_date,
            sex=sex,
            optional_data=optional_data,
            checks=checks,
            valid=valid,
            expired=expired,
        )

        mrz_output.additional_properties = d
        return mrz_output

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
