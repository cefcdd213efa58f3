"""Run every command of README.md's Operating table from a fresh shell against a running `make run`.

Starts `make run` on free ports with a run directory of its own (so a developer's own `make run`
and its var/local.env are left alone), waits until /readyz answers, then runs each command parsed
from the README with only PATH and HOME in its environment (plus VERITY_LOCAL_ENV_FILE, where this
run's settings file is), checks its exit status and output, and finally stops everything and
checks that no process is left. The database, Redis and broker are the caller's (DATABASE_URL
etc. when set, else `make run`'s defaults); AWS is always the local endpoints.

Usage: .venv/bin/python bin/check_readme_commands.py   (`make test` runs it)
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT = 300
COMMAND_TIMEOUT = 600

# What the README leaves to the reader, made concrete: the arguments a non-interactive run needs,
# and benchmark sizes small enough for CI (their defaults take minutes).
EXTRA_ARGUMENTS = {
    "createsuperuser": ["--no-input", "--username", "{operator}", "--email", "{operator}@example.com"],
    "bench.bench_local_faces": ["--runs", "1"],
    "bench.bench_search": ["--faces", "200", "--runs", "2"],
    "bench.bench_gateway": ["--runs", "3"],
    "bench.bench_audit_write": ["--events", "200"],
    "bench.bench_audit_export": ["--records", "500"],
    "bench.bench_registration": ["--runs", "2"],
    "bench.bench_registration_load": ["--seconds", "5", "--clients", "1"],
    "bench.bench_moderation": ["--runs", "2", "--video-seconds", "5"],
    "bench.bench_erasure": ["--runs", "2", "--shards", "2"],
    "bench.bench_retention": ["--subjects", "40", "--shards", "2"],
    "bench.bench_batch_index": ["--items", "30"],
    "bench.bench_webhooks": ["--events", "50", "--latency-events", "5"],
}
# Output each command must print (a regular expression), beyond exiting 0.
EXPECTED_OUTPUT = {
    "tenant_create": r"API key:\s+vk_live_\w+",
    "apikey_create": r"API key: vk_live_\w+",
    "tenant_user_create": r"http://127\.0\.0\.1:{web_port}/\S+",
    "audit_export": r"\S",
    "audit_validate": r"\S",
    "collections_reconcile": r"0 orphan\(s\), 0 missing",
    "tenant_rekey": r"new KMS key arn:aws:kms:",
    "tenant_offboard": r"offboarded",
    "receipt_verify": r"(?m)^valid$",
}
# Commands that serve until stopped: they pass when they listen on their port and stop cleanly.
SERVERS = {"rekognition_local"}
FORBIDDEN_OUTPUT = re.compile(r"Traceback \(most recent call last\)|NoCredentialsError")


def operating_commands(readme: str) -> list[str]:
    """The code spans of the Operating table's command column, in order, as written."""
    section = readme.split("\n## Operating", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("|")][2:]  # header, separator
    spans: list[str] = []
    for row in rows:
        cells = re.split(r"(?<!\\)\|", row.strip())
        spans += re.findall(r"`([^`]+)`", cells[-2])
    return spans


def launcher(tokens: list[str]) -> list[str]:
    """``.venv/bin/python manage.py`` or ``.venv/bin/python -m``: what a shortened span continues."""
    ends = [index for index, token in enumerate(tokens) if token in ("manage.py", "-m")]
    return tokens[: ends[-1] + 1]


def command_name(argv: list[str]) -> str:
    return argv[len(launcher(argv))] if argv[0] != "make" else " ".join(argv)


@dataclass
class Machine:
    slug: str
    operator: str
    web_port: int
    server_port: int  # for the README's own rekognition_local, beside make run's
    scratch: Path
    env: dict[str, str]
    timings: list[tuple[str, float]] = field(default_factory=list)


def concrete(spans: list[str], machine: Machine) -> list[list[str]]:
    """Each span as an argv: placeholders filled, optional parts left out, the first alternative."""
    commands: list[list[str]] = []
    previous: list[str] = []
    for span in spans:
        text = span.replace("\\|", "|")
        text = re.sub(r"\s*\[[^\]]*\]", "", text)  # [--optional arguments]
        text = re.sub(r"(\w+)(?:\|\w+)+", r"\1", text)  # a|b|c
        text = text.replace("<slug>", machine.slug).replace("<username>", machine.operator + "-staff")
        text = text.replace('"..."', '"README check"')
        argv = shlex.split(text.removeprefix("... "))
        if argv[0] not in ("make",) and not argv[0].startswith(".venv/"):
            argv = launcher(previous) + argv
        # The README's example output directory and port, made this run's own.
        replacements = {
            "out/": str(machine.scratch / "out"),
            "5050": str(machine.server_port),
            "receipt.json": str(machine.scratch / "receipt.json"),
        }
        argv = [replacements.get(argument, argument) for argument in argv]
        name = command_name(argv)
        argv += [argument.format(operator=machine.operator) for argument in EXTRA_ARGUMENTS.get(name, [])]
        commands.append(argv)
        previous = argv
    return commands


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def answers_http(port: int) -> bool:
    """Whether a server on ``port`` answers HTTP at all (an error status is an answer)."""
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", data=b"{}", timeout=5).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def wait_until_ready(run: subprocess.Popen[bytes], web_port: int, log: Path) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if run.poll() is not None:
            fail(f"`make run` exited with {run.returncode} before it was ready", log.read_text()[-4000:])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/readyz", timeout=5) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(1)
    fail(f"`make run` was not ready within {READY_TIMEOUT} s", log.read_text()[-4000:])


def fail(message: str, detail: str = "") -> None:
    raise SystemExit(f"README check FAILED: {message}\n{detail}")


def run_command(argv: list[str], machine: Machine) -> None:
    name = command_name(argv)
    shown = shlex.join(argv)
    print(f"$ {shown}", flush=True)
    started = time.monotonic()
    if name in SERVERS:
        run_server(argv, machine)
    else:
        result = subprocess.run(  # noqa: S603 - the README's own commands
            argv, cwd=ROOT, env=machine.env, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, check=False
        )
        output = result.stdout + result.stderr
        if result.returncode != 0 or FORBIDDEN_OUTPUT.search(output):
            fail(f"`{shown}` exited with {result.returncode}", output[-4000:])
        expected = EXPECTED_OUTPUT.get(name, "").format(web_port=machine.web_port)
        if expected and not re.search(expected, result.stdout):
            fail(f"`{shown}` did not print /{expected}/", output[-4000:])
    machine.timings.append((name, time.monotonic() - started))


def run_server(argv: list[str], machine: Machine) -> None:
    log = machine.scratch / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(  # noqa: S603 - the README's own command
            argv, cwd=ROOT, env=machine.env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            deadline = time.monotonic() + 180
            while not answers_http(machine.server_port):
                if server.poll() is not None or time.monotonic() > deadline:
                    fail(f"`{shlex.join(argv)}` did not listen", log.read_text()[-4000:])
                time.sleep(0.5)
        finally:
            status = stop_group(server, 30)
    if status != 0:
        fail(f"`{shlex.join(argv)}` exited with {status} when stopped", log.read_text()[-4000:])


def stop_group(process: subprocess.Popen[bytes], timeout: float) -> int:
    """Interrupt a process group as Ctrl-C does; the group must be gone within ``timeout`` seconds."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        status = process.wait(timeout)
    except subprocess.TimeoutExpired:
        status = -1
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return status
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    fail(f"processes of `{shlex.join(map(str, process.args))}` were left running; killed them")  # type: ignore[arg-type]
    return status


def run_environment(run_dir: Path, web_port: int, moto_port: int, rekognition_port: int) -> dict[str, str]:
    """The caller's environment for `make run`, on free ports, and always on the local AWS endpoints."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("AWS_", "VERITY_"))}
    return env | {
        "VERITY_PORT": str(web_port),
        "VERITY_MOTO_PORT": str(moto_port),
        "VERITY_REKOGNITION_PORT": str(rekognition_port),
        "VERITY_RUN_DIR": str(run_dir),
        # No credentials from ~/.aws either: this check never talks to real AWS.
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def main() -> int:
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="verity-readme-") as scratch_name:
        scratch = Path(scratch_name)
        run_dir = scratch / "run"
        run_dir.mkdir()
        web_port, moto_port, rekognition_port = free_port(), free_port(), free_port()
        machine = Machine(
            slug=f"readme-{uuid.uuid4().hex[:8]}",
            operator=f"operator-{uuid.uuid4().hex[:8]}",
            web_port=web_port,
            server_port=free_port(),
            scratch=scratch,
            # A second shell: nothing but PATH and HOME (and where this run's settings file is).
            env={
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": os.environ.get("HOME", str(scratch)),
                "VERITY_LOCAL_ENV_FILE": str(run_dir / "local.env"),
            },
        )
        commands = concrete(operating_commands((ROOT / "README.md").read_text()), machine)
        log = run_dir / "make-run.log"
        with log.open("wb") as output:
            run = subprocess.Popen(
                ["make", "--no-print-directory", "run"],  # noqa: S607
                cwd=ROOT,
                env=run_environment(run_dir, web_port, moto_port, rekognition_port),
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                wait_until_ready(run, web_port, log)
                print(f"`make run` ready in {time.monotonic() - began:.0f} s", flush=True)
                for argv in commands:
                    run_command(argv, machine)
            finally:
                stop_group(run, 60)
    for name, seconds in machine.timings:
        print(f"  {seconds:6.1f} s  {name}")
    print(f"README Operating commands: {len(commands)} passed in {time.monotonic() - began:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
