"""TokenVerifier against tokens minted independently with PyJWT: what passes and what must not."""

from __future__ import annotations

import time
import uuid

import pytest

from app.auth.errors import AuthenticationError
from app.auth.jwks import JWKSCache
from app.auth.tokens import TokenVerifier
from app.settings import Settings
from tests.jwt_tokens import HS_SECRET, JWKSServer, Keys, claims_for, forge_hmac, hs256, unsigned

ISSUER = "https://project-ref.supabase.co/auth/v1"


def make_verifier(
    server: JWKSServer | None = None, secret: str | None = HS_SECRET, **overrides: object
) -> TokenVerifier:
    settings = Settings(_env_file=None, environment="test", **overrides)  # type: ignore[arg-type]
    jwks = JWKSCache(server.url, ttl=600, min_refetch_interval=30, timeout=2) if server else None
    return TokenVerifier(settings, secret, jwks)


def test_hs256_legacy_token_is_accepted_with_role_from_app_metadata() -> None:
    sub = uuid.uuid4()
    principal = make_verifier().verify(hs256(claims_for(sub, app_role="company")))
    assert principal.sub == sub
    assert principal.role == "company"


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
def test_asymmetric_tokens_verify_with_the_jwks_key_of_their_kid(
    keys: Keys, jwks_server: JWKSServer, alg: str
) -> None:
    sub = uuid.uuid4()
    claims = claims_for(sub, app_role="admin")
    token = keys.es256(claims) if alg == "ES256" else keys.rs256(claims)
    principal = make_verifier(jwks_server).verify(token)
    assert (principal.sub, principal.role) == (sub, "admin")


def test_issuer_is_checked_when_configured() -> None:
    verifier = make_verifier(jwt_issuer=ISSUER)
    assert verifier.verify(hs256(claims_for(iss=ISSUER))).role == "talent"
    with pytest.raises(AuthenticationError):
        verifier.verify(hs256(claims_for(iss="https://evil.example/auth/v1")))
    with pytest.raises(AuthenticationError):
        verifier.verify(hs256(claims_for()))  # no iss at all


def test_small_clock_skew_is_tolerated_but_not_more() -> None:
    now = int(time.time())
    verifier = make_verifier(jwt_leeway_seconds=30)
    assert verifier.verify(hs256(claims_for(exp=now - 10))).role == "talent"
    assert verifier.verify(hs256(claims_for(nbf=now + 10))).role == "talent"
    with pytest.raises(AuthenticationError):
        verifier.verify(hs256(claims_for(exp=now - 120)))
    with pytest.raises(AuthenticationError):
        verifier.verify(hs256(claims_for(nbf=now + 120)))


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param({"app_role": None, "user_metadata": {"role": "admin"}}, id="user_metadata"),
        pytest.param({"app_role": None}, id="no-role"),
        pytest.param({"app_role": "superuser"}, id="unknown-role"),
    ],
)
def test_role_comes_only_from_app_metadata(claims: dict[str, object]) -> None:
    token = hs256(claims_for(**claims))  # type: ignore[arg-type]
    assert make_verifier().verify(token).role is None


def test_top_level_postgres_role_is_not_our_role() -> None:
    token = hs256(claims_for(app_role=None, role="admin"))
    assert make_verifier().verify(token).role is None


def test_a_configured_role_claim_path_is_followed() -> None:
    token = hs256(claims_for(app_role=None, claims={"tm_role": "company"}))
    assert make_verifier(jwt_role_claim="claims.tm_role").verify(token).role == "company"


def test_role_claim_path_through_user_metadata_is_refused_at_startup() -> None:
    with pytest.raises(ValueError, match="user-writable"):
        make_verifier(jwt_role_claim="user_metadata.role")


def test_hs256_is_refused_when_no_secret_is_configured(keys: Keys) -> None:
    with pytest.raises(AuthenticationError):
        make_verifier(secret=None).verify(hs256(claims_for()))


def test_asymmetric_tokens_are_refused_without_jwks(keys: Keys) -> None:
    with pytest.raises(AuthenticationError):
        make_verifier(None).verify(keys.es256(claims_for()))


def test_hmac_signed_with_the_public_key_never_verifies(
    keys: Keys, jwks_server: JWKSServer
) -> None:
    verifier = make_verifier(jwks_server)
    for public in (keys.ec_public_pem(), keys.rsa_public_pem()):
        forged = forge_hmac(claims_for(app_role="admin"), public, kid=keys.ec_kid)
        with pytest.raises(AuthenticationError):
            verifier.verify(forged)


def test_a_kid_whose_key_type_does_not_fit_the_alg_is_refused(
    keys: Keys, jwks_server: JWKSServer
) -> None:
    # RS256 header pointing at the EC key's kid.
    token = keys.rs256(claims_for(), kid=keys.ec_kid)
    with pytest.raises(AuthenticationError):
        make_verifier(jwks_server).verify(token)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "HS384", "HS512", "PS256", "ES512"])
def test_algorithms_outside_the_pinned_list_are_refused(alg: str) -> None:
    claims = claims_for(app_role="admin")
    if alg.startswith("HS"):
        token = forge_hmac(claims, HS_SECRET.encode(), alg=alg)
    else:
        token = unsigned(claims, alg=alg)
    with pytest.raises(AuthenticationError):
        make_verifier().verify(token)


def test_sub_must_be_a_user_id() -> None:
    with pytest.raises(AuthenticationError):
        make_verifier().verify(hs256(claims_for(sub="service-account")))


def test_reason_names_the_failure_but_the_message_does_not() -> None:
    with pytest.raises(AuthenticationError) as info:
        make_verifier().verify(hs256(claims_for(aud="other")))
    assert str(info.value) == "invalid or missing bearer token"
    assert "aud" in info.value.reason.lower() or "audience" in info.value.reason.lower()


@pytest.mark.parametrize("claim", ["exp", "iat", "nbf"])
@pytest.mark.parametrize(
    "value",
    [
        pytest.param([9_999_999_999], id="list"),
        pytest.param("9999999999", id="string"),
        pytest.param(True, id="bool"),
        pytest.param({"t": 1}, id="object"),
    ],
)
def test_time_claims_of_the_wrong_type_are_unauthorized_naming_the_claim(
    claim: str, value: object
) -> None:
    token = hs256(claims_for(**{claim: value}))
    with pytest.raises(AuthenticationError) as info:
        make_verifier().verify(token)
    assert info.value.field == claim
    assert claim in info.value.reason


@pytest.mark.parametrize(
    ("claim", "value"),
    [("sub", 12345), ("iss", ["a"]), ("jti", 7), ("aud", {"x": 1}), ("aud", ["authenticated", 1])],
)
def test_string_claims_of_the_wrong_type_are_unauthorized_naming_the_claim(
    claim: str, value: object
) -> None:
    token = forge_hmac({**claims_for(), claim: value}, HS_SECRET.encode())  # PyJWT refuses
    with pytest.raises(AuthenticationError) as info:
        make_verifier().verify(token)
    assert info.value.field == claim


def test_an_infinite_exp_is_unauthorized_not_a_crash() -> None:
    token = forge_hmac({**claims_for(), "exp": 1e400}, HS_SECRET.encode())
    with pytest.raises(AuthenticationError) as info:
        make_verifier().verify(token)
    assert info.value.field == "exp"


def test_iat_in_the_future_beyond_the_leeway_is_refused() -> None:
    now = int(time.time())
    verifier = make_verifier(jwt_leeway_seconds=30)
    assert verifier.verify(hs256(claims_for(iat=now + 10))).role == "talent"
    with pytest.raises(AuthenticationError) as info:
        verifier.verify(hs256(claims_for(iat=now + 600, exp=now + 1200)))
    assert info.value.field == "iat"
