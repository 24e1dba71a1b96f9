"""Column types read back the same on SQLite and Postgres: aware UTC timestamps, JSON."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from app.db.models import Company, ModelEvent
from tests.factories import make_company


def test_timestamps_read_back_as_aware_utc(session: Session) -> None:
    plus_two = datetime(2026, 5, 1, 14, 30, tzinfo=timezone(timedelta(hours=2)))
    company = make_company(session, created_at=plus_two)
    session.commit()
    session.expire_all()
    stored = session.scalar(select(Company.created_at).where(Company.id == company.id))
    assert stored is not None
    assert stored.tzinfo is not None
    assert stored.utcoffset() == timedelta(0)
    assert stored == datetime(2026, 5, 1, 12, 30, tzinfo=UTC)


def test_naive_timestamps_are_refused(session: Session) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        make_company(session, created_at=datetime(2026, 5, 1, 12, 30))
    session.rollback()


def test_json_columns_store_nan_as_null_and_keys_as_text(session: Session) -> None:
    # Postgres refuses the `NaN` token the stdlib encoder writes; a metric that came out NaN
    # must not lose the whole row.
    event = ModelEvent(
        model_id="m", version="v1", event="promoted", details={"ndcg": float("nan"), 3: "x"}
    )
    session.add(event)
    session.commit()
    session.expire_all()
    assert session.scalar(select(ModelEvent.details)) == {"ndcg": None, "3": "x"}
