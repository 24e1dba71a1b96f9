"""Object-level authorization: which talents and jobs a caller may act on.

A talent acts only on its own talent row (`talents.owner_user_id == sub`), a company only on
jobs of companies it owns (`companies.owner_user_id == sub`), an admin on anything. A caller
that may not see a row gets 403 whether or not it exists, so ids cannot be probed; only an
admin learns that an id does not exist (404).
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.auth.errors import PermissionDeniedError
from app.auth.principal import Principal
from app.auth.repository import job_owner, talent_owner
from app.core.errors import NotFoundError


def _check(principal: Principal, found: bool, owner: uuid.UUID | None, what: str) -> None:
    if principal.is_admin:
        if not found:
            raise NotFoundError(f"{what} not found")
        return
    if not found or owner is None or owner != principal.sub:
        raise PermissionDeniedError(f"not allowed to act on this {what}")


def ensure_talent_access(session: Session, principal: Principal, talent_id: uuid.UUID) -> None:
    """Talents: only themselves. Admins: anyone. Anyone else: refused."""
    if principal.role not in ("talent", "admin"):
        raise PermissionDeniedError("requires role talent or admin")
    found, owner = talent_owner(session, talent_id)
    _check(principal, found, owner, "talent")


def ensure_job_access(session: Session, principal: Principal, job_id: uuid.UUID) -> None:
    """Companies: only their own jobs. Admins: any job. Anyone else: refused."""
    if principal.role not in ("company", "admin"):
        raise PermissionDeniedError("requires role company or admin")
    found, owner = job_owner(session, job_id)
    _check(principal, found, owner, "job")
