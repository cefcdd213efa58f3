"""Policies: the decision at every band and exact threshold, validation, versions, the policy API."""

from __future__ import annotations

from typing import Any

import pytest

from config.errors import InvalidInput
from moderation.models import ModerationPolicy
from moderation.policies import decide, default_rules, min_confidence, validate_rules
from moderation.services.policies import policy_put
from moderation.taxonomy import CATEGORIES, top_level_category
from tenants.scope import tenant_scope
from tests.conftest import Caller
from tests.moderation.conftest import label, violence

RULES = validate_rules({"Violence": {"review_at": 40, "reject_at": 70}, "Alcohol": {"ignore": True}})


def test_taxonomy_7_has_the_ten_top_level_categories() -> None:
    assert len(CATEGORIES) == 10
    assert {"Explicit", "Swimwear or Underwear", "Hate Symbols", "Drugs & Tobacco"} <= set(CATEGORIES)


@pytest.mark.parametrize(
    ("given", "category"),
    [
        (label("Explicit", 90), "Explicit"),
        (label("Explicit Nudity", 90, "Explicit"), "Explicit"),
        (label("Exposed Female Nipple", 90, "Explicit Nudity", 3), "Explicit"),
        (label("Weapon Violence", 90, "Graphic Violence", 3), "Violence"),
        (label("Beer", 90, "Alcoholic Beverages", 3), "Alcohol"),
        (label("Something New", 90, "Unknown Parent", 2), "Unknown Parent"),
    ],
)
def test_a_label_belongs_to_the_top_of_its_parent_chain(given: dict[str, Any], category: str) -> None:
    assert top_level_category(given) == category


@pytest.mark.parametrize(
    ("confidence", "decision"),
    [(0.0, "approve"), (39.99, "approve"), (40.0, "review"), (69.99, "review"), (70.0, "reject"), (100.0, "reject")],
)
def test_each_band_and_each_exact_threshold_decides(confidence: float, decision: str) -> None:
    assert decide(violence(confidence), RULES) == (decision, "Violence" if decision != "approve" else "")


def test_an_ignored_category_never_decides() -> None:
    beer = [label("Alcohol", 99.9), label("Alcoholic Beverages", 99.9, "Alcohol")]
    assert decide(beer, RULES) == ("approve", "")


def test_the_defaults_review_from_60_and_reject_from_80() -> None:
    rules = default_rules()
    assert all(rule == {"review_at": 60.0, "reject_at": 80.0} for rule in rules.values())
    assert decide([label("Gambling", 59.9)], rules)[0] == "approve"
    assert decide([label("Gambling", 60)], rules)[0] == "review"
    assert decide([label("Gambling", 80)], rules)[0] == "reject"


def test_the_worst_outcome_wins_and_names_its_category() -> None:
    labels = [*violence(65), label("Hate Symbols", 85), label("Alcohol", 99)]
    assert decide(labels, RULES) == ("reject", "Hate Symbols")


def test_a_label_outside_the_taxonomy_is_reviewed_under_the_defaults() -> None:
    assert decide([label("Brand New Category", 65)], RULES) == ("review", "Brand New Category")


def test_the_engine_is_asked_for_every_label_that_could_matter() -> None:
    assert min_confidence(RULES) == 40.0
    assert min_confidence(default_rules()) == 50.0


@pytest.mark.parametrize(
    ("categories", "code"),
    [
        ({"Violense": {"review_at": 1, "reject_at": 2}}, "unknown_moderation_category"),
        ({"Violence": {"review_at": 81, "reject_at": 80}}, "invalid_moderation_thresholds"),
        ({"Violence": {"review_at": 60}}, "invalid_moderation_thresholds"),
        ({"Violence": {"review_at": -1, "reject_at": 80}}, "invalid_moderation_thresholds"),
        ({"Violence": {"review_at": 60, "reject_at": 100.5}}, "invalid_moderation_thresholds"),
        ({"Violence": {"ignore": True, "reject_at": 80}}, "invalid_moderation_thresholds"),
        ({"Violence": {"review_at": True, "reject_at": 80}}, "invalid_moderation_thresholds"),
        ({"Violence": "strict"}, "invalid_moderation_thresholds"),
    ],
)
def test_invalid_rules_are_refused_with_their_code(categories: dict[str, Any], code: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate_rules(categories)
    assert refused.value.code == code


def test_equal_thresholds_are_allowed() -> None:
    assert validate_rules({"Violence": {"review_at": 70, "reject_at": 70}})["Violence"] == {
        "review_at": 70.0,
        "reject_at": 70.0,
    }


# --- versions and the API ------------------------------------------------------------------------


def test_a_tenant_without_a_policy_reads_the_defaults_as_version_1(caller: Caller) -> None:
    response = caller.client.get("/v1/moderation/policy")
    assert response.status_code == 200
    body = response.json()
    assert (body["version"], body["taxonomy_version"]) == (1, "7.0")
    assert body["categories"] == default_rules()


def test_put_writes_a_new_version_and_the_old_one_stays_readable(caller: Caller) -> None:
    put = caller.client.put(
        "/v1/moderation/policy", {"categories": {"Violence": {"review_at": 30, "reject_at": 50}}}, format="json"
    )
    assert put.status_code == 200
    assert put.json()["version"] == 2
    assert put.json()["categories"]["Violence"] == {"review_at": 30.0, "reject_at": 50.0}
    assert put.json()["categories"]["Gambling"] == {"review_at": 60.0, "reject_at": 80.0}
    assert put.json()["created_by"] == caller.api_key.prefix
    again = caller.client.put(
        "/v1/moderation/policy", {"categories": {"Alcohol": {"ignore": True}}}, format="json"
    ).json()
    assert again["version"] == 3
    assert again["categories"]["Violence"] == {"review_at": 60.0, "reject_at": 80.0}  # a PUT replaces
    assert caller.client.get("/v1/moderation/policy").json()["version"] == 3
    old = caller.client.get("/v1/moderation/policy?version=2").json()
    assert old["categories"]["Violence"] == {"review_at": 30.0, "reject_at": 50.0}
    assert caller.client.get("/v1/moderation/policy?version=1").json()["categories"] == default_rules()


def test_putting_the_rules_in_force_again_writes_no_version(caller: Caller) -> None:
    body = {"categories": {"Violence": {"review_at": 30, "reject_at": 50}}}
    assert caller.client.put("/v1/moderation/policy", body, format="json").json()["version"] == 2
    assert caller.client.put("/v1/moderation/policy", body, format="json").json()["version"] == 2


def test_a_version_that_does_not_exist_is_not_found(caller: Caller) -> None:
    response = caller.client.get("/v1/moderation/policy?version=7")
    assert (response.status_code, response.json()["code"]) == (404, "not_found")


def _versions(caller: Caller) -> list[int]:
    with tenant_scope(caller.tenant):
        return list(ModerationPolicy.objects.values_list("version", flat=True))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"categories": {"Violense": {"review_at": 1, "reject_at": 2}}}, "unknown_moderation_category"),
        ({"categories": {"Violence": {"review_at": 90, "reject_at": 80}}}, "invalid_moderation_thresholds"),
        ({"categories": {"Violence": {"review_at": 60}}}, "invalid_moderation_thresholds"),
        ({"categories": {"Violence": {"review_at": 160, "reject_at": 180}}}, "validation_error"),
        ({"categories": {"Violence": {"review_at": 60, "reject_at": 80, "block_at": 90}}}, "unknown_field"),
        ({"rules": {}}, "unknown_field"),
        ({}, "validation_error"),
    ],
)
def test_a_bad_policy_is_refused_and_writes_nothing(caller: Caller, body: dict[str, Any], code: str) -> None:
    caller.client.put("/v1/moderation/policy", {"categories": {"Alcohol": {"ignore": True}}}, format="json")
    response = caller.client.put("/v1/moderation/policy", body, format="json")
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert _versions(caller) == [2, 1]


def test_a_policy_change_is_audited_with_its_version(caller: Caller) -> None:
    from audit.models import AuditEvent

    with tenant_scope(caller.tenant):
        policy_put(tenant=caller.tenant, categories={"Gambling": {"ignore": True}}, created_by="test")
        [event] = AuditEvent.objects.filter(event_name="CreatePolicyVersion")
    assert event.record["requestParameters"]["version"] == 2
    assert '"Gambling": {"ignore": true}' in event.record["requestParameters"]["rules"]
