"""One-line reasons for the database errors an operator can fix without reading a traceback.

A command run before `app migrate`, or against a server that is down, used to end in a
40-line SQLAlchemy traceback whose last line names a table; the reason and the fix fit in one.
"""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError

_MISSING_SCHEMA = (psycopg.errors.UndefinedTable, psycopg.errors.UndefinedColumn)
_SQLITE_MISSING = ("no such table", "no such column")


def _where(url: str) -> str:
    """The database a URL names, without its password."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the configured database"


def explain(exc: BaseException, url: str) -> str | None:
    """The reason and the fix for a missing schema or an unreachable server, else None."""
    if not isinstance(exc, DBAPIError):
        return None
    orig = exc.orig
    where = _where(url)
    missing = isinstance(orig, _MISSING_SCHEMA) or (
        isinstance(orig, sqlite3.OperationalError) and str(orig).startswith(_SQLITE_MISSING)
    )
    if missing:
        detail = str(orig).strip().splitlines()[0]
        return f"database {where} is not migrated ({detail}): run `app migrate` first"
    if isinstance(orig, psycopg.OperationalError) or (
        isinstance(orig, sqlite3.OperationalError) and "unable to open" in str(orig)
    ):
        detail = str(orig).strip().splitlines()[-1].strip()
        return f"cannot reach database {where}: {detail}"
    return None
