"""FastAPI dependencies for who is calling, what they may do, and the per-request DB session.

Handlers declare authorization in their signature with these aliases::

    def handler(user: CurrentUser, session: SessionDep): ...
    def admin_only(user: AdminUser): ...
    def company_or_admin(
        user: Annotated[Principal, Depends(require_roles(Role.COMPANY, Role.ADMIN))],
    ): ...

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
from app.auth.principal import Principal
from app.auth.tokens import TokenVerifier
from app.core.enums import Role
from app.core.state import services_of

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
        verifier = services_of(request).get(TokenVerifier)
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


AdminUser = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
TalentOrAdmin = Annotated[Principal, Depends(require_roles(Role.TALENT, Role.ADMIN))]
CompanyOrAdmin = Annotated[Principal, Depends(require_roles(Role.COMPANY, Role.ADMIN))]
AnyRoleUser = Annotated[Principal, Depends(require_roles(*Role))]


def get_session(request: Request) -> Iterator[Session]:
    """One session and one transaction per request: committed when the handler succeeds,
    rolled back when anything raises. Services and repositories only flush."""
    factory: sessionmaker[Session] = services_of(request).get(sessionmaker)
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
"""`scope="function"`: FastAPI runs the exit code of a default ("request") scoped yield
dependency only after the response has been sent, so a commit that failed there (a constraint
checked at flush or commit, a lost connection) would follow a 200 whose data is gone. With
function scope the commit runs when the handler returns, before the response is sent, and a
failure becomes an error response (tests/api/test_transactions.py)."""
