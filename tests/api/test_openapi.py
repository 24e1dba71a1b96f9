"""The OpenAPI document is complete for the API's own operations: examples and error schemas."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

OWN = {
    ("post", "/api/v1/match/talent-to-jobs"),
    ("post", "/api/v1/match/job-to-talents"),
    ("post", "/api/v1/match/score"),
    ("post", "/api/v1/feedback"),
    ("get", "/api/v1/jobs/{job_id}"),
    ("get", "/api/v1/talents/{talent_id}"),
    ("get", "/api/v1/jobs/{job_id}/applications"),
    ("get", "/api/v1/jobs/{job_id}/applications/{talent_id}"),
    ("post", "/api/v1/jobs/{job_id}/applications/{talent_id}/stage"),
    ("get", "/api/v1/talents/{talent_id}/applications"),
    ("get", "/api/v1/talents/{talent_id}/contacts"),
    ("get", "/api/v1/health"),
    ("get", "/api/v1/health/ready"),
}


def resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node: Any = spec
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_own_operations_have_examples_and_error_envelopes(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for method, path in OWN:
        operation = spec["paths"][path][method]
        responses = operation["responses"]
        ok = resolve(spec, responses["200"]["content"]["application/json"]["schema"])
        assert ok.get("examples"), (method, path, "response example")
        if "requestBody" in operation:
            body = operation["requestBody"]["content"]["application/json"]["schema"]
            assert resolve(spec, body).get("examples"), (method, path, "request example")
        for status in ("422", "500"):
            schema = responses[status]["content"]["application/json"]["schema"]
            assert schema["$ref"].endswith("/ErrorEnvelope"), (method, path, status)
        if "security" in operation:
            for status in ("401", "403", "413", "429"):
                assert status in responses, (method, path, status)


def test_bearer_security_scheme_is_declared(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert any(s["type"] == "http" and s["scheme"] == "bearer" for s in schemes.values())
