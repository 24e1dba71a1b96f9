"""Property-based API tests from our own OpenAPI schema: no 5xx, responses match the schema.

Every operation gets a bounded number of valid and of invalid examples, so the whole run stays
well under a minute. Requests carry an admin token so they reach the handlers; authorization
itself is tested elsewhere. (The operations are iterated here rather than with
`schemathesis.pytest.from_fixture`, whose lazy loader breaks on pytest 9.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import positive_data_acceptance
from schemathesis.config._checks import NegativeDataRejectionConfig
from schemathesis.generation.modes import GenerationMode
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.ml.embeddings import get_embedder
from tests.api.conftest import World, bearer
from tests.training.conftest import register_artifact

EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}


@pytest.fixture
def api_schema(
    make_client: Callable[..., TestClient], world: World, pg_engine: Engine, tmp_path: Path
) -> schemathesis.BaseSchema:
    """The app serving a (tiny) registered model, so readiness is 200 and the ML path runs."""
    with Session(pg_engine) as session:
        register_artifact(session, tmp_path, "v1.0", activate=True)
        session.commit()
    client = make_client(rate_limit="1000000/minute", model_poll_seconds=60)
    get_embedder().model  # noqa: B018 - load the text model once, outside any request timeout
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    # Every request carries a valid admin token (added below), so invalid auth headers cannot be
    # generated; auth failures are covered by the attack suite.
    schema.config.generation.update(with_security_parameters=False)
    # A negative body may also be refused for its size: 413 is a correct rejection.
    rejection = schema.config.checks.negative_data_rejection
    schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
        expected_statuses=[*rejection.expected_statuses, "413"]
    )
    return schema


def rejected_but_valid(response: schemathesis.Response) -> None:
    """Schema-valid data may still be refused for rules JSON Schema cannot state (min <= max,
    a known timezone): then it must be a 422 envelope naming the field, never anything else."""
    if response.status_code == 422:
        error = response.json()["error"]
        assert error["code"] in ("validation_error", "unprocessable_input")
        assert error.get("field"), error


def test_every_operation_conforms_to_the_schema(api_schema: schemathesis.BaseSchema) -> None:
    headers = bearer(uuid.uuid4(), "admin")
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 6
    for operation in operations:
        for mode, examples in EXAMPLES.items():

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=examples,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,  # the same examples every run: CI stays reproducible
                database=None,
            )
            def check(case: schemathesis.Case) -> None:
                response = case.call_and_validate(
                    headers=headers, timeout=30, excluded_checks=[positive_data_acceptance]
                )
                rejected_but_valid(response)

            try:
                check()
            except Unsatisfiable:
                # Nothing invalid can be sent to an operation without parameters or body.
                assert mode is GenerationMode.NEGATIVE, operation.label
