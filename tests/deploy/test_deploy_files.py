"""Docker cannot run here, so the deployment files are checked by reading them."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_has_api_postgres_and_redis() -> None:
    assert set(_compose()["services"]) == {"api", "postgres", "redis"}


def test_api_publishes_port_8000_and_restarts() -> None:
    api = _compose()["services"]["api"]
    assert "8000:8000" in api["ports"]
    assert api["restart"] in {"always", "unless-stopped", "on-failure"}
    assert api["env_file"] == ".env"


def test_api_waits_for_healthy_dependencies() -> None:
    depends = _compose()["services"]["api"]["depends_on"]
    assert depends == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_every_service_has_a_healthcheck() -> None:
    for name, service in _compose()["services"].items():
        assert "healthcheck" in service, name
    assert "/api/v1/health" in " ".join(_compose()["services"]["api"]["healthcheck"]["test"])


def test_api_talks_to_compose_postgres_and_redis() -> None:
    env = _compose()["services"]["api"]["environment"]
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["REDIS_URL"].startswith("redis://redis:6379")


def test_dockerfile_is_slim_non_root_with_healthcheck_and_two_workers() -> None:
    text = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim", text, re.M)
    user_lines = re.findall(r"^USER (\S+)", text, re.M)
    assert user_lines
    assert user_lines[-1] not in {"root", "0"}
    assert "HEALTHCHECK" in text
    assert "/api/v1/health" in text
    assert '"--workers", "2"' in text
    assert "torch==2.13.0" in text
    assert "app train --initial" in text, "the initial model must be baked into the image"
    assert "app.api.server:NoDelayH11Protocol" in text, "multi-worker serving needs TCP_NODELAY"


def test_dockerfile_builds_and_ships_the_dashboard() -> None:
    """The dashboard is built in its own stage and lands where the API serves it from."""
    from app.settings import PROJECT_ROOT, Settings

    text = (ROOT / "Dockerfile").read_text()
    stage = re.search(r"^FROM node:\S+ AS (\w+)$(.*?)^FROM ", text, re.M | re.S)
    assert stage is not None
    assert "npm ci" in stage.group(2)
    assert "npm run build" in stage.group(2)
    workdir = re.findall(r"^WORKDIR (\S+)", text, re.M)[-1]
    default = Settings.model_fields["dashboard_dir"].default.relative_to(PROJECT_ROOT)
    copy = re.search(rf"^COPY --from={stage.group(1)} .*?/dist (\S+)$", text, re.M)
    assert copy is not None
    assert (Path(workdir) / copy.group(1)).resolve() == Path(workdir) / default
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "**/node_modules" in ignored, "a local node_modules must not enter the build context"


def test_env_example_documents_every_setting() -> None:
    from app.settings import Settings

    documented = {
        line.split("=", 1)[0].strip()
        for line in (ROOT / ".env.example").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    expected = {name.upper() for name in Settings.model_fields}
    assert expected <= documented, f"undocumented: {sorted(expected - documented)}"
