"""Run Alembic from code (CLI, tests, start-up) with the URL given rather than the settings'.

Several processes may migrate the same database at once (an init Job retried while the first
try still runs, two compose stacks, a test session per worker). On Postgres `upgrade_head`
therefore holds a session advisory lock around `alembic upgrade head`: the first caller
migrates, the others wait for it and then find the schema at head. SQLite is one file on one
machine and takes its own write lock, so it migrates without one.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, func, select
from sqlalchemy.pool import NullPool

from app.db.session import make_engine, normalise_url
from app.settings import PROJECT_ROOT, get_settings

MIGRATION_LOCK_KEY = 7_316_029_461_027_201_873
"""Advisory lock id of `alembic upgrade head` (any fixed bigint no other lock of ours uses)."""
INIT_LOCK_KEY = 7_316_029_461_027_201_874
"""Advisory lock id of `app init` (migrate, seed, initial model): one deployment's init at a
time, so a second one finds the model the first trained instead of training another."""


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(PROJECT_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    if url:
        config.attributes["url"] = url
    return config


@contextmanager
def advisory_lock(url: str, key: int) -> Iterator[None]:
    """Hold the Postgres session advisory lock `key` (waiting for it) on a connection of its
    own; a no-op on other databases. The lock goes with the connection, so a killed holder
    never leaves it held."""
    engine = create_engine(normalise_url(url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        if engine.dialect.name != "postgresql":
            yield
            return
        with engine.connect() as conn:
            conn.execute(select(func.pg_advisory_lock(key)))
            try:
                yield
            finally:
                conn.execute(select(func.pg_advisory_unlock(key)))
    finally:
        engine.dispose()


def migration_lock(url: str) -> AbstractContextManager[None]:
    """The lock every `upgrade_head` holds while it migrates."""
    return advisory_lock(url, MIGRATION_LOCK_KEY)


def current_revisions(url: str) -> set[str]:
    """The revisions the database is at (empty before the first migration)."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def upgrade_head(url: str | None = None) -> bool:
    """Migrate to head under the migration lock; True when this call applied revisions,
    False when the database was already at head (e.g. another process had just migrated)."""
    url = url or get_settings().database_url
    config = alembic_config(url)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with migration_lock(url):
        if current_revisions(url) == heads:
            return False
        command.upgrade(config, "head")
        return True


def downgrade_base(url: str | None = None) -> None:
    command.downgrade(alembic_config(url), "base")
