"""Alembic environment: the URL comes from settings (or `-x url=...`), never from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from app.db import registry  # noqa: F401  (imports every table module)
from app.db.base import Base
from app.db.session import make_engine, normalise_url
from app.settings import get_settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return normalise_url(context.get_x_argument(as_dictionary=True).get("url")
                         or config.attributes.get("url")
                         or get_settings().database_url)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
