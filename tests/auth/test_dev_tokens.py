"""The development token helper: usable tokens in development, nothing in production."""

from __future__ import annotations

import uuid
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from app.auth.dev_tokens import hs256_secret, mint_dev_token
from app.auth.errors import DevTokenDisabledError
from app.auth.tokens import TokenVerifier
from app.cli import main
from app.settings import Settings, get_settings
from tests.jwt_tokens import HS_SECRET

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"  # production refuses SQLite


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


def test_minted_token_verifies_independently_with_pyjwt() -> None:
    sub = uuid.uuid4()
    token = mint_dev_token(settings(jwt_secret=HS_SECRET), sub, "company")
    claims = jwt.decode(token, HS_SECRET, algorithms=["HS256"], audience="authenticated")
    assert claims["sub"] == str(sub)
    assert claims["app_metadata"] == {"role": "company"}
    assert claims["exp"] > claims["iat"]


def test_production_never_mints() -> None:
    with pytest.raises(DevTokenDisabledError):
        mint_dev_token(
            settings(environment="production", jwt_secret=HS_SECRET, database_url=PG_URL),
            uuid.uuid4(),
            "admin",
        )


def test_development_without_a_secret_shares_a_generated_one_with_the_server(
    tmp_path: Path,
) -> None:
    config = settings(environment="development", dev_jwt_secret_file=tmp_path / "secret")
    token = mint_dev_token(config, uuid.uuid4(), "talent")
    assert (tmp_path / "secret").stat().st_mode & 0o077 == 0
    verifier = TokenVerifier(config, hs256_secret(config), None)
    assert verifier.verify(token).role == "talent"


def test_test_and_production_without_a_secret_accept_no_hs256(tmp_path: Path) -> None:
    for environment in ("test", "production"):
        config = settings(
            environment=environment,
            dev_jwt_secret_file=tmp_path / "s",
            database_url=PG_URL,
            jwt_jwks_url="https://project-ref.supabase.co/auth/v1/.well-known/jwks.json",
        )
        assert hs256_secret(config) is None
    assert not (tmp_path / "s").exists()


def test_cli_prints_a_token_and_refuses_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    sub = str(uuid.uuid4())
    monkeypatch.setenv("JWT_SECRET", HS_SECRET)
    monkeypatch.setenv("ENVIRONMENT", "development")
    get_settings.cache_clear()
    try:
        result = runner.invoke(main, ["token", "--role", "talent", "--sub", sub])
        assert result.exit_code == 0, result.output
        claims = jwt.decode(
            result.stdout.strip().splitlines()[-1],
            HS_SECRET,
            algorithms=["HS256"],
            audience="authenticated",
        )
        assert claims["sub"] == sub
        assert runner.invoke(main, ["token", "--role", "root", "--sub", sub]).exit_code != 0
        assert runner.invoke(main, ["token", "--role", "talent", "--sub", "x"]).exit_code != 0
        monkeypatch.setenv("ENVIRONMENT", "production")
        monkeypatch.setenv("DATABASE_URL", PG_URL)
        get_settings.cache_clear()
        refused = runner.invoke(main, ["token", "--role", "admin", "--sub", sub])
        assert refused.exit_code == 1
        assert "production" in refused.output
    finally:
        get_settings.cache_clear()
