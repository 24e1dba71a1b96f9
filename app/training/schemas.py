"""Request and response bodies of the training and model-registry endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.enums import ModelStatus, RunStatus
from app.db.models import MLModelVersion, TrainingRun


class TriggerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force: bool = Field(
        default=False,
        strict=True,
        description="Train now, ignoring the weekly schedule and the new-feedback minimum.",
    )


class TriggerResponse(BaseModel):
    run_id: uuid.UUID
    status: Literal["running"] = "running"


class TrainingRunResponse(BaseModel):
    id: uuid.UUID
    status: RunStatus
    forced: bool
    triggered_by: str | None
    candidate_version: str | None
    promoted: bool
    message: str
    metrics: dict[str, Any]
    started_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, run: TrainingRun) -> TrainingRunResponse:
        return cls(
            id=run.id,
            status=run.status,
            forced=run.forced,
            triggered_by=run.triggered_by,
            candidate_version=run.candidate_version,
            promoted=run.promoted,
            message=run.message,
            metrics=run.metrics,
            started_at=run.started_at,
            finished_at=run.finished_at,
        )


class ModelVersionResponse(BaseModel):
    model_id: str
    version: str
    status: ModelStatus
    is_active: bool
    metrics: dict[str, Any]
    params: dict[str, Any]
    feature_list: list[str]
    training_window_start: datetime | None
    training_window_end: datetime | None
    train_rows: int
    valid_rows: int
    data_hash: str | None
    artifact_sha256: str
    parent_version: str | None
    created_by: str | None
    trained_at: datetime

    @classmethod
    def of(cls, row: MLModelVersion) -> ModelVersionResponse:
        return cls(
            model_id=row.model_id,
            version=row.version,
            status=row.status,
            is_active=row.is_active,
            metrics=row.metrics,
            params=row.params,
            feature_list=row.feature_list,
            training_window_start=row.training_window_start,
            training_window_end=row.training_window_end,
            train_rows=row.train_rows,
            valid_rows=row.valid_rows,
            data_hash=row.data_hash,
            artifact_sha256=row.artifact_sha256,
            parent_version=row.parent_version,
            created_by=row.created_by,
            trained_at=row.trained_at,
        )


class ModelListResponse(BaseModel):
    versions: list[ModelVersionResponse]
