"""Development-only tokens for the demo, and the HS256 secret the server verifies them with.

With `JWT_SECRET` set, that secret is used. In `development` without it, a random secret is
created once in `dev_jwt_secret_file` (mode 0600) and shared by `app token` and the server, so
the demo needs no configuration and no well-known secret ever exists. Production never mints.
"""

from __future__ import annotations

import secrets
import time
import uuid
from pathlib import Path
from typing import Any

from jose import jwt

from app.auth.errors import DevTokenDisabledError
from app.auth.roles import validate_role_claim_path
from app.core.enums import Role
from app.settings import Settings


def _dev_secret(path: Path) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    secret = secrets.token_urlsafe(48)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(secret, encoding="utf-8")
    return secret


def hs256_secret(settings: Settings) -> str | None:
    """The legacy HS256 secret the server accepts, or None when HS256 is off."""
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    if settings.environment == "development":
        return _dev_secret(settings.dev_jwt_secret_file)
    return None


def _set_path(claims: dict[str, Any], path: tuple[str, ...], value: str) -> None:
    node = claims
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


def mint_dev_token(settings: Settings, sub: uuid.UUID, role: Role) -> str:
    if settings.is_production:
        raise DevTokenDisabledError("the dev token helper is disabled in production")
    secret = hs256_secret(settings)
    if secret is None:
        raise DevTokenDisabledError("no HS256 secret: set JWT_SECRET")
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(sub),
        "aud": settings.jwt_audience,
        "iat": now,
        "exp": now + settings.dev_token_ttl_seconds,
        "role": "authenticated",
    }
    _set_path(claims, validate_role_claim_path(settings.jwt_role_claim), role)
    if settings.jwt_issuer:
        claims["iss"] = settings.jwt_issuer
    return str(jwt.encode(claims, secret, algorithm="HS256"))
