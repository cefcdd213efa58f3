"""Rekognition's content-moderation taxonomy, version 7: the ten top-level categories and their level-2 labels.

A policy has one rule per top-level category. A label of level 2 or 3 belongs to the category at
the top of its ``ParentName`` chain; level-3 labels name a level-2 label as their parent, so the
level-2 table below is enough to place every label of the taxonomy.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

TAXONOMY_VERSION = "7.0"

LEVEL_2: dict[str, tuple[str, ...]] = {
    "Explicit": ("Explicit Nudity", "Explicit Sexual Activity", "Sex Toys"),
    "Non-Explicit Nudity of Intimate parts and Kissing": (
        "Non-Explicit Nudity",
        "Obstructed Intimate Parts",
        "Kissing on the Lips",
    ),
    "Swimwear or Underwear": ("Female Swimwear or Underwear", "Male Swimwear or Underwear"),
    "Violence": ("Weapons", "Graphic Violence"),
    "Visually Disturbing": ("Death and Emaciation", "Crashes"),
    "Drugs & Tobacco": ("Products", "Drugs & Tobacco Paraphernalia & Use"),
    "Alcohol": ("Alcohol Use", "Alcoholic Beverages"),
    "Rude Gestures": ("Middle Finger",),
    "Gambling": ("Gambling",),
    "Hate Symbols": ("Nazi Party", "White Supremacy", "Extremist"),
}
CATEGORIES: tuple[str, ...] = tuple(LEVEL_2)
_TOP_OF = {child: top for top, children in LEVEL_2.items() for child in children}


def top_level_category(label: Mapping[str, Any]) -> str:
    """The top-level category of a ModerationLabel (``Name``, ``ParentName``, ``TaxonomyLevel``).

    A label outside taxonomy 7 (a later taxonomy, say) is its own category: the policy's
    defaults then apply to it, so an unknown label is reviewed rather than silently approved.
    """
    name, parent = str(label.get("Name", "")), str(label.get("ParentName", "") or "")
    if not parent:
        return name
    if parent in LEVEL_2:
        return parent
    return _TOP_OF.get(parent, parent)
