"""GET /api/v1/me: who the token belongs to, and what it owns (what a dashboard opens with)."""

from __future__ import annotations

from fastapi import APIRouter

from app.auth.deps import AnyRoleUser, SessionDep
from app.auth.errors import AUTH_ERRORS
from app.core.errors import responses
from app.directory.schemas import MeResponse
from app.directory.service import whoami

router = APIRouter(prefix="/api/v1", tags=["me"])


@router.get(
    "/me",
    response_model=MeResponse,
    summary="The caller: role, own talent profile or own jobs",
    responses=responses(*AUTH_ERRORS),
)
def me(user: AnyRoleUser, session: SessionDep) -> MeResponse:
    """A talent gets its talent row (null if it has none yet), a company its jobs (open and
    closed, newest first, at most 500), an admin neither."""
    return MeResponse.of(whoami(session, user))
