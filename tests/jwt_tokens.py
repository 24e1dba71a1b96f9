"""Test tokens, minted with PyJWT (never with the code under test), and a local JWKS server.

`Keys` holds one EC (ES256) and one RSA (RS256) signing key; `JWKSServer` serves their public
halves from a stdlib http.server thread on 127.0.0.1 and counts how often it was asked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

HS_SECRET = "test-legacy-hs256-secret-that-is-long-enough-0123456789"
AUDIENCE = "authenticated"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def claims_for(
    sub: uuid.UUID | str | None = None, app_role: str | None = "talent", **extra: Any
) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "sub": str(sub or uuid.uuid4()),
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 600,
        "role": "authenticated",
    }
    if app_role is not None:
        claims["app_metadata"] = {"role": app_role}
    claims.update(extra)
    return {k: v for k, v in claims.items() if v is not None}


def hs256(claims: dict[str, Any], secret: str = HS_SECRET, **headers: Any) -> str:
    return jwt.encode(claims, secret, algorithm="HS256", headers=headers or None)


class BearerHeaders(Mapping[str, str]):
    """`Authorization` headers of one caller, minted afresh on every read: a token made at
    import time expires after `claims_for`'s ten minutes, which a long suite outlives."""

    def __init__(self, app_role: str | None, sub: uuid.UUID | None = None) -> None:
        self.app_role = app_role
        self.sub = sub or uuid.uuid4()

    def __getitem__(self, key: str) -> str:
        if key != "Authorization":
            raise KeyError(key)
        return f"Bearer {hs256(claims_for(self.sub, app_role=self.app_role))}"

    def __iter__(self) -> Iterator[str]:
        return iter(("Authorization",))

    def __len__(self) -> int:
        return 1


def forge_hmac(claims: dict[str, Any], key: bytes, alg: str = "HS256", **headers: Any) -> str:
    """An HMAC token keyed with arbitrary bytes (PyJWT refuses PEM keys as HMAC secrets)."""
    header = {"alg": alg, "typ": "JWT", **headers}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[alg]
    signature = hmac.new(key, signing_input.encode(), digest).digest()
    return signing_input + "." + b64url(signature)


def unsigned(claims: dict[str, Any], alg: str = "none") -> str:
    header = {"alg": alg, "typ": "JWT"}
    return b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode()) + "."


@dataclass
class Keys:
    ec_private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    rsa_private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )
    ec_kid: str = "ec-key-1"
    rsa_kid: str = "rsa-key-1"

    def es256(self, claims: dict[str, Any], kid: str | None = None, **headers: Any) -> str:
        return jwt.encode(
            claims,
            self.ec_private,
            algorithm="ES256",
            headers={"kid": kid or self.ec_kid, **headers},
        )

    def rs256(self, claims: dict[str, Any], kid: str | None = None) -> str:
        return jwt.encode(
            claims, self.rsa_private, algorithm="RS256", headers={"kid": kid or self.rsa_kid}
        )

    def ec_public_pem(self) -> bytes:
        return self.ec_private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def rsa_public_pem(self) -> bytes:
        return self.rsa_private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )

    def jwks(self) -> dict[str, Any]:
        ec_jwk = ECAlgorithm.to_jwk(self.ec_private.public_key(), as_dict=True)
        rsa_jwk = RSAAlgorithm.to_jwk(self.rsa_private.public_key(), as_dict=True)
        return {
            "keys": [
                {**ec_jwk, "kid": self.ec_kid, "alg": "ES256", "use": "sig"},
                {**rsa_jwk, "kid": self.rsa_kid, "alg": "RS256", "use": "sig"},
            ]
        }


class JWKSServer:
    """Serves `document` as JSON at /jwks on 127.0.0.1 from a daemon thread."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.requests = 0
        self.status = 200
        self.delay = 0.0  # seconds each answer takes: a slow identity provider
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                time.sleep(server.delay)
                body = json.dumps(server.document).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/jwks"

    def __enter__(self) -> JWKSServer:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


@pytest.fixture
def jwks_server(keys: Keys) -> Iterator[JWKSServer]:
    with JWKSServer(keys.jwks()) as server:
        yield server
