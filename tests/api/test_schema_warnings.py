"""The served schema is generated without a warning: no two components share a name, no enum is renamed by guess."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_schema_generates_without_warnings(tmp_path: Path) -> None:
    generated = subprocess.run(  # noqa: S603 - our own interpreter and manage.py
        [sys.executable, "manage.py", "spectacular", "--file", str(tmp_path / "schema.json"), "--fail-on-warn"],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "VERITY_ENV": "development", "VERITY_LOCAL_ENV_FILE": ""},
        capture_output=True,
        text=True,
        check=False,
    )

    assert generated.returncode == 0, generated.stderr[-3000:]
