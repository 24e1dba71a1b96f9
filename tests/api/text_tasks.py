"""Tasks the text-worker tests send to a worker process (module level, so they pickle by name);
like every text task they take the worker's enricher as a keyword."""

from __future__ import annotations

import os
import threading

from app.enrichment.service import Enricher


def worker_pid(*, enricher: Enricher) -> int:
    return os.getpid()


def worker_nice(*, enricher: Enricher) -> int:
    return os.nice(0)


def crash(*, enricher: Enricher) -> None:
    os._exit(3)  # as an OOM kill would: no exception, no cleanup


def waiting(gate: threading.Event, *, enricher: Enricher) -> str:
    """For the in-process mode only: holds its slot until the test opens the gate."""
    gate.wait(timeout=60)
    return "done"
