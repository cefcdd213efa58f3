"""What a policy's rules are and how they decide: pure functions, no database.

A rule per top-level category of the taxonomy: ``{"review_at": x, "reject_at": y}`` (0–100,
``review_at <= reject_at``) or ``{"ignore": true}``. A label's confidence below ``review_at``
approves, from ``review_at`` reviews, from ``reject_at`` rejects (both thresholds inclusive);
the result's decision is the worst of its labels', and the category of the label that gave it
(the most confident one, between equals) is the driving category.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from config.errors import InvalidInput
from moderation.models import Decision
from moderation.taxonomy import CATEGORIES, top_level_category

DEFAULT_REVIEW_AT = 60.0
DEFAULT_REJECT_AT = 80.0
DEFAULT_RULE: dict[str, Any] = {"review_at": DEFAULT_REVIEW_AT, "reject_at": DEFAULT_REJECT_AT}
# Rekognition's own default: labels below it are not worth keeping even as context.
MAX_MIN_CONFIDENCE = 50.0
_RANK = {Decision.APPROVE: 0, Decision.REVIEW: 1, Decision.REJECT: 2}


def default_rules() -> dict[str, dict[str, Any]]:
    return {category: dict(DEFAULT_RULE) for category in CATEGORIES}


def validate_rules(categories: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """A complete rule set from ``categories`` (categories not named keep the defaults).

    Raises ``InvalidInput``: ``unknown_moderation_category`` for a name outside taxonomy 7,
    ``invalid_moderation_thresholds`` for a rule that is not ``ignore`` nor two thresholds
    within 0–100 with ``review_at <= reject_at``.
    """
    unknown = sorted(set(categories) - set(CATEGORIES))
    if unknown:
        raise InvalidInput(
            f"Not a top-level category of moderation taxonomy 7: {', '.join(unknown)}.",
            code="unknown_moderation_category",
            extra={"categories": unknown},
        )
    rules = default_rules()
    for category, rule in categories.items():
        rules[category] = _validated_rule(category, rule)
    return rules


def _validated_rule(category: str, rule: Any) -> dict[str, Any]:
    if not isinstance(rule, Mapping):
        raise _bad(category, "a rule is an object")
    if rule.get("ignore") is True:
        if set(rule) - {"ignore"}:
            raise _bad(category, "an ignored category takes no thresholds")
        return {"ignore": True}
    if set(rule) - {"ignore", "review_at", "reject_at"}:
        raise _bad(category, "a rule has only review_at, reject_at and ignore")
    thresholds = [rule.get("review_at"), rule.get("reject_at")]
    for value in thresholds:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise _bad(category, "review_at and reject_at are both required, each within 0–100")
    review_at, reject_at = (float(value) for value in thresholds)  # type: ignore[arg-type]
    if review_at > reject_at:
        raise _bad(category, f"review_at ({review_at}) must not exceed reject_at ({reject_at})")
    return {"review_at": review_at, "reject_at": reject_at}


def _bad(category: str, why: str) -> InvalidInput:
    return InvalidInput(f"{category}: {why}.", code="invalid_moderation_thresholds", extra={"category": category})


def min_confidence(rules: Mapping[str, Mapping[str, Any]]) -> float:
    """What to ask the engine for: every label that could matter, and at least Rekognition's default."""
    thresholds = [rule["review_at"] for rule in rules.values() if not rule.get("ignore")]
    return min([MAX_MIN_CONFIDENCE, *thresholds])


def label_outcome(label: Mapping[str, Any], rules: Mapping[str, Mapping[str, Any]]) -> str | None:
    """The label's decision under the rules, or None when its category is ignored."""
    rule = rules.get(top_level_category(label), DEFAULT_RULE)
    if rule.get("ignore"):
        return None
    confidence = float(label["Confidence"])
    if confidence >= rule["reject_at"]:
        return Decision.REJECT
    if confidence >= rule["review_at"]:
        return Decision.REVIEW
    return Decision.APPROVE


def decide(labels: Iterable[Mapping[str, Any]], rules: Mapping[str, Mapping[str, Any]]) -> tuple[str, str]:
    """(decision, driving category) of Rekognition ModerationLabels; ("approve", "") when none count."""
    worst: tuple[int, float] = (0, -1.0)
    decision, driving = Decision.APPROVE, ""
    for label in labels:
        outcome = label_outcome(label, rules)
        if outcome is None or outcome == Decision.APPROVE:
            continue
        rank = (_RANK[Decision(outcome)], float(label["Confidence"]))
        if rank > worst:
            worst, decision, driving = rank, Decision(outcome), top_level_category(label)
    return str(decision), driving


def stored_label(label: Mapping[str, Any]) -> dict[str, Any]:
    """A ModerationLabel as a result keeps and shows it."""
    return {
        "name": label["Name"],
        "parent_name": label.get("ParentName", "") or "",
        "taxonomy_level": label.get("TaxonomyLevel"),
        "confidence": float(label["Confidence"]),
        "category": top_level_category(label),
    }
