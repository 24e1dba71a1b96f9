"""Function-level authorization over every route the app serves (BFLA).

Each operation in the OpenAPI document must be classified below; a new route that is not makes
this test fail, so nobody ships an endpoint without deciding who may call it.
"""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.api.conftest import bearer
from tests.jwt_tokens import claims_for, hs256

PUBLIC = {("GET", "/api/v1/health"), ("GET", "/api/v1/health/ready")}
ADMIN_ONLY = {
    ("POST", "/api/v1/train/trigger"),
    ("GET", "/api/v1/train/runs/{run_id}"),
    ("GET", "/api/v1/models"),
    ("POST", "/api/v1/models/{version}/activate"),
    ("GET", "/api/v1/drift/runs"),
    ("GET", "/api/v1/drift/runs/{run_id}/report"),
}
# Callable by users; ownership is checked per object (see test_match / test_feedback_endpoint).
USERS = {
    ("GET", "/api/v1/me"),
    ("POST", "/api/v1/match/talent-to-jobs"),
    ("POST", "/api/v1/match/job-to-talents"),
    ("POST", "/api/v1/match/score"),
    ("POST", "/api/v1/match/advice"),
    ("POST", "/api/v1/feedback"),
    ("GET", "/api/v1/feedback/decisions"),
    ("POST", "/api/v1/enrich/job"),
    ("POST", "/api/v1/enrich/talent"),
    ("GET", "/api/v1/evaluation/results"),
    # Applications and detail views: the per-object matrices are in tests/api/test_applications.py
    # and tests/api/test_details.py.
    ("GET", "/api/v1/jobs/{job_id}"),
    ("GET", "/api/v1/talents/{talent_id}"),
    ("GET", "/api/v1/jobs/{job_id}/applications"),
    ("GET", "/api/v1/jobs/{job_id}/applications/{talent_id}"),
    ("POST", "/api/v1/jobs/{job_id}/applications/{talent_id}/stage"),
    ("GET", "/api/v1/talents/{talent_id}/applications"),
    ("GET", "/api/v1/talents/{talent_id}/contacts"),
}
PATH_SAMPLES = {
    "run_id": str(uuid.uuid4()),
    "version": "v9.9",
    "job_id": str(uuid.uuid4()),
    "talent_id": str(uuid.uuid4()),
}


def operations(client: TestClient) -> set[tuple[str, str]]:
    spec = client.get("/openapi.json").json()
    return {(method.upper(), path) for path, ops in spec["paths"].items() for method in ops}


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    url = path.format(**PATH_SAMPLES)
    body = {} if method == "POST" else None
    return client.request(method, url, json=body, headers=headers).status_code


def test_every_route_is_classified(client: TestClient) -> None:
    assert operations(client) == PUBLIC | ADMIN_ONLY | USERS


def test_every_non_public_route_needs_a_token(client: TestClient) -> None:
    for method, path in sorted(operations(client) - PUBLIC):
        assert call(client, method, path, {}) == 401, (method, path)
        forged = {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0."}
        assert call(client, method, path, forged) == 401, (method, path)


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(lambda: bearer(uuid.uuid4(), "talent"), id="talent"),
        pytest.param(lambda: bearer(uuid.uuid4(), "company"), id="company"),
        pytest.param(lambda: bearer(uuid.uuid4(), None), id="no-role"),
        pytest.param(
            lambda: bearer(uuid.uuid4(), None, user_metadata={"role": "admin"}),
            id="admin-in-user-metadata",
        ),
        pytest.param(
            lambda: {"Authorization": f"Bearer {hs256(claims_for(app_role=None, role='admin'))}"},
            id="top-level-role-admin",
        ),
    ],
)
def test_admin_routes_refuse_everyone_else(client: TestClient, headers) -> None:
    for method, path in sorted(ADMIN_ONLY):
        assert call(client, method, path, headers()) == 403, (method, path)


def test_admin_routes_admit_admins(client: TestClient) -> None:
    """An admin gets past authorization: an invalid body is a 422, an unknown id a 404."""
    admin = bearer(uuid.uuid4(), "admin")
    for method, path in sorted(ADMIN_ONLY):
        url = path.format(**PATH_SAMPLES)
        body = {"not_a_field": True} if method == "POST" else None
        status = client.request(method, url, json=body, headers=admin).status_code
        assert status not in (401, 403), (method, path, status)
