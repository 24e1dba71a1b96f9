"""All SQL of the LLM call log."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.monitoring_models import LLMCall


def record_call(session: Session, **values: Any) -> LLMCall:
    call = LLMCall(**values)
    session.add(call)
    session.flush()
    return call


def usage_by_prompt(session: Session) -> dict[tuple[str, str], tuple[int, float, float]]:
    """(prompt name, version) -> (calls, mean latency ms, total cost USD)."""
    rows = session.execute(
        select(
            LLMCall.prompt_name,
            LLMCall.prompt_version,
            func.count(),
            func.avg(LLMCall.latency_ms),
            func.sum(LLMCall.cost_usd),
        ).group_by(LLMCall.prompt_name, LLMCall.prompt_version)
    )
    return {
        (name, version): (int(n), float(latency or 0.0), float(cost or 0.0))
        for name, version, n, latency, cost in rows
    }
