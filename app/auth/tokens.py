"""Verifying bearer tokens with python-jose, with the checks the library does not do for us.

Every decode names exactly one algorithm, chosen from the token header but only from a pinned
list, and the key is chosen by that algorithm: HS256 only with the configured legacy secret,
ES256/RS256 only with a JWKS key of the matching type found by `kid`. HMAC and asymmetric
algorithms never share a decode, so an HS256 token "signed" with a public key cannot verify.
python-jose accepts tokens without `exp` and skips the audience check when `aud` is missing, so
`exp`, `aud` and `sub` (and `iss` when configured) are required explicitly. python-jose also
calls `int()` on the time claims unchecked (a list `exp` raised TypeError, a string one was
parsed), so every registered claim is type-checked first, and it never looks at `iat`, so an
`iat` in the future (beyond the leeway) is refused here.
"""

from __future__ import annotations

import math
import time
import uuid
from typing import Any

from jose import jwk, jwt
from jose.exceptions import JOSEError

from app.auth.errors import AuthenticationError
from app.auth.jwks import KEY_TYPES, JWKSCache
from app.auth.principal import Principal
from app.auth.roles import role_from_claims, validate_role_claim_path
from app.settings import Settings

HMAC_ALGORITHM = "HS256"
ASYMMETRIC_ALGORITHMS = tuple(KEY_TYPES)
NUMERIC_DATE_CLAIMS = ("exp", "iat", "nbf")
STRING_CLAIMS = ("iss", "sub", "jti")


def _is_numeric_date(value: Any) -> bool:
    """RFC 7519 NumericDate: a JSON number (bool is an int to Python, not to JSON)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def check_claim_types(claims: dict[str, Any]) -> None:
    """Refuse registered claims of the wrong JSON type, naming the claim.

    Safe before the signature check: it only ever rejects, and a token refused here would be
    refused (or crash python-jose) after it anyway.
    """
    for name in NUMERIC_DATE_CLAIMS:
        if name in claims and not _is_numeric_date(claims[name]):
            raise AuthenticationError(f"{name} is not a NumericDate", claim=name)
    for name in STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            raise AuthenticationError(f"{name} is not a string", claim=name)
    aud = claims.get("aud")
    if "aud" in claims and not (
        isinstance(aud, str) or (isinstance(aud, list) and all(isinstance(a, str) for a in aud))
    ):
        raise AuthenticationError("aud is not a string or a list of strings", claim="aud")


class TokenVerifier:
    def __init__(
        self, settings: Settings, hs256_secret: str | None, jwks: JWKSCache | None
    ) -> None:
        self.audience = settings.jwt_audience
        self.issuer = settings.jwt_issuer
        self.leeway = settings.jwt_leeway_seconds
        self.max_token_bytes = settings.jwt_max_token_bytes
        self.role_path = validate_role_claim_path(settings.jwt_role_claim)
        self.hs256_secret = hs256_secret
        self.jwks = jwks

    def verify(self, token: str) -> Principal:
        if len(token) > self.max_token_bytes:
            raise AuthenticationError("token too large")
        try:
            header = jwt.get_unverified_header(token)
        except JOSEError as exc:
            raise AuthenticationError(f"malformed token header: {exc}") from exc
        try:
            unverified = jwt.get_unverified_claims(token)
        except JOSEError as exc:
            raise AuthenticationError(f"malformed token claims: {exc}") from exc
        check_claim_types(unverified)
        alg = header.get("alg")
        key = self._key_for(alg, header.get("kid"))
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                options={
                    "require_exp": True,
                    "require_aud": True,
                    "require_sub": True,
                    "require_iss": self.issuer is not None,
                    "verify_iss": self.issuer is not None,
                    "leeway": self.leeway,
                },
            )
        except JOSEError as exc:
            raise AuthenticationError(f"token rejected: {exc}") from exc
        if "iat" in claims and claims["iat"] > time.time() + self.leeway:
            raise AuthenticationError("iat is in the future", claim="iat")
        return self._principal(claims)

    def _key_for(self, alg: Any, kid: Any) -> Any:
        if alg == HMAC_ALGORITHM:
            if not self.hs256_secret:
                raise AuthenticationError("HS256 tokens are not accepted (no secret configured)")
            return self.hs256_secret
        if alg in ASYMMETRIC_ALGORITHMS:
            if self.jwks is None:
                raise AuthenticationError(f"{alg} tokens are not accepted (no JWKS configured)")
            if not isinstance(kid, str) or not kid:
                raise AuthenticationError("asymmetric token without kid")
            public = self.jwks.get(kid)
            if public is None:
                raise AuthenticationError(f"unknown kid {kid!r}")
            if not public.usable_for(alg):
                raise AuthenticationError(f"kid {kid!r} is not a {alg} key")
            try:
                return jwk.construct(public.data, alg)
            except JOSEError as exc:
                raise AuthenticationError(f"unusable JWKS key {kid!r}") from exc
        raise AuthenticationError(f"algorithm {alg!r} is not accepted")

    def _principal(self, claims: dict[str, Any]) -> Principal:
        try:
            sub = uuid.UUID(str(claims["sub"]))
        except (KeyError, ValueError) as exc:
            raise AuthenticationError("sub is not a user id") from exc
        return Principal(sub=sub, role=role_from_claims(claims, self.role_path), claims=claims)
