"""Response bodies of the drift endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.db.monitoring_models import DriftRun

DriftStatus = Literal["running", "succeeded", "failed", "skipped"]


class DriftFeatureSummary(BaseModel):
    name: str
    status: Literal["ok", "drift", "not_enough_data"]
    psi: float | None


class DriftRunResponse(BaseModel):
    id: uuid.UUID
    status: DriftStatus
    triggered_by: str
    model_version: str | None
    window_start: datetime
    window_end: datetime
    reference_rows: int
    current_rows: int
    overall_score: float | None = Field(description="0-1; see overall_metric for what set it.")
    overall_metric: str | None
    threshold: float
    alerted: bool
    alert_delivered: bool | None = Field(description="null: no webhook was tried.")
    top_features: list[DriftFeatureSummary] = Field(
        description="The five features with the highest PSI, drifting first."
    )
    report_url: str | None = Field(description="The HTML report (admin only), when written.")
    message: str
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, run: DriftRun) -> DriftRunResponse:
        features = run.metrics.get("features", [])[:5]
        return cls(
            id=run.id,
            status=run.status,
            triggered_by=run.triggered_by,
            model_version=run.model_version,
            window_start=run.window_start,
            window_end=run.window_end,
            reference_rows=run.reference_rows,
            current_rows=run.current_rows,
            overall_score=run.overall_score,
            overall_metric=run.metrics.get("overall_metric"),
            threshold=run.threshold,
            alerted=run.alerted,
            alert_delivered=run.alert_delivered,
            top_features=[
                DriftFeatureSummary(name=f["name"], status=f["status"], psi=f["psi"])
                for f in features
            ],
            report_url=f"/api/v1/drift/runs/{run.id}/report" if run.report_path else None,
            message=run.message,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


class DriftRunListResponse(BaseModel):
    runs: list[DriftRunResponse]
