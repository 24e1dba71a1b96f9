"""Migrations under the Postgres advisory lock: concurrent migrators (an init Job and its retry,
several compose stacks) all succeed and the schema is migrated exactly once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from app.db.migrate import alembic_config, current_revisions, migration_lock, upgrade_head
from app.db.session import make_engine
from tests.conftest import scratch_postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def fresh_pg() -> Iterator[str]:
    with scratch_postgres_database("tm_migrate") as url:
        yield url


def _heads() -> set[str]:
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def test_two_concurrent_upgrades_both_succeed_and_migrate_once(fresh_pg: str) -> None:
    start = threading.Barrier(2)

    def migrate() -> bool:
        start.wait(timeout=30)
        return upgrade_head(fresh_pg)

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = [f.result(timeout=300) for f in [pool.submit(migrate), pool.submit(migrate)]]

    assert sorted(results) == [False, True], "exactly one caller applies the revisions"
    assert current_revisions(fresh_pg) == _heads()
    engine = make_engine(fresh_pg)
    try:
        assert "match_feedback" in inspect(engine).get_table_names()
    finally:
        engine.dispose()
    assert upgrade_head(fresh_pg) is False, "a later run finds the schema at head"


def test_upgrade_waits_while_another_process_holds_the_lock(fresh_pg: str) -> None:
    done = threading.Event()

    def migrate() -> bool:
        try:
            return upgrade_head(fresh_pg)
        finally:
            done.set()

    with ThreadPoolExecutor(max_workers=1) as pool, migration_lock(fresh_pg):
        future = pool.submit(migrate)
        assert not done.wait(1.5), "upgrade_head ran without the migration lock"
        assert current_revisions(fresh_pg) == set()
    assert future.result(timeout=300) is True
    assert current_revisions(fresh_pg) == _heads()
