"""Request and response bodies of the training and model-registry endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.enums import ModelStatus, RunOutcome, RunStage, RunStatus, StageState
from app.db.models import MLModelVersion, TrainingRun
from app.training.pipeline import MIN_TRAIN_ROWS
from app.training.run_view import headline_metrics, outcome_of, stages_of


class TriggerRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    force: bool = Field(
        default=False,
        strict=True,
        description=(
            "Train now even if the weekly schedule is not due or too little new feedback "
            "arrived. It lifts only those two rules: a run still needs at least "
            f"{MIN_TRAIN_ROWS} labelled samples and enough validation talents to fit and "
            "compare a model, and is skipped (with the counts in `message`) without them."
        ),
    )


class TriggerResponse(BaseModel):
    run_id: uuid.UUID
    status: Literal["running"] = "running"


class RunStageResponse(BaseModel):
    stage: RunStage
    state: StageState
    numbers: dict[str, float | int | bool | str | None] = Field(
        description="What the stage counted or measured (absent numbers are null)."
    )


class TrainingRunResponse(BaseModel):
    id: uuid.UUID
    status: RunStatus = Field(description="Whether the job ran to its end (see `outcome`).")
    outcome: RunOutcome = Field(
        description="What the run did to serving: a candidate that lost its gate is `rejected`."
    )
    stages: list[RunStageResponse]
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
            outcome=outcome_of(run.status, run.promoted),
            stages=[
                RunStageResponse(stage=v.stage, state=v.state, numbers=v.numbers)
                for v in stages_of(run)
            ],
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
    headline: dict[str, float | None] = Field(
        description="ndcg_at_10, auc and calibration_error read from `metrics` whatever its "
        "layout; null where this version was not measured on one."
    )
    activatable: bool = Field(description="Whether POST .../activate would make it live.")
    activation_blocked_reason: str | None = Field(
        description="Why it is not activatable (null when it is)."
    )
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
    def of(cls, row: MLModelVersion, blocked: str | None) -> ModelVersionResponse:
        """`blocked`: service.activation_block(row), computed where the artifacts are."""
        return cls(
            model_id=row.model_id,
            version=row.version,
            status=row.status,
            is_active=row.is_active,
            metrics=row.metrics,
            headline=headline_metrics(row.metrics),
            activatable=blocked is None,
            activation_blocked_reason=blocked,
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
