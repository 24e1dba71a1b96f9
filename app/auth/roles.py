"""Reading our application role (talent/company/admin) out of verified claims.

Supabase's top-level `role` claim is the Postgres role (authenticated/anon/service_role), not
ours; ours lives in `app_metadata`, which only the server can write. `user_metadata` is
writable by the user, so a claim path through it is refused outright.
"""

from __future__ import annotations

from typing import Any

from app.core.enums import Role

_USER_WRITABLE_ROOTS = frozenset({"user_metadata", "raw_user_meta_data"})


def validate_role_claim_path(path: str) -> tuple[str, ...]:
    parts = tuple(p for p in path.split(".") if p)
    if not parts:
        raise ValueError("jwt_role_claim must name a claim")
    if parts[0] in _USER_WRITABLE_ROOTS:
        raise ValueError(f"jwt_role_claim may not read user-writable claims ({parts[0]})")
    return parts


def role_from_claims(claims: dict[str, Any], path: tuple[str, ...]) -> Role | None:
    node: Any = claims
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    if not isinstance(node, str):
        return None
    try:
        return Role(node)
    except ValueError:
        return None
