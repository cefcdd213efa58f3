"""python manage.py rekognition_local: serve the local Rekognition-compatible endpoint.

One gunicorn process with a pool of threads. One process, never more: each collection's face
vectors are cached in that process's memory and kept in step with its own writes (see
vision.local.operations.vector_index). Models are loaded when the worker starts, so the first
request does not pay for it.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connections
from gunicorn.app.base import BaseApplication

from vision.local import faces, moderation, text
from vision.local.operations.video_moderation import fail_interrupted_jobs
from vision.local.server import LocalRekognition


def _load_models(worker: Any) -> None:
    """gunicorn's post_worker_init hook: load in the worker, after the fork, before any request."""
    faces.load_models()
    text.load_models()
    moderation.load_models()


def _exit_now(arbiter: Any, worker: Any) -> None:
    """gunicorn's worker_exit hook: end the worker here, with the status it was leaving with.

    Python's own finalization is skipped: ONNX Runtime's thread pools abort the process (or hang
    it) when they are torn down at interpreter exit, and a request thread still blocked would be
    joined for ever, so a Ctrl-C could leave the endpoint running. Nothing is lost: every write
    is committed by the request that made it.
    """
    leaving = sys.exc_info()[1]
    status = leaving.code if isinstance(leaving, SystemExit) and isinstance(leaving.code, int) else 0
    connections.close_all()
    logging.shutdown()
    os._exit(status)


def _interrupted(worker: Any) -> None:
    """gunicorn's worker_int hook (Ctrl-C, SIGQUIT: a quick shutdown): end the worker at once, as
    ``_exit_now`` does; left to gunicorn, a worker holding the models now and then hung until killed."""
    _exit_now(None, worker)


class _Gunicorn(BaseApplication):
    def __init__(self, application: LocalRekognition, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for name, value in self.options.items():
            self.cfg.set(name, value)

    def load(self) -> LocalRekognition:
        return self.application


class Command(BaseCommand):
    help = "Serve the local Rekognition-compatible endpoint (JSON 1.1 protocol) for boto3 and the AWS CLI."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=5050)
        # A search fans out over every shard of a tenant at once: 8 threads would queue a 16-shard fan-out.
        parser.add_argument("--threads", type=int, default=32, help="concurrent requests (one process)")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.VERITY_LOCAL_REKOGNITION_CREDENTIALS:
            raise CommandError(
                "No caller could sign a request: set VERITY_LOCAL_REKOGNITION_CREDENTIALS (ACCESS_KEY_ID:SECRET,...)."
            )
        interrupted = fail_interrupted_jobs()
        if interrupted:
            self.stdout.write(f"Marked {interrupted} interrupted content moderation job(s) FAILED.")
        connections.close_all()  # the worker is forked: it must open its own connections
        self.stdout.write(f"Local Rekognition endpoint on http://{options['host']}:{options['port']}")
        _Gunicorn(
            LocalRekognition(),
            {
                "bind": f"{options['host']}:{options['port']}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": options["threads"],
                "timeout": 120,
                "post_worker_init": _load_models,
                "worker_exit": _exit_now,
                "worker_int": _interrupted,
                # A worker that does not stop within this is killed (Ctrl-C, SIGTERM).
                "graceful_timeout": 10,
                "accesslog": None,
                "errorlog": "-",
            },
        ).run()
