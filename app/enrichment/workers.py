"""The text models run in worker processes, not in the process that serves requests.

One 20,000-character posting keeps the extractor (MiniLM+CRF tagger, section model, MiniLM)
busy for about a second, mostly pure Python. In the serving process that second holds the
interpreter lock: every cheap request of the same worker (a match, a probe) waited behind it,
which is how two paying abusers made honest users' p95 several times worse. In a separate
process the same second costs CPU, which the operating system shares between processes far more
fairly than threads share the lock, and the workers run at a lower priority
(`text_worker_nice`) with one torch thread each, so the serving process gets the CPU first.

`TextWorkers` admits at most `text_workers + text_queue_size` requests at once and refuses the
next one at once (`TextWorkersBusyError`, 503 with Retry-After): no text request waits in an
unbounded queue. Its pool starts on first use (tests that never send text start no process)
or in the background at start-up (`warm`), with the `spawn` start method: a forked child of a
process that already runs torch, LightGBM and SQLAlchemy threads inherits their locks in
whatever state they were. A worker that dies takes only the requests it was running with it
(`TextWorkerCrashedError`, 503); the pool is replaced for the next request. `close` (the
app's shutdown) stops the workers, so no process outlives the server.

With `text_workers=0` the tasks run in the caller's thread, one at a time, with the same
admission bound: for tests and tools that should not start a process per app.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

from app.enrichment.errors import TextWorkerCrashedError, TextWorkersBusyError
from app.enrichment.service import Enricher, get_enricher, read_resume
from app.logging import get_logger
from app.settings import Settings

log = get_logger(__name__)

T = TypeVar("T")
Task = Callable[..., T]
"""A module-level function (pickled by name) called as `task(*args, enricher=..., **kwargs)`."""

WARM_TEXT = "Software Engineer, Acme, 2018 - 2023\nPython, PostgreSQL and Docker."
"""Parsed once at start-up: a résumé loads every text model (extractor and occupations)."""


def _start_worker(nice: int) -> None:
    """Runs once in each new worker: lower priority, one torch thread, Ctrl-C left to the
    parent (which stops the pool itself)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if nice:
        os.nice(nice)
    import torch

    torch.set_num_threads(1)


def _in_worker(task: Task[T], args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> T:
    """The worker's side of a call: its own enricher, built on its first task (a model that
    cannot load fails that task with its own error, and the worker lives on)."""
    return task(*args, enricher=get_enricher(), **kwargs)


class TextWorkers:
    """Runs text tasks in a pool of worker processes (or in-process), with bounded admission."""

    def __init__(
        self,
        *,
        processes: int,
        queue_size: int,
        nice: int,
        local_enricher: Callable[[], Enricher] = get_enricher,
    ) -> None:
        self.processes = processes
        self.queue_size = queue_size
        self.nice = nice
        self._local_enricher = local_enricher
        self._lock = threading.Lock()
        self._local_slot = threading.Lock()
        self._admitted = 0
        self._pool: ProcessPoolExecutor | None = None
        self._closed = False

    @classmethod
    def of(cls, settings: Settings, local_enricher: Callable[[], Enricher]) -> TextWorkers:
        return cls(
            processes=settings.text_workers,
            queue_size=settings.text_queue_size,
            nice=settings.text_worker_nice,
            local_enricher=local_enricher,
        )

    @property
    def capacity(self) -> int:
        """Requests admitted at once: one per worker (one in-process) plus the queue."""
        return max(self.processes, 1) + self.queue_size

    @property
    def admitted(self) -> int:
        return self._admitted

    def run(self, task: Task[T], /, *args: Any, **kwargs: Any) -> T:
        """`task`'s result, computed by a worker; blocks the calling (request) thread.

        Raises `TextWorkersBusyError` at once when `capacity` requests are already admitted,
        `TextWorkerCrashedError` when the worker died while running it, and whatever `task`
        raised otherwise (a model that cannot load: its 503)."""
        with self._lock:
            if self._admitted >= self.capacity:
                raise TextWorkersBusyError(
                    f"all {self.capacity} text slots of this worker are taken; retry later"
                )
            self._admitted += 1
        try:
            if self.processes == 0:
                with self._local_slot:
                    return task(*args, enricher=self._local_enricher(), **kwargs)
            pool, future = self._submit(task, args, kwargs)
            try:
                return future.result()
            except BrokenProcessPool as exc:
                self._discard(pool)
                log.error("text_worker_crashed", task=getattr(task, "__name__", str(task)))
                raise TextWorkerCrashedError(
                    "the text worker running this request stopped; it has been replaced, retry"
                ) from exc
        finally:
            with self._lock:
                self._admitted -= 1

    def warm(self) -> None:
        """Start the workers and load their models in the background (nothing waits)."""
        if self.processes > 0:
            _, future = self._submit(read_resume, (WARM_TEXT,), {})
            future.add_done_callback(_log_warm_up)

    def close(self) -> None:
        """Stop the pool: queued tasks are cancelled, running ones finish, workers exit."""
        with self._lock:
            self._closed = True
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)

    def _submit(
        self, task: Task[T], args: tuple[Any, ...], kwargs: Mapping[str, Any]
    ) -> tuple[ProcessPoolExecutor, Future[T]]:
        pool = self._executor()
        try:
            return pool, pool.submit(_in_worker, task, args, kwargs)
        except BrokenProcessPool:
            # A worker died while the pool was idle: nothing of this request ran, so it goes
            # to a fresh pool instead of failing.
            self._discard(pool)
            pool = self._executor()
            return pool, pool.submit(_in_worker, task, args, kwargs)

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._closed:
                raise TextWorkersBusyError("the server is shutting down")
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=self.processes,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start_worker,
                    initargs=(self.nice,),
                )
                log.info("text_workers_started", processes=self.processes, nice=self.nice)
            return self._pool

    def _discard(self, broken: ProcessPoolExecutor) -> None:
        """Forget a broken pool (once, whichever of its requests notices first); the next
        request starts a new one."""
        with self._lock:
            if self._pool is not broken:
                return
            self._pool = None
        broken.shutdown(wait=False, cancel_futures=True)


def _log_warm_up(future: Future[Any]) -> None:
    if (exc := future.exception()) is not None:
        log.warning("text_workers_warm_up_failed", error=str(exc))
