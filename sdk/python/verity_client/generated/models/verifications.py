from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.outcomes import Outcomes


T = TypeVar("T", bound="Verifications")


@_attrs_define
class Verifications:
    """
    Attributes:
        registration (Outcomes):
        authentication (Outcomes):
        photo_update (Outcomes):
        identification (Outcomes):
    """

    registration: Outcomes
    authentication: Outcomes
    photo_update: Outcomes
    identification: Outcomes
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        registration = self.registration.to_dict()

        authentication = self.authentication.to_dict()

        photo_update = self.photo_update.to_dict()

        identification = self.identification.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "registration": registration,
                "authentication": authentication,
                "photo_update": photo_update,
                "identification": identification,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.outcomes import Outcomes

        d = dict(src_dict)
        registration = Outcomes.from_dict(d.pop("registration"))

        authentication = Outcomes.from_dict(d.pop("authentication"))

        photo_update = Outcomes.from_dict(d.pop("photo_update"))

        identification = Outcomes.from_dict(d.pop("identification"))

        verifications = cls(
            registration=registration,
            authentication=authentication,
            photo_update=photo_update,
            identification=identification,
        )

        verifications.additional_properties = d
        return verifications

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
