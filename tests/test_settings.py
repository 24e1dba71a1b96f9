"""Settings that cannot run are refused at load, one line per problem, in production and
(for values nothing could use) in every environment; `app serve` exits with those lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from app.settings import PROJECT_ROOT, Settings, SettingsError

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/talent_match"
GOOD_SECRET = "x" * 32
PRODUCTION: dict[str, Any] = {
    "environment": "production",
    "database_url": PG_URL,
    "jwt_secret": GOOD_SECRET,
}


def load(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def problems(**values: Any) -> tuple[str, ...]:
    with pytest.raises(SettingsError) as info:
        load(**values)
    return info.value.problems


def test_a_complete_production_configuration_loads() -> None:
    assert load(**PRODUCTION).is_production
    jwks_only = {**PRODUCTION, "jwt_secret": None, "jwt_jwks_url": "https://x.supabase.co/jwks"}
    assert load(**jwks_only).jwt_secret is None


@pytest.mark.parametrize(
    ("override", "names"),
    [
        pytest.param({"jwt_secret": None}, ("JWT_SECRET", "JWT_JWKS_URL"), id="no-auth-keys"),
        pytest.param({"jwt_secret": "x" * 31}, ("JWT_SECRET", "31 bytes"), id="short-secret"),
        pytest.param({"jwt_secret": "é" * 15}, ("JWT_SECRET", "30 bytes"), id="short-in-bytes"),
        pytest.param(
            {"database_url": "sqlite:///./tm.db"}, ("DATABASE_URL", "SQLite"), id="sqlite"
        ),
        pytest.param({"rate_limit": "lots"}, ("RATE_LIMIT", "'lots'"), id="rate-limit"),
        pytest.param({"log_level": "verbose"}, ("LOG_LEVEL", "'verbose'"), id="log-level"),
    ],
)
def test_production_refuses_each_problem_with_a_one_line_reason(
    override: dict[str, Any], names: tuple[str, ...]
) -> None:
    (reason,) = problems(**{**PRODUCTION, **override})
    assert "\n" not in reason
    assert all(name in reason for name in names), reason


def test_every_problem_is_reported_at_once() -> None:
    found = problems(environment="production", rate_limit="lots", log_level="loud")
    assert len(found) == 4  # SQLite, rate limit, log level, no auth keys
    assert [p.split("=")[0].split(" ")[0] for p in found] == [
        "RATE_LIMIT",
        "DATABASE_URL",
        "LOG_LEVEL",
        "JWT_SECRET",
    ]


@pytest.mark.parametrize("environment", ["development", "test"])
@pytest.mark.parametrize(
    "override",
    [{"rate_limit": "lots"}, {"rate_limit": "0/minute"}, {"log_level": "verbose"}],
    ids=["unparsable-limit", "zero-limit", "unknown-level"],
)
def test_values_nothing_could_use_are_refused_in_every_environment(
    environment: str, override: dict[str, Any]
) -> None:
    assert len(problems(environment=environment, **override)) == 1


@pytest.mark.parametrize("limit", ["100/minute", "100/minute;2000/hour", "5 per second"])
def test_rate_limits_the_limiter_understands_are_accepted(limit: str) -> None:
    assert load(rate_limit=limit).rate_limit == limit


def test_log_level_is_case_insensitive_and_development_keeps_its_defaults() -> None:
    assert load(log_level="debug").log_level == "debug"
    assert load().database_url.startswith("sqlite")  # the demo still needs no configuration


def test_the_secret_never_appears_in_the_refusal() -> None:
    secret = "tiny-secret"
    with pytest.raises(SettingsError) as info:
        load(**{**PRODUCTION, "jwt_secret": secret, "rate_limit": "lots"})
    assert secret not in str(info.value)


def test_app_serve_exits_non_zero_with_the_reasons_and_no_traceback(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "PYTHONPATH": str(PROJECT_ROOT),
        "ENVIRONMENT": "production",
        "LOG_LEVEL": "verbose",
        "RATE_LIMIT": "lots",
    }
    done = subprocess.run(  # in tmp_path: no `.env` of the checkout is read
        [sys.executable, "-m", "app.cli", "serve", "--port", "1"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert "Traceback" not in done.stderr
    assert len(lines) == 4
    assert all(line.startswith("configuration error: ") for line in lines)
    assert any("LOG_LEVEL='verbose'" in line for line in lines)
    assert any("JWT_SECRET or JWT_JWKS_URL" in line for line in lines)


def test_importing_the_app_reads_no_settings(tmp_path: Path) -> None:
    """Settings are read when used, never at import: a bad value is then reported by the one
    place that checks it (`app ...` exits 2 with the reason), not as an import traceback."""
    code = (
        "import importlib, pkgutil, app\n"
        "for m in pkgutil.walk_packages(app.__path__, 'app.'):\n"
        "    importlib.import_module(m.name)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"LOG_LEVEL": "verbose", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT_ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
