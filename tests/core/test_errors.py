"""Every error raised on purpose is an AppError, and the one handler turns it into its envelope.

The expected statuses and codes are written out here, not read from the classes: they are what
clients rely on, so changing one must be a visible edit of this table.
"""

from __future__ import annotations

import importlib
import pkgutil
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

import app
from app.api.errors import install_error_handlers
from app.applications.errors import ApplicationNotFoundError, StageNotAllowedError
from app.auth.errors import (
    AuthenticationError,
    AuthError,
    AuthUnavailableError,
    DevTokenDisabledError,
    PermissionDeniedError,
)
from app.core.errors import (
    COMMON_STATUSES,
    STATUS_CODES,
    AppError,
    NotFoundError,
    ServiceUnavailableError,
    responses,
)
from app.core.schemas import ErrorEnvelope
from app.details.errors import JobNotVisibleError
from app.drift.errors import DriftInProgressError, DriftRunNotFoundError
from app.enrichment.errors import (
    EnrichmentNotFoundError,
    ModelConfigError,
    OccupationModelError,
    SectionModelError,
    TextWorkerCrashedError,
    TextWorkersBusyError,
)
from app.feedback.errors import DecisionQueryError, JobClosedError, NothingToUndoError
from app.llm.errors import LLMError, LLMOutputError, LLMRetryableError, PromptNotFoundError
from app.matching.errors import InvalidCursorError, InvalidFilterError, StaleCursorError
from app.ml.errors import (
    ActivationRefusedError,
    FeatureExtractionError,
    InvalidModelIdError,
    InvalidProfileError,
    InvalidVersionError,
    ModelLoadError,
    NothingToRollBackError,
    RegistryError,
    VersionExistsError,
    VersionNotFoundError,
)
from app.seeding.errors import SeedConflictError
from app.training.errors import ArtifactInvalidError, RunNotFoundError, TrainingInProgressError

RUNNING = uuid.UUID("01890000-0000-7000-8000-000000000001")

# (error as raised, status, code, field) - the API's contract for each.
CASES: list[tuple[AppError, int, str, str | None]] = [
    (NotFoundError("talent not found"), 404, "not_found", None),
    (AuthenticationError("token expired"), 401, "unauthorized", None),
    (PermissionDeniedError("requires role admin"), 403, "forbidden", None),
    (DevTokenDisabledError("the dev token helper is disabled"), 403, "forbidden", None),
    (AuthUnavailableError("signing keys are unavailable"), 503, "auth_unavailable", None),
    (EnrichmentNotFoundError("job not found"), 404, "not_found", None),
    (ModelConfigError("models.yaml: not found"), 503, "model_unavailable", None),
    (SectionModelError("model.json: sha256 differs"), 503, "model_unavailable", None),
    (OccupationModelError("centroids missing"), 503, "model_unavailable", None),
    (ModelLoadError("model artifact incomplete"), 503, "model_unavailable", None),
    (ServiceUnavailableError("database unavailable"), 503, "service_unavailable", None),
    (TextWorkersBusyError("all text slots are taken"), 503, "service_unavailable", None),
    (TextWorkerCrashedError("the text worker stopped"), 503, "service_unavailable", None),
    (
        FeatureExtractionError("embedding must have 384 values", field="embedding"),
        422,
        "unprocessable_input",
        "embedding",
    ),
    (
        InvalidProfileError("seniority 'wizard'", "seniority"),
        422,
        "unprocessable_input",
        "seniority",
    ),
    (InvalidModelIdError("model_id 'X' is invalid"), 422, "validation_error", "model_id"),
    (InvalidVersionError("version 'x' is invalid"), 422, "validation_error", "version"),
    (VersionExistsError("version 'v1.0' is already registered"), 409, "conflict", "version"),
    (VersionNotFoundError("version 'v9.9' is not registered"), 404, "not_found", "version"),
    (ActivationRefusedError("version 'v1.0' was rejected"), 409, "activation_refused", "version"),
    (NothingToRollBackError("nothing before v1.0"), 409, "nothing_to_roll_back", "model_id"),
    (ArtifactInvalidError("v1.0 cannot be activated"), 409, "artifact_invalid", "version"),
    (RunNotFoundError("training run not found"), 404, "not_found", None),
    (TrainingInProgressError(RUNNING), 409, "training_in_progress", None),
    (SeedConflictError("seed 42 is already in the database"), 409, "conflict", None),
    (JobClosedError("job is closed"), 409, "job_closed", "job_id"),
    (NothingToUndoError("no decision to undo"), 409, "nothing_to_undo", "type"),
    (DecisionQueryError("give one of talent_id or job_id"), 422, "validation_error", "talent_id"),
    (ApplicationNotFoundError("no application"), 404, "application_not_found", "talent_id"),
    (StageNotAllowedError("new -> hired is not a move"), 409, "stage_not_allowed", "stage"),
    (JobNotVisibleError("job not found"), 404, "not_found", "job_id"),
    (
        InvalidFilterError("no skill is named 'x'", field="filters.skills.1"),
        422,
        "invalid_filter",
        "filters.skills.1",
    ),
    (InvalidCursorError("cursor is not valid here"), 422, "invalid_cursor", "cursor"),
    (StaleCursorError("another model is serving"), 409, "stale_cursor", "cursor"),
    (DriftRunNotFoundError("no report", field="run_id"), 404, "drift_run_not_found", "run_id"),
    (DriftInProgressError("another drift run is in progress"), 409, "drift_in_progress", None),
    (LLMError("LLM refused the request: HTTP 400"), 503, "llm_unavailable", None),
    (LLMRetryableError("LLM timed out after 5 s"), 503, "llm_unavailable", None),
    (LLMOutputError("LLM answer is not JSON"), 503, "llm_output_invalid", None),
    (PromptNotFoundError("no prompt 'x'", field="prompt"), 404, "prompt_not_found", "prompt"),
]
# Bases that group errors for `except` clauses; nothing raises them directly.
BASES = {AuthError, RegistryError}
# Codes a client may see besides the generic one of each status (STATUS_CODES).
DOMAIN_CODES = {
    "activation_refused",
    "application_not_found",
    "artifact_invalid",
    "auth_unavailable",
    "drift_in_progress",
    "drift_run_not_found",
    "invalid_cursor",
    "invalid_filter",
    "job_closed",
    "llm_output_invalid",
    "llm_unavailable",
    "model_unavailable",
    "nothing_to_roll_back",
    "nothing_to_undo",
    "prompt_not_found",
    "stage_not_allowed",
    "stale_cursor",
    "training_in_progress",
    "unprocessable_input",
}


def _subclasses(cls: type[AppError]) -> Iterator[type[AppError]]:
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


@pytest.fixture(scope="module")
def app_errors() -> set[type[AppError]]:
    """Every AppError subclass defined anywhere in the app package."""
    for module in pkgutil.walk_packages(app.__path__, "app."):
        importlib.import_module(module.name)
    return {c for c in _subclasses(AppError) if c.__module__.startswith("app.")}


@pytest.fixture(scope="module")
def client() -> TestClient:
    """A tiny app with only the error handlers and a route raising the error asked for."""
    tiny = FastAPI()
    install_error_handlers(tiny)

    @tiny.get("/raise/{index}")
    def raise_case(index: int) -> None:
        raise CASES[index][0]

    return TestClient(tiny)


@pytest.mark.parametrize(
    ("index", "status", "code", "field"),
    [(i, status, code, field) for i, (_, status, code, field) in enumerate(CASES)],
    ids=[type(case[0]).__name__ for case in CASES],
)
def test_handler_turns_each_error_into_its_envelope(
    client: TestClient, index: int, status: int, code: str, field: str | None
) -> None:
    response = client.get(f"/raise/{index}")
    assert response.status_code == status
    error = ErrorEnvelope.model_validate(response.json()).error
    assert (error.code, error.field) == (code, field)
    assert error.message == CASES[index][0].message
    assert ("www-authenticate" in response.headers) == (status == 401)
    assert ("retry-after" in response.headers) == (status == 503)  # an outage: back off, retry


def test_401_says_bearer_and_whether_a_token_was_sent(client: TestClient) -> None:
    index = next(i for i, case in enumerate(CASES) if isinstance(case[0], AuthenticationError))
    anonymous = client.get(f"/raise/{index}")
    assert anonymous.headers["www-authenticate"] == 'Bearer realm="talent-match"'
    assert anonymous.json()["error"]["message"] == "invalid or missing bearer token"
    sent = client.get(f"/raise/{index}", headers={"Authorization": "Bearer nope"})
    assert sent.headers["www-authenticate"].endswith('error="invalid_token"')


def test_training_in_progress_names_the_running_run(client: TestClient) -> None:
    index = next(i for i, case in enumerate(CASES) if isinstance(case[0], TrainingInProgressError))
    body = client.get(f"/raise/{index}").json()
    assert body["running_run_id"] == str(RUNNING)
    assert body["error"]["code"] == "training_in_progress"


def test_every_raised_error_of_the_app_is_in_the_table(app_errors: set[type[AppError]]) -> None:
    assert app_errors - BASES == {type(case[0]) for case in CASES}


def test_statuses_and_codes_are_valid_and_consistent(app_errors: set[type[AppError]]) -> None:
    status_of_code: dict[str, int] = {}
    for error in app_errors - BASES:
        assert error.status_code in STATUS_CODES, error
        assert error.status_code >= 400, error
        assert error.code in DOMAIN_CODES | set(STATUS_CODES.values()), error
        if error.code in STATUS_CODES.values():
            assert STATUS_CODES[error.status_code] == error.code, error
        # One code, one status: a client can branch on the code alone.
        assert status_of_code.setdefault(error.code, error.status_code) == error.status_code, error


def test_responses_documents_each_status_once_with_its_codes() -> None:
    declared = responses(NotFoundError, RunNotFoundError, TrainingInProgressError)
    assert set(declared) == {*COMMON_STATUSES, 404, 409}
    assert all(entry["model"] is ErrorEnvelope for entry in declared.values())
    not_found = declared[404]["description"]
    assert "No training run has that id" in not_found
    assert not_found.count("`not_found`") == 2
    assert "`training_in_progress`" in declared[409]["description"]
    assert "`unauthorized`" in declared[401]["description"]
    assert set(responses(common=(422, 500))) == {422, 500}


def test_declared_errors_appear_in_the_openapi_schema() -> None:
    tiny = FastAPI()

    @tiny.get("/runs/{run_id}", responses=responses(RunNotFoundError))
    def run(run_id: uuid.UUID) -> None:
        raise RunNotFoundError(f"training run {run_id} not found")

    spec = TestClient(tiny).get("/openapi.json").json()
    documented = spec["paths"]["/runs/{run_id}"]["get"]["responses"]
    assert {"401", "403", "404", "413", "422", "429", "500"} <= set(documented)
    schema = documented["404"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ErrorEnvelope")
