from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.tenant_output_thresholds import TenantOutputThresholds


T = TypeVar("T", bound="TenantOutput")


@_attrs_define
class TenantOutput:
    """An API resource: every one says whether it is live or test-mode data (docs/test-mode.md).

    Attributes:
        livemode (bool): true: live data (a vk_live_ key); false: test-mode data (a vk_test_ key). The two never mix.
        id (str):
        slug (str):
        name (str):
        account_id (str):
        region (str):
        status (str):
        shard_count (int):
        thresholds (TenantOutputThresholds):
    """

    livemode: bool
    id: str
    slug: str
    name: str
    account_id: str
    region: str
    status: str
    shard_count: int
    thresholds: TenantOutputThresholds
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        livemode = self.livemode

        id = self.id

        slug = self.slug

        name = self.name

        account_id = self.account_id

        region = self.region

        status = self.status

        shard_count = self.shard_count

        thresholds = self.thresholds.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "livemode": livemode,
                "id": id,
                "slug": slug,
                "name": name,
                "account_id": account_id,
                "region": region,
                "status": status,
                "shard_count": shard_count,
                "thresholds": thresholds,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.tenant_output_thresholds import TenantOutputThresholds

        d = dict(src_dict)
        livemode = d.pop("livemode")

        id = d.pop("id")

        slug = d.pop("slug")

        name = d.pop("name")

        account_id = d.pop("account_id")

        region = d.pop("region")

        status = d.pop("status")

        shard_count = d.pop("shard_count")

        thresholds = TenantOutputThresholds.from_dict(d.pop("thresholds"))

        tenant_output = cls(
            livemode=livemode,
            id=id,
            slug=slug,
            name=name,
            account_id=account_id,
            region=region,
            status=status,
            shard_count=shard_count,
            thresholds=thresholds,
        )

        tenant_output.additional_properties = d
        return tenant_output

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
