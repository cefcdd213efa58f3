"""The development settings that `make run` leaves for other shells of the same machine.

bin/run writes ``var/local.env`` (``KEY=VALUE`` lines: ``VERITY_ENV=development``, the database,
Redis and broker it used, and the local AWS endpoints and their credentials when it started them),
so that the README's commands work from any shell without exporting anything. The file is only
ever a fallback: a variable set in the environment wins, real AWS configuration in the environment
(credentials, a profile or an endpoint) sets aside every ``AWS_*`` line of the file, and a process
started with ``VERITY_ENV=production`` never reads it. A file that someone else could have written
is refused, since it chooses where credentials are sent.
"""

from __future__ import annotations

import os
import stat
from collections.abc import MutableMapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

# Any of these in the environment means AWS is configured for real: the file's local endpoints
# and credentials must not be mixed with it.
_REAL_AWS_VARIABLES = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_PROFILE",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
)


def _real_aws_configured(environ: MutableMapping[str, str]) -> bool:
    return any(environ.get(name) for name in _REAL_AWS_VARIABLES) or any(
        name.startswith("AWS_ENDPOINT_URL") and value for name, value in environ.items()
    )


def load_local_env(path: Path, environ: MutableMapping[str, str]) -> dict[str, str]:
    """Put the file's variables that ``environ`` does not set into it; return what was added."""
    if environ.get("VERITY_ENV") == "production" or not path.is_file():
        return {}
    status = path.stat()
    if status.st_uid != os.getuid() or status.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        raise ImproperlyConfigured(
            f"{path} is writable by another user; it is written by `make run`. Remove it or make it yours (chmod 600)."
        )
    skip_aws = _real_aws_configured(environ)
    added: dict[str, str] = {}
    for line in path.read_text().splitlines():
        name, separator, value = line.strip().partition("=")
        if not separator or name.startswith("#") or name in environ or (skip_aws and name.startswith("AWS_")):
            continue
        added[name] = value
    environ.update(added)
    return added
