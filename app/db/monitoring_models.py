"""Tables of model monitoring: the sampled inference log, drift runs, and LLM calls.

None of them has a foreign key: the inference log outlives the jobs and talents it scored
(drift is about the population, not the people, so it stores no ids and no text), a drift run
outlives the model version it judged, and an LLM call is a cost record.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, CheckConstraint, Float, Index, Integer, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, utcnow, uuid7

DRIFT_RUN_STATUSES = ("running", "succeeded", "failed", "skipped")
LLM_CALL_STATUSES = ("ok", "error")


class InferenceLogRow(Base):
    """One scored (subject, candidate) row of a sampled match request: the feature vector the
    model saw and the score it gave, with the source (ml or fallback) and model version."""

    __tablename__ = "inference_log"
    __table_args__ = (Index("ix_inference_log_version_time", "model_version", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(10))
    model_version: Mapped[str | None] = mapped_column(String(64))
    score: Mapped[float] = mapped_column(Float)
    features: Mapped[list[Any]] = mapped_column()


class DriftRun(Base):
    """One drift run: its window, the reference it used, every metric, the overall score, the
    alert's fate, and where the HTML report lies."""

    __tablename__ = "drift_runs"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in DRIFT_RUN_STATUSES)),
            name="status_valid",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    status: Mapped[str] = mapped_column(String(10), default="running")
    triggered_by: Mapped[str] = mapped_column(String(120))
    model_version: Mapped[str | None] = mapped_column(String(64))
    window_start: Mapped[datetime] = mapped_column()
    window_end: Mapped[datetime] = mapped_column()
    reference_rows: Mapped[int] = mapped_column(Integer, default=0)
    current_rows: Mapped[int] = mapped_column(Integer, default=0)
    overall_score: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float] = mapped_column(Float)
    alerted: Mapped[bool] = mapped_column(Boolean, default=False)
    alert_delivered: Mapped[bool | None] = mapped_column(Boolean)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    report_path: Mapped[str | None] = mapped_column(String(500))
    message: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column()


class LLMCall(Base):
    """One LLM call: which prompt (name, version, content hash), which model, tokens, latency
    and a cost estimate; never the prompt's filled-in text."""

    __tablename__ = "llm_calls"
    __table_args__ = (
        CheckConstraint(
            "status IN ({})".format(", ".join(f"'{s}'" for s in LLM_CALL_STATUSES)),
            name="status_valid",
        ),
        Index("ix_llm_calls_prompt", "prompt_name", "prompt_version"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(120))
    prompt_name: Mapped[str] = mapped_column(String(64))
    prompt_version: Mapped[str] = mapped_column(String(32))
    prompt_sha256: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    input_tokens: Mapped[int] = mapped_column(Integer, default=0)
    output_tokens: Mapped[int] = mapped_column(Integer, default=0)
    latency_ms: Mapped[float] = mapped_column(Float, default=0.0)
    cost_usd: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(String(300))
