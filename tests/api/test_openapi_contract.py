"""The committed API contract (`docs/openapi.json`) is the app's, with clean operation ids.

The dashboard's and the gateway's TypeScript types are generated from that file
(`npm run api:check` in `make test` checks them against it), so a stale file here would let
both drift from the service unnoticed.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
OPERATION_ID = re.compile(r"^[a-z][a-zA-Z]*$")
METHODS = {"get", "post", "put", "patch", "delete"}


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "export_openapi", ROOT / "scripts/export_openapi.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return _script()


@pytest.fixture(scope="module")
def document(script: ModuleType) -> dict[str, Any]:
    spec: dict[str, Any] = script.document()
    return spec


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]


def test_committed_document_is_current(script: ModuleType, document: dict[str, Any]) -> None:
    committed = (ROOT / script.SPEC).read_text(encoding="utf-8")
    assert committed == script.render(document), (
        f"{script.SPEC} is stale: run .venv/bin/python scripts/export_openapi.py"
    )


def test_operation_ids_are_short_unique_camel_case(document: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(document)]
    assert len(ids) >= 16
    assert [i for i in ids if not OPERATION_ID.match(i)] == []
    assert [i for i, n in Counter(ids).items() if n > 1] == []


def test_operation_id_is_the_handler_name() -> None:
    from fastapi.routing import APIRoute

    from app.api.openapi import operation_id

    def enrich_job_endpoint() -> None: ...

    def talent_to_jobs() -> None: ...

    assert operation_id(APIRoute("/x", enrich_job_endpoint)) == "enrichJob"
    assert operation_id(APIRoute("/y", talent_to_jobs)) == "talentToJobs"
