"""Every error and reason code the verification app can produce is documented (docs/verification.md, errors.md)."""

from __future__ import annotations

import re
from pathlib import Path

from verification import errors

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "verification.md").read_text() + (ROOT / "docs" / "errors.md").read_text()
# Codes given where they are raised: code="…", failure("…", …), the flows' dotted reason codes.
_CODE_LITERALS = re.compile(
    r'code="([a-z_.]+)"|failure\(\s*"([a-z_.]+)"|"((?:quality|compare|duplicate|auth|identification|index|liveness)\.[a-z_]+)"'
    r'|"(manifest\.[a-z_]+)"|_fail_job\(\s*tenant,\s*[\w.]+,\s*"([a-z_]+)"'
)


def _codes_in(module: str) -> set[str]:
    source = (ROOT / "verification" / module).read_text()
    return {next(group for group in match.groups() if group) for match in _CODE_LITERALS.finditer(source)}


def test_every_code_the_app_raises_or_records_is_documented() -> None:
    modules = (ROOT / "verification").rglob("*.py")
    codes = {
        code
        for module in modules
        if "migrations" not in module.parts
        for code in _codes_in(str(module.relative_to(ROOT / "verification")))
    }
    codes |= {cls.code for cls in vars(errors).values() if isinstance(cls, type) and cls.__module__ == errors.__name__}
    codes.add("database_unavailable")  # tasks.py: what a lost database connection fails a verification with
    assert {"consent_required", "quality.sunglasses", "duplicate.found", "timeout", "auth.no_match"} <= codes
    assert {"invalid_period", "period_too_long"} <= codes
    assert {"manifest.invalid_key", "manifest_unreadable", "subject_already_registered"} <= codes
    assert sorted(code for code in codes if f"`{code}`" not in DOC) == []
