"""The training lock admits one holder at a time and is free again after release."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import Engine

from app.db.session import make_engine
from app.training.lock import try_acquire


def test_advisory_lock_admits_one_holder(pg_engine: Engine) -> None:
    first = try_acquire(pg_engine)
    assert first is not None
    assert first.kind == "postgres_advisory_lock"
    assert try_acquire(pg_engine) is None
    first.release()
    again = try_acquire(pg_engine)
    assert again is not None
    again.release()


def test_advisory_lock_races_give_exactly_one_winner(pg_engine: Engine) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        locks = list(pool.map(lambda _: try_acquire(pg_engine), range(6)))
    winners = [lock for lock in locks if lock is not None]
    assert len(winners) == 1
    winners[0].release()


def _hold_in_child(url: str, ready, done) -> None:
    lock = try_acquire(make_engine(url))
    ready.set()
    done.wait(10)
    if lock is not None:
        lock.release()


def test_advisory_lock_holds_across_processes(pg_engine: Engine) -> None:
    ctx = multiprocessing.get_context("spawn")
    ready, done = ctx.Event(), ctx.Event()
    url = pg_engine.url.render_as_string(hide_password=False)
    child = ctx.Process(target=_hold_in_child, args=(url, ready, done))
    child.start()
    try:
        assert ready.wait(30)
        assert try_acquire(pg_engine) is None
    finally:
        done.set()
        child.join(30)
    lock = try_acquire(pg_engine)
    assert lock is not None
    lock.release()


def test_sqlite_file_lock_admits_one_holder(sqlite_engine: Engine) -> None:
    first = try_acquire(sqlite_engine)
    assert first is not None
    assert first.kind == "sqlite_file_lock"
    assert try_acquire(sqlite_engine) is None
    first.release()
    first.release()  # idempotent
    again = try_acquire(sqlite_engine)
    assert again is not None
    again.release()
