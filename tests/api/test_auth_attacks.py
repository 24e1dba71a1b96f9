"""The JWT attack suite, over HTTP against the real app: every forged or stale token is a 401.

Each attack carries admin claims, so a token that slipped through would be allowed (an admin
gets 404 for the unknown ids used here, never 401/403).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from tests.jwt_tokens import (
    HS_SECRET,
    JWKSServer,
    Keys,
    claims_for,
    forge_hmac,
    hs256,
    unsigned,
)

ISSUER = "https://project-ref.supabase.co/auth/v1"
URL = "/api/v1/feedback"


def body() -> dict[str, str]:
    return {"talent_id": str(uuid.uuid4()), "job_id": str(uuid.uuid4()), "type": "apply"}


def post(client: TestClient, token: str) -> tuple[int, dict[str, str], dict[str, object]]:
    response = client.post(URL, json=body(), headers={"Authorization": f"Bearer {token}"})
    return response.status_code, dict(response.headers), response.json()


def admin(**extra: object) -> dict[str, object]:
    return claims_for(uuid.uuid4(), app_role="admin", **extra)


def tamper_signature(token: str) -> str:
    head, payload, signature = token.split(".")
    flipped = ("A" if signature[5] != "A" else "B") + signature[6:]
    return f"{head}.{payload}.{signature[:5]}{flipped}"


def tamper_payload(token: str, keys: Keys) -> str:
    head, _, signature = token.split(".")
    other = keys.es256(admin()).split(".")[1]
    return f"{head}.{other}.{signature}"


ATTACKS: dict[str, Callable[[Keys], str]] = {
    "alg-none": lambda k: unsigned(admin()),
    "alg-None-capitalised": lambda k: unsigned(admin(), alg="None"),
    "hs256-signed-with-ec-public-key": lambda k: forge_hmac(
        admin(), k.ec_public_pem(), kid=k.ec_kid
    ),
    "hs256-signed-with-rsa-public-key": lambda k: forge_hmac(
        admin(), k.rsa_public_pem(), kid=k.rsa_kid
    ),
    "hs512-with-the-real-secret": lambda k: forge_hmac(admin(), HS_SECRET.encode(), alg="HS512"),
    "expired": lambda k: k.es256(admin(exp=int(time.time()) - 3600)),
    "not-yet-valid": lambda k: k.es256(admin(nbf=int(time.time()) + 3600)),
    "wrong-audience": lambda k: k.es256(admin(aud="anon")),
    "tampered-signature": lambda k: tamper_signature(k.es256(admin())),
    "tampered-payload": lambda k: tamper_payload(k.es256(admin()), k),
    "unknown-kid": lambda k: k.es256(admin(), kid="kid-nobody-published"),
    "signed-by-another-key-with-a-known-kid": lambda k: Keys(rsa_private=k.rsa_private).es256(
        admin(), kid=k.ec_kid
    ),
    "oversized": lambda k: k.es256(admin(padding="x" * 9000)),
    "missing-exp": lambda k: k.es256(admin(exp=None)),
    "missing-aud": lambda k: k.es256(admin(aud=None)),
    "missing-sub": lambda k: hs256({**admin(), "sub": None}),
    "hs256-wrong-secret": lambda k: hs256(admin(), secret="not-the-secret-" * 4),
    "legacy-service-role-key": lambda k: hs256(
        {
            "iss": "supabase",
            "ref": "project-ref",
            "role": "service_role",
            "iat": 0,
            "exp": int(time.time()) + 3600,
        }
    ),
    "legacy-anon-key": lambda k: hs256(
        {
            "iss": "supabase",
            "ref": "project-ref",
            "role": "anon",
            "iat": 0,
            "exp": int(time.time()) + 3600,
        }
    ),
    "garbage": lambda k: "not-a-jwt",
    "three-empty-parts": lambda k: "..",
}


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_attack_is_unauthorized(client: TestClient, keys: Keys, attack: str) -> None:
    token = ATTACKS[attack](keys)
    status, headers, payload = post(client, token)
    assert status == 401, payload
    assert headers["www-authenticate"].startswith("Bearer")
    assert 'error="invalid_token"' in headers["www-authenticate"]
    assert payload["error"]["code"] == "unauthorized"  # type: ignore[index]


def test_wrong_issuer_is_unauthorized_when_an_issuer_is_configured(
    make_client: Callable[..., TestClient], jwks_server: JWKSServer, keys: Keys
) -> None:
    client = make_client(jwt_jwks_url=jwks_server.url, jwt_issuer=ISSUER)
    assert post(client, keys.es256(admin(iss="https://evil.example/auth/v1")))[0] == 401
    assert post(client, keys.es256(admin()))[0] == 401  # no iss at all
    assert post(client, keys.es256(admin(iss=ISSUER)))[0] == 404  # accepted: ids unknown


@pytest.mark.parametrize("sign", ["hs256", "es256", "rs256"])
def test_valid_tokens_of_every_algorithm_are_accepted(
    client: TestClient, keys: Keys, sign: str
) -> None:
    token = {"hs256": hs256, "es256": keys.es256, "rs256": keys.rs256}[sign](admin())
    assert post(client, token)[0] == 404


def test_role_only_in_user_metadata_is_forbidden(client: TestClient, keys: Keys) -> None:
    token = keys.es256(claims_for(app_role=None, user_metadata={"role": "admin"}))
    status, headers, payload = post(client, token)
    assert status == 403
    assert "www-authenticate" not in headers
    assert payload["error"]["code"] == "forbidden"  # type: ignore[index]


def test_top_level_admin_role_claim_is_not_our_role(client: TestClient, keys: Keys) -> None:
    assert post(client, keys.es256(claims_for(app_role=None, role="admin")))[0] == 403


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token abc"]
)
def test_missing_or_non_bearer_credentials_are_unauthorized(
    client: TestClient, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.post(URL, json=body(), headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer realm="talent-match"')


def test_unknown_kids_cause_at_most_one_jwks_refetch(
    client: TestClient, keys: Keys, jwks_server: JWKSServer
) -> None:
    for i in range(20):
        assert post(client, keys.es256(admin(), kid=f"flood-{i}"))[0] == 401
    assert jwks_server.requests <= 2


def test_a_jku_header_never_sends_us_to_another_jwks(client: TestClient, keys: Keys) -> None:
    attacker = Keys()
    attacker.ec_kid = "attacker-kid"
    with JWKSServer(attacker.jwks()) as evil:
        token = attacker.es256(admin(), jku=evil.url)
        assert post(client, token)[0] == 401
        assert evil.requests == 0


def test_jwks_unreachable_with_nothing_cached_is_503_not_401(
    make_client: Callable[..., TestClient], keys: Keys
) -> None:
    client = make_client(jwt_jwks_url="http://127.0.0.1:9/jwks", jwks_fetch_timeout_seconds=0.5)
    status, _, payload = post(client, keys.es256(admin()))
    assert status == 503
    assert payload["error"]["code"] == "auth_unavailable"  # type: ignore[index]
