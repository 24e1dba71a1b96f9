"""Operation ids of the OpenAPI document: the handler's name in camelCase (`talentToJobs`).

The generated TypeScript clients of the dashboard and the gateway name their calls after these
ids, so they must be short, stable and unique; FastAPI's default (`talent_to_jobs_api_v1_match_
talent_to_jobs_post`) repeats the path and changes whenever a route moves.
"""

from __future__ import annotations

from fastapi.routing import APIRoute


def operation_id(route: APIRoute) -> str:
    """`enrich_job_endpoint` -> `enrichJob`: the `_endpoint` suffix only avoids a clash with the
    service function the handler calls, so it is not part of the operation's name."""
    head, *rest = route.name.removesuffix("_endpoint").split("_")
    return head + "".join(part.capitalize() for part in rest)
