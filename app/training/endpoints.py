"""Admin endpoints of the learning loop: trigger training, read runs, list and activate models."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.api.errors import error_response, register_error
from app.auth.deps import AdminUser, SessionDep
from app.auth.principal import Principal
from app.core.errors import ERROR_RESPONSES
from app.core.schemas import ErrorEnvelope
from app.ml import registry
from app.training.pipeline import TrainingInProgressError
from app.training.schemas import (
    ModelListResponse,
    ModelVersionResponse,
    TrainingRunResponse,
    TriggerRequest,
    TriggerResponse,
)
from app.training.service import (
    ArtifactInvalidError,
    RunNotFoundError,
    activate_verified,
    get_run,
    trigger_training,
)

router = APIRouter(prefix="/api/v1", tags=["training"])

register_error(RunNotFoundError, 404, "not_found")
register_error(registry.VersionNotFoundError, 404, "not_found")
register_error(ArtifactInvalidError, 409, "artifact_invalid")
register_error(registry.ActivationRefusedError, 409, "activation_refused")
register_error(registry.NothingToRollBackError, 409, "nothing_to_roll_back")
register_error(registry.InvalidVersionError, 422, "validation_error")
register_error(registry.InvalidModelIdError, 422, "validation_error")

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
    responses={
        **ERROR_RESPONSES,
        409: {
            "model": ErrorEnvelope,
            "description": "a run is already in progress; `running_run_id` names it",
        },
    },
)
def trigger(
    request: Request, user: AdminUser, body: TriggerRequest | None = None
) -> TriggerResponse | JSONResponse:
    """Answers at once with the run id; poll GET /api/v1/train/runs/{id} for the outcome.

    Without `force` the run trains only if the schedule is due and enough new feedback
    arrived; otherwise it ends as `skipped` with the reason in `message`.
    """
    force = body.force if body else False
    try:
        run_id = trigger_training(
            request.app.state.engine,
            force=force,
            triggered_by=_actor(user),
            settings=request.app.state.settings,
        )
    except TrainingInProgressError as exc:
        response = error_response(request, 409, "training_in_progress", str(exc))
        payload = json.loads(bytes(response.body))
        payload["running_run_id"] = None if exc.run_id is None else str(exc.run_id)
        return JSONResponse(payload, status_code=409)
    return TriggerResponse(run_id=run_id)


@router.get(
    "/train/runs/{run_id}",
    response_model=TrainingRunResponse,
    summary="Status, metrics and message of a training run (admin)",
    responses={**ERROR_RESPONSES, 404: {"model": ErrorEnvelope, "description": "unknown run"}},
)
def training_run(run_id: RunId, user: AdminUser, session: SessionDep) -> TrainingRunResponse:
    return TrainingRunResponse.of(get_run(session, run_id))


@router.get(
    "/models",
    response_model=ModelListResponse,
    summary="Registered model versions, newest first (admin)",
    responses=ERROR_RESPONSES,
)
def models(
    user: AdminUser, session: SessionDep, model_id: ModelIdQuery = None
) -> ModelListResponse:
    rows = registry.list_versions(session, model_id)
    return ModelListResponse(versions=[ModelVersionResponse.of(r) for r in rows])


@router.post(
    "/models/{version}/activate",
    response_model=ModelVersionResponse,
    summary="Make a version live: roll back or forward (admin)",
    responses={
        **ERROR_RESPONSES,
        404: {"model": ErrorEnvelope, "description": "unknown version"},
        409: {
            "model": ErrorEnvelope,
            "description": "rejected version, or its artifact fails verification",
        },
    },
)
def activate(version: Version, user: AdminUser, session: SessionDep) -> ModelVersionResponse:
    """Every API worker picks the new active version up on its next registry poll."""
    return ModelVersionResponse.of(activate_verified(session, version, actor=_actor(user)))
