"""Every problem code and attempt error code of the webhooks app is documented."""

from __future__ import annotations

import re
from pathlib import Path

from webhooks.delivery import SECRET_UNAVAILABLE
from webhooks.models import EventType

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "docs" / "webhooks.md").read_text() + (ROOT / "docs" / "errors.md").read_text()


def test_every_code_is_documented() -> None:
    source = "".join(path.read_text() for path in (ROOT / "webhooks").glob("*.py"))
    codes = set(re.findall(r'(?:code=|code = |_refuse\(\s*)"([a-z_]+)"', source))
    codes |= set(re.findall(r'Answer\(None, "([a-z_]+)"', source))
    codes |= {code.removeprefix("webhook_url_") for code in codes if code.startswith("webhook_url_")}
    codes.add(SECRET_UNAVAILABLE)

    assert {"webhook_url_forbidden_address", "forbidden_address", "timeout", "connection_failed"} <= codes
    assert sorted(code for code in codes if f"`{code}`" not in DOCS) == []


def test_every_event_type_is_documented() -> None:
    assert sorted(value for value in EventType.values if f"| `{value}` |" not in DOCS) == []
