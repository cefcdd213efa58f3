"""Regenerate the Python client's generated layer (sdk/python) from the OpenAPI schema the app serves.

The schema is drf-spectacular's, as /v1/schema serves it (`manage.py spectacular`, development
settings, no var/local.env); openapi-python-client, pinned in requirements/dev.txt, writes the
package `verity_client.generated` from it, formatted by the virtual environment's ruff with its
defaults (sdk/python/openapi-python-client.yaml). Both steps run in a temporary directory, so the
output does not depend on where the tree is and --check leaves the tree alone.

Usage: .venv/bin/python bin/generate_sdk.py           regenerate sdk/python in place (then commit it)
       .venv/bin/python bin/generate_sdk.py --check   exit 1 if the committed client is not what the
                                                      schema generates (`make lint` runs it)
"""

from __future__ import annotations

import argparse
import difflib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SDK = ROOT / "sdk" / "python"
SCHEMA = SDK / "openapi.json"
GENERATED = SDK / "verity_client" / "generated"
CONFIG = SDK / "openapi-python-client.yaml"
# Left behind by imports and tools, never generated.
IGNORED = ("__pycache__", ".ruff_cache")
SUMMARY_LINES = 40
DIFF_LINES = 80


def _run(command: list[str], *, cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        sys.exit(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")


def generate(into: Path) -> tuple[Path, Path]:
    """Write the schema and the generated package under ``into``; return their paths."""
    venv_bin = Path(sys.executable).parent
    env = os.environ | {
        "VERITY_ENV": "development",
        "VERITY_LOCAL_ENV_FILE": "",
        # The post-hooks run `ruff`: the pinned one of this environment, not whichever is on PATH.
        "PATH": f"{venv_bin}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    schema = into / "openapi.json"
    _run(
        [sys.executable, "manage.py", "spectacular", "--format", "openapi-json", "--validate", "--file", str(schema)],
        cwd=ROOT,
        env=env,
    )
    package = into / "generated"
    _run(
        [
            *(sys.executable, "-m", "openapi_python_client", "generate"),
            *("--path", str(schema), "--config", str(CONFIG), "--output-path", str(package)),
            *("--meta", "none", "--fail-on-warning"),
        ],
        cwd=into,
        env=env,
    )
    return schema, package


def _files(root: Path) -> dict[Path, bytes]:
    if root.is_file():
        return {Path(root.name): root.read_bytes()}
    return {
        path.relative_to(root): path.read_bytes()
        for path in root.rglob("*")
        if path.is_file() and not set(IGNORED) & set(path.relative_to(root).parts)
    }


def differences(committed: Path, fresh: Path) -> tuple[list[str], list[str]]:
    """What differs between the committed tree (or file) and a fresh one: a summary and a unified diff."""
    old, new = _files(committed) if committed.exists() else {}, _files(fresh)
    summary: list[str] = []
    diff: list[str] = []
    shown = committed.relative_to(ROOT)
    for name in sorted(old.keys() | new.keys()):
        if old.get(name) == new.get(name):
            continue
        label = shown if fresh.is_file() else shown / name
        summary.append(f"  {'added' if name not in old else 'removed' if name not in new else 'changed'}  {label}")
        diff.extend(
            difflib.unified_diff(
                old.get(name, b"").decode(errors="replace").splitlines(),
                new.get(name, b"").decode(errors="replace").splitlines(),
                f"committed/{label}",
                f"generated/{label}",
                lineterm="",
            )
        )
    return summary, diff


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed client; change nothing")
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="verity-sdk-") as directory:
        schema, package = generate(Path(directory))
        if arguments.check:
            summary, diff = [], []
            for committed, fresh in ((SCHEMA, schema), (GENERATED, package)):
                found = differences(committed, fresh)
                summary += found[0]
                diff += found[1]
            if not summary:
                print("sdk/python is up to date with the API schema.")
                return 0
            print("The Python client (sdk/python) is out of date with the API schema:")
            for lines, limit, what in ((summary, SUMMARY_LINES, "files"), (diff, DIFF_LINES, "diff lines")):
                print(*lines[:limit], sep="\n")
                if len(lines) > limit:
                    print(f"... and {len(lines) - limit} more {what}")
            print("Regenerate it with `.venv/bin/python bin/generate_sdk.py` and commit the result.")
            return 1
        shutil.rmtree(GENERATED, ignore_errors=True)
        shutil.copytree(package, GENERATED, ignore=shutil.ignore_patterns(*IGNORED))
        shutil.copyfile(schema, SCHEMA)
    print(f"Regenerated {GENERATED.relative_to(ROOT)} and {SCHEMA.relative_to(ROOT)} from the schema.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
