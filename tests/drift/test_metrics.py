"""tm_drift_score / tm_drift_alert: read from the newest succeeded run's row, cached, and left
out (never a failed scrape) when there is none or the database cannot answer."""

from __future__ import annotations

from datetime import timedelta

from prometheus_client import CollectorRegistry, generate_latest
from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker

from app.db.base import utcnow
from app.db.monitoring_models import DriftRun
from app.drift.metrics import DriftCollector


def add_run(engine: Engine, *, score: float | None, alerted: bool, status: str, ago: int) -> None:
    now = utcnow()
    with Session(engine) as session:
        session.add(
            DriftRun(
                status=status,
                triggered_by="test",
                model_version="v1.0",
                window_start=now - timedelta(days=7),
                window_end=now,
                threshold=0.15,
                overall_score=score,
                alerted=alerted,
                metrics={},
                started_at=now - timedelta(minutes=ago),
            )
        )
        session.commit()


def scrape(collector: DriftCollector) -> str:
    registry = CollectorRegistry()
    registry.register(collector)
    return generate_latest(registry).decode()


def test_the_gauges_show_the_newest_succeeded_run(engine: Engine) -> None:
    collector = DriftCollector(sessionmaker(bind=engine), cache_seconds=0)
    assert "tm_drift_score{" not in scrape(collector)
    add_run(engine, score=0.31, alerted=True, status="succeeded", ago=60)
    add_run(engine, score=0.05, alerted=False, status="succeeded", ago=30)
    add_run(engine, score=None, alerted=False, status="failed", ago=1)
    text = scrape(collector)
    assert 'tm_drift_score{model_version="v1.0"} 0.05' in text
    assert 'tm_drift_alert{model_version="v1.0"} 0.0' in text


def test_the_newest_run_is_cached_and_a_dead_database_leaves_the_gauges_out(
    engine: Engine,
) -> None:
    cached = DriftCollector(sessionmaker(bind=engine), cache_seconds=3600)
    add_run(engine, score=0.2, alerted=True, status="succeeded", ago=10)
    assert 'tm_drift_alert{model_version="v1.0"} 1.0' in scrape(cached)
    add_run(engine, score=0.01, alerted=False, status="succeeded", ago=0)
    assert 'tm_drift_score{model_version="v1.0"} 0.2' in scrape(cached)
    dead = create_engine("postgresql+psycopg://nobody@127.0.0.1:9/none")
    assert "tm_drift_score{" not in scrape(DriftCollector(sessionmaker(bind=dead)))
