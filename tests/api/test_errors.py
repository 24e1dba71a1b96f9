"""Input limits and the error envelope: every bad request is a 4xx naming the field, never a 500."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import get_args

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel

from app.api.main import ROUTERS
from app.core.state import provider
from app.enrichment.config import load_model_registry
from app.enrichment.service import Enricher, build_enricher
from app.enrichment.workers import TextWorkers
from tests.api.conftest import World, bearer

T2J = "/api/v1/match/talent-to-jobs"
SCORE = "/api/v1/match/score"


def admin() -> dict[str, str]:
    return bearer(uuid.uuid4(), "admin")


def talent_payload(**overrides: object) -> dict[str, object]:
    return {"skills": [], "years_experience": 3, "seniority": "mid", **overrides}


def job_payload(**overrides: object) -> dict[str, object]:
    return {"skills": [], "seniority": "mid", **overrides}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "talent_id"),
        ({"talent_id": "123"}, "talent_id"),
        ({"talent_id": str(uuid.uuid4()), "limit": 0}, "limit"),
        ({"talent_id": str(uuid.uuid4()), "limit": 101}, "limit"),
        ({"talent_id": str(uuid.uuid4()), "limit": "ten"}, "limit"),
        ({"talent_id": str(uuid.uuid4()), "min_score": -1}, "min_score"),
        ({"talent_id": str(uuid.uuid4()), "min_score": 100.5}, "min_score"),
        ({"talent_id": str(uuid.uuid4()), "page": 2}, "page"),
    ],
)
def test_match_request_validation_names_the_field(
    client: TestClient, body: dict[str, object], field: str
) -> None:
    response = client.post(T2J, json=body, headers=admin())
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert error["field"] == field
    assert field in error["message"]
    assert error["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize(
    ("talent", "job", "field"),
    [
        (talent_payload(text="x" * 10_001), job_payload(), "talent.text"),
        (talent_payload(skills=[{"name": "S"}] * 101), job_payload(), "talent.skills"),
        (talent_payload(skills=[{"name": ""}]), job_payload(), "talent.skills.0.name"),
        (
            talent_payload(skills=[{"name": "Go", "proficiency": 9}]),
            job_payload(),
            "talent.skills.0.proficiency",
        ),
        (talent_payload(embedding=[0.1] * 10), job_payload(), "talent.embedding"),
        (talent_payload(seniority="wizard"), job_payload(), "talent.seniority"),
        (talent_payload(latitude=91), job_payload(), "talent.latitude"),
        (talent_payload(salary_min=9, salary_max=1), job_payload(), "talent"),
        (talent_payload(), job_payload(min_years=5, max_years=1), "job"),
        (talent_payload(), job_payload(currency="euro"), "job.currency"),
        (talent_payload(), job_payload(unknown=True), "job.unknown"),
        (talent_payload(years_experience=-1), job_payload(), "talent.years_experience"),
    ],
)
def test_score_payload_limits(
    client: TestClient, talent: dict[str, object], job: dict[str, object], field: str
) -> None:
    response = client.post(SCORE, json={"talent": talent, "job": job}, headers=admin())
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field


def test_nan_and_infinity_are_rejected(client: TestClient) -> None:
    raw = json.dumps(
        {"talent": talent_payload(years_experience=float("nan")), "job": job_payload()}
    )
    response = client.post(
        SCORE, content=raw, headers={**admin(), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "talent.years_experience"


def test_control_characters_are_stripped_from_text(client: TestClient) -> None:
    talent = talent_payload(skills=[{"name": "\x00Python\x07 "}], embedding=[0.1] * 384)
    job = job_payload(skills=[{"name": "Python"}], embedding=[0.1] * 384)
    response = client.post(SCORE, json={"talent": talent, "job": job}, headers=admin())
    assert response.status_code == 200
    assert response.json()["matches"][0]["explanation"]["sub_scores"]["skills"] > 0


def test_malformed_json_is_422(client: TestClient) -> None:
    response = client.post(
        T2J, content=b"{not json", headers={**admin(), "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"


def test_body_over_the_cap_is_413_by_content_length(client: TestClient) -> None:
    big = json.dumps({"talent_id": str(uuid.uuid4()), "pad": "x" * 70_000})
    response = client.post(
        T2J, content=big, headers={**admin(), "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


def test_streamed_body_over_the_cap_is_413(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"talent_id": "' + str(uuid.uuid4()).encode() + b'", "pad": "'
        for _ in range(40):
            yield b"x" * 4096
        yield b'"}'

    response = client.post(
        T2J, content=chunks(), headers={**admin(), "Content-Type": "application/json"}
    )
    assert response.status_code == 413


def test_unknown_route_and_wrong_method_use_the_envelope(client: TestClient) -> None:
    missing = client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    wrong = client.get(T2J, headers=admin())
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "method_not_allowed"


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    echoed = client.get("/api/v1/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    hostile = client.get("/api/v1/health", headers={"X-Request-ID": 'a b"<script>' * 10})
    generated = hostile.headers["x-request-id"]
    assert generated != 'a b"<script>' * 10
    assert len(generated) == 32


def test_unexpected_errors_are_500_envelopes_without_internals(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    def explode() -> None:
        raise RuntimeError("secret internal detail")

    client.app.add_api_route("/boom", explode, methods=["GET"])  # type: ignore[attr-defined]
    response = client.get("/boom", headers={"X-Request-ID": "boom-1"})
    assert response.status_code == 500
    error = response.json()["error"]
    assert error == {
        "code": "internal_error",
        "message": "internal server error",
        "request_id": "boom-1",
    }
    assert "secret internal detail" not in response.text
    logged = caplog.text
    assert "secret internal detail" in logged
    assert "Traceback" in logged


def test_admin_learns_unknown_ids_are_404_with_field(client: TestClient, world: World) -> None:
    response = client.post(
        T2J, json={"talent_id": str(uuid.uuid4())}, headers=world.headers("admin")
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_unknown_query_parameters_are_422_naming_them(client: TestClient) -> None:
    response = client.post(f"{T2J}?limt=5", json={"talent_id": str(uuid.uuid4())}, headers=admin())
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "limt"
    assert client.get("/api/v1/health?verbose=1").status_code == 422


DOWN_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:1/down"  # nothing listens on port 1


def test_a_database_outage_is_503_with_retry_after_not_500(
    make_client: Callable[..., TestClient],
) -> None:
    client = make_client(database_url=DOWN_DATABASE)
    response = client.get("/api/v1/me", headers=bearer(uuid.uuid4(), "talent"))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "service_unavailable"
    assert int(response.headers["Retry-After"]) > 0
    assert "psycopg" not in response.text
    assert "SELECT" not in response.text


def test_a_model_outage_is_503_with_retry_after(client: TestClient, tmp_path: Path) -> None:
    def enricher_without_its_model_file() -> Enricher:
        return build_enricher(registry=load_model_registry(tmp_path / "missing.yaml"))

    workers = TextWorkers(
        processes=0, queue_size=0, nice=0, local_enricher=enricher_without_its_model_file
    )
    client.app.dependency_overrides[provider(TextWorkers)] = lambda: workers  # type: ignore[attr-defined]
    response = client.post(
        "/api/v1/enrich/talent", json={"text": "Python developer"}, headers=admin()
    )
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "model_unavailable"
    assert int(response.headers["Retry-After"]) > 0


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
def test_a_time_claim_that_is_a_list_is_401_naming_it_and_still_rate_limited(
    make_client: Callable[..., TestClient], claim: str
) -> None:
    client = make_client(rate_limit="2/minute")
    now = int(time.time())
    headers = bearer(uuid.uuid4(), "talent", **{claim: [now + 600]})
    statuses = []
    for _ in range(3):
        response = client.get("/api/v1/me", headers=headers)
        statuses.append(response.status_code)
        if response.status_code == 401:
            assert response.json()["error"]["field"] == claim
    assert statuses == [401, 401, 429]


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_train_trigger_force_accepts_only_json_booleans(client: TestClient, value: object) -> None:
    response = client.post("/api/v1/train/trigger", json={"force": value}, headers=admin())
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "force"


@pytest.mark.parametrize("value", ["yes", 1, "true"])
def test_enrich_job_store_accepts_only_json_booleans(client: TestClient, value: object) -> None:
    body = {"job_id": str(uuid.uuid4()), "store": value}
    response = client.post("/api/v1/enrich/job", json=body, headers=admin())
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "store"


def _models_in(annotation: object) -> Iterator[type[BaseModel]]:
    """The pydantic models an annotation names, through `X | None`, `list[X]` and the like."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for arg in get_args(annotation):
        yield from _models_in(arg)


def _bool_fields(model: type[BaseModel], seen: set[type[BaseModel]]) -> Iterator[str]:
    """`Model.field` of every boolean in a request model and the models nested in it."""
    if model in seen:
        return
    seen.add(model)
    for name, info in model.model_fields.items():
        if info.annotation is bool or bool in get_args(info.annotation):
            strict = model.model_config.get("strict") or any(
                getattr(meta, "strict", False) for meta in info.metadata
            )
            yield f"{model.__name__}.{name}" + ("" if strict else " (lax)")
        for nested in _models_in(info.annotation):
            yield from _bool_fields(nested, seen)


def test_every_boolean_of_every_request_body_is_strict() -> None:
    seen: set[type[BaseModel]] = set()
    fields: list[str] = []
    for route in (route for router in ROUTERS for route in router.routes):
        if isinstance(route, APIRoute):
            for param in route.dependant.body_params:
                for body in _models_in(param.field_info.annotation):
                    fields += _bool_fields(body, seen)
    assert {"TriggerRequest.force", "EnrichJobRequest.store"} <= set(fields)
    assert [f for f in fields if f.endswith("(lax)")] == []
