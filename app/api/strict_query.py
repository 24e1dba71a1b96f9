"""Unknown query parameters are refused (422 naming the parameter), as unknown body fields are.

A typo such as `?limt=5` silently ignored would look like a working request; the allowed names
per operation come from the app's own OpenAPI document, built once.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError


def _allowed(request: Request) -> dict[tuple[str, str], frozenset[str]]:
    cached: dict[tuple[str, str], frozenset[str]] | None = getattr(
        request.app.state, "query_params_by_operation", None
    )
    if cached is None:
        cached = {}
        for path, operations in request.app.openapi().get("paths", {}).items():
            for method, operation in operations.items():
                names = {
                    p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"
                }
                cached[(method.upper(), path)] = frozenset(names)
        request.app.state.query_params_by_operation = cached
    return cached


def reject_unknown_query_params(request: Request) -> None:
    if not request.query_params:
        return
    route_path = getattr(request.scope.get("route"), "path", None)
    allowed = _allowed(request).get((request.method, str(route_path)), frozenset())
    for name in request.query_params:
        if name not in allowed:
            raise RequestValidationError(
                [
                    {
                        "type": "extra_forbidden",
                        "loc": ("query", name),
                        "msg": "Extra inputs are not permitted",
                        "input": request.query_params[name],
                    }
                ]
            )
