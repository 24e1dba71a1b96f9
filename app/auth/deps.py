"""FastAPI dependencies for who is calling, what they may do, and the per-request DB session.

Handlers declare authorization in their signature with these aliases::

    def handler(user: CurrentUser, session: SessionDep): ...
    def admin_only(user: AdminUser): ...
    def company_or_admin(user: Annotated[Principal, Depends(require_roles("company", "admin"))]):

The token is verified at most once per request: the rate limiter (which runs first, to key
authenticated callers by `sub`) and these dependencies share the result through
`request.state`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session, sessionmaker

from app.auth.errors import AuthenticationError, AuthError, PermissionDeniedError
from app.auth.principal import Principal, Role
from app.auth.tokens import TokenVerifier

bearer_scheme = HTTPBearer(
    auto_error=False,
    description="Supabase access token (HS256 legacy secret or ES256/RS256 via JWKS).",
)


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def resolve_principal(request: Request) -> Principal:
    """Verify the request's bearer token once; later calls return (or re-raise) the same result."""
    cached = getattr(request.state, "auth_result", None)
    if isinstance(cached, Principal):
        return cached
    if isinstance(cached, AuthError):
        raise cached
    token = bearer_token(request)
    try:
        if token is None:
            raise AuthenticationError("no bearer token")
        verifier: TokenVerifier = request.app.state.verifier
        principal = verifier.verify(token)
    except AuthError as exc:
        request.state.auth_result = exc
        raise
    request.state.auth_result = principal
    return principal


def get_principal(
    request: Request,
    _credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer_scheme)],
) -> Principal:
    principal = resolve_principal(request)
    request.state.user = str(principal.sub)
    return principal


CurrentUser = Annotated[Principal, Depends(get_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Principal]:
    """A dependency that lets through only callers whose token carries one of `roles`."""
    allowed = frozenset(roles)

    def check(principal: CurrentUser) -> Principal:
        if principal.role not in allowed:
            raise PermissionDeniedError(f"requires role {' or '.join(sorted(allowed))}")
        return principal

    return check


AdminUser = Annotated[Principal, Depends(require_roles("admin"))]
TalentOrAdmin = Annotated[Principal, Depends(require_roles("talent", "admin"))]
CompanyOrAdmin = Annotated[Principal, Depends(require_roles("company", "admin"))]
AnyRoleUser = Annotated[Principal, Depends(require_roles("talent", "company", "admin"))]


def get_session(request: Request) -> Iterator[Session]:
    """One session per request; services commit their own unit of work, errors roll back."""
    factory: sessionmaker[Session] = request.app.state.session_factory
    session = factory()
    try:
        yield session
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session)]
