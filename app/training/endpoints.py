"""Admin endpoints of the learning loop: trigger training, read runs, list and activate models."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import Engine

from app.auth.deps import AdminUser, SessionDep
from app.auth.errors import AUTH_ERRORS
from app.auth.principal import Principal
from app.core.errors import responses
from app.core.state import provider
from app.ml import registry
from app.ml.errors import ActivationRefusedError, InvalidModelIdError, VersionNotFoundError
from app.settings import Settings
from app.training.errors import ArtifactInvalidError, RunNotFoundError, TrainingInProgressError
from app.training.schemas import (
    ModelListResponse,
    ModelVersionResponse,
    TrainingRunResponse,
    TriggerRequest,
    TriggerResponse,
)
from app.training.service import (
    activate_verified,
    activation_block,
    get_run,
    trigger_training,
)

router = APIRouter(prefix="/api/v1", tags=["training"])

RunId = Annotated[uuid.UUID, Path(description="Id returned by POST /api/v1/train/trigger.")]
Version = Annotated[
    str,
    Path(
        pattern=r"^v\d+\.\d+(-[a-z0-9-]+)?$",
        max_length=64,
        description="Model version to make live, e.g. v1.3 (seed 002 pattern).",
    ),
]
ModelIdQuery = Annotated[
    str | None,
    Query(pattern=r"^[a-z_]+$", max_length=64, description="Only versions of this model id."),
]


def _actor(user: Principal) -> str:
    return f"admin:{user.sub}"


@router.post(
    "/train/trigger",
    status_code=202,
    response_model=TriggerResponse,
    summary="Start a training run in the background (admin)",
    responses=responses(*AUTH_ERRORS, TrainingInProgressError),
)
def trigger(
    user: AdminUser,
    db: Annotated[Engine, Depends(provider(Engine))],
    settings: Annotated[Settings, Depends(provider(Settings))],
    body: TriggerRequest | None = None,
) -> TriggerResponse:
    """Answers at once with the run id; poll GET /api/v1/train/runs/{id} for the outcome.

    Without `force` the run trains only if the schedule is due and enough new feedback
    arrived; otherwise it ends as `skipped` with the reason in `message`. `force` lifts
    those two rules only: too few labelled samples in total still skip the run.
    """
    force = body.force if body else False
    run_id = trigger_training(db, force=force, triggered_by=_actor(user), settings=settings)
    return TriggerResponse(run_id=run_id)


@router.get(
    "/train/runs/{run_id}",
    response_model=TrainingRunResponse,
    summary="Status, metrics and message of a training run (admin)",
    responses=responses(*AUTH_ERRORS, RunNotFoundError),
)
def training_run(run_id: RunId, user: AdminUser, session: SessionDep) -> TrainingRunResponse:
    return TrainingRunResponse.of(get_run(session, run_id))


@router.get(
    "/models",
    response_model=ModelListResponse,
    summary="Registered model versions, newest first (admin)",
    responses=responses(*AUTH_ERRORS, InvalidModelIdError),
)
def models(
    user: AdminUser, session: SessionDep, model_id: ModelIdQuery = None
) -> ModelListResponse:
    rows = registry.list_versions(session, model_id)
    return ModelListResponse(
        versions=[ModelVersionResponse.of(r, activation_block(r)) for r in rows]
    )


@router.post(
    "/models/{version}/activate",
    response_model=ModelVersionResponse,
    summary="Make a version live: roll back or forward (admin)",
    responses=responses(
        *AUTH_ERRORS, VersionNotFoundError, ActivationRefusedError, ArtifactInvalidError
    ),
)
def activate(version: Version, user: AdminUser, session: SessionDep) -> ModelVersionResponse:
    """Every API worker picks the new active version up on its next registry poll."""
    row = activate_verified(session, version, actor=_actor(user))
    return ModelVersionResponse.of(row, activation_block(row))
