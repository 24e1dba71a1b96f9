"""Docker cannot run here, so the deployment files are checked by reading them."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _compose() -> dict[str, Any]:
    data = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    assert isinstance(data, dict)
    return data


def test_compose_has_init_api_postgres_and_redis() -> None:
    assert set(_compose()["services"]) == {"init", "api", "postgres", "redis"}


def test_api_publishes_port_8000_and_restarts() -> None:
    api = _compose()["services"]["api"]
    assert "8000:8000" in api["ports"]
    assert api["restart"] in {"always", "unless-stopped", "on-failure"}
    assert api["env_file"] == "deploy/production.env"


def test_api_waits_for_init_and_healthy_dependencies() -> None:
    depends = _compose()["services"]["api"]["depends_on"]
    assert depends == {
        "init": {"condition": "service_completed_successfully"},
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
    }


def test_init_runs_once_migrates_and_trains_into_the_models_volume() -> None:
    services = _compose()["services"]
    init = services["init"]
    assert init["command"][:4] == ["python", "-m", "app.cli", "init"]
    assert init["restart"] == "no", "a one-shot: compose must not loop it"
    assert init["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    model_dir = init["environment"]["MODEL_DIR"]
    assert init["volumes"] == [f"models:{model_dir}"]
    assert services["api"]["volumes"] == [f"models:{model_dir}:ro"]
    assert services["api"]["environment"]["MODEL_DIR"] == model_dir
    assert "models" in _compose()["volumes"]


def test_api_runs_the_image_command_exec_form() -> None:
    """No `command:` override: the image's exec-form CMD makes the server PID 1, so it gets
    docker stop's SIGTERM and drains (a `sh -c` PID 1 would swallow it)."""
    api = _compose()["services"]["api"]
    assert "command" not in api
    assert "entrypoint" not in api
    assert int(str(api["stop_grace_period"]).rstrip("s")) >= 10
    cmd = re.search(r"^CMD (.*)$", (ROOT / "Dockerfile").read_text(), re.M)
    assert cmd is not None
    argv = json.loads(cmd.group(1))
    assert argv[:4] == ["python", "-m", "app.cli", "serve"]
    assert "--no-proxy-headers" in argv, "client addresses come from TRUSTED_PROXIES only"
    assert not re.search(r"^ENTRYPOINT", (ROOT / "Dockerfile").read_text(), re.M)


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name, service in _compose()["services"].items():
        if service.get("restart") != "no":
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
    assert user_lines[-1].isdigit(), "numeric: Kubernetes' runAsNonRoot can check it"
    assert int(user_lines[-1]) != 0
    assert "HEALTHCHECK" in text
    assert "/api/v1/health" in text
    assert '"--workers", "2"' in text
    assert "libgomp1" in text, "LightGBM's wheel needs the system OpenMP runtime"


def test_image_bakes_no_model_and_installs_runtime_dependencies_only() -> None:
    """The model comes from the models volume that `app init` fills (a model trained at build
    time against a throw-away database left the image's registry empty)."""
    text = (ROOT / "Dockerfile").read_text()
    assert "app train" not in text
    assert "app seed" not in text
    assert not re.search(r"^COPY .*models", text, re.M)
    install = r"pip install --require-hashes --no-deps .*\n.*-r requirements-runtime\.lock"
    assert re.search(install, text)
    assert "requirements.lock" not in text.replace("requirements-runtime.lock", "")
    assert ".[dev]" not in text
    assert "MODEL_DIR=/app/models" in text
    assert re.search(r"^ARG PIP_TORCH_INDEX=https://download\.pytorch\.org/whl/cpu$", text, re.M)
    assert '--extra-index-url "$PIP_TORCH_INDEX"' in text


def _pins(name: str) -> dict[str, str]:
    pins = {}
    for line in (ROOT / name).read_text().splitlines():
        if line and not line.startswith("#"):
            package, version = line.split()[0].split("==")
            pins[re.sub(r"[-_.]+", "-", package).lower()] = version
    return pins


def test_runtime_lock_is_hashed_and_agrees_with_the_environment_lock() -> None:
    """requirements-runtime.lock (the image) is the [project.dependencies] closure of
    requirements.lock (make install, CI): same versions, every line hashed, no dev tools."""
    import tomllib

    lines = [
        line
        for line in (ROOT / "requirements-runtime.lock").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert all(re.search(r" --hash=sha256:[0-9a-f]{64}$", line) for line in lines)
    runtime, environment = _pins("requirements-runtime.lock"), _pins("requirements.lock")
    runtime.pop("setuptools")  # torch needs it; `pip freeze` (requirements.lock) omits it
    assert {name: v.split("+")[0] for name, v in runtime.items()}.items() <= environment.items()
    assert runtime["torch"] == "2.13.0+cpu"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    direct = {re.split(r"[\[=]", dep)[0].lower() for dep in project["dependencies"]}
    assert direct <= set(runtime)
    dev_only = {"pytest", "mypy", "ruff", "shap", "numba", "hypothesis", "kubernetes-validate"}
    assert not dev_only & set(runtime)
    assert not {"shap", "tqdm", "psutil"} & direct, "unused at run time (tqdm comes transitively)"


def test_dashboard_stage_uses_a_supported_node() -> None:
    stage = re.search(r"^FROM node:(\d+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert stage is not None
    assert int(stage.group(1)) >= 22, "Node.js 20 is end-of-life"


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


def _production_example() -> dict[str, str]:
    return dict(
        line.split("=", 1)
        for line in (ROOT / "deploy" / "production.env.example").read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )


def test_production_env_example_is_refused_until_filled(monkeypatch: Any) -> None:
    """As shipped the production file cannot start a server (no token key): copying it as-is
    fails at start with a one-line reason instead of a server that answers 401 to everyone."""
    from app.settings import Settings, SettingsError

    example = _production_example()
    assert example["ENVIRONMENT"] == "production"
    assert example["POSTGRES_PASSWORD"] == "", "no default password to forget"
    settings = {name.upper() for name in Settings.model_fields}
    assert set(example) - {"POSTGRES_PASSWORD"} <= settings

    compose_env = _compose()["services"]["api"]["environment"]
    for name in settings:
        monkeypatch.delenv(name, raising=False)
    for name, value in {**example, **compose_env}.items():
        monkeypatch.setenv(name, re.sub(r"\$\{POSTGRES_PASSWORD:\?[^}]*\}", "pw", value))
    with pytest.raises(SettingsError) as refused:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert refused.value.problems == (
        "JWT_SECRET or JWT_JWKS_URL must be set in production: no token could verify",
    )
    monkeypatch.setenv("JWT_JWKS_URL", "https://example.supabase.co/auth/v1/jwks")
    assert Settings(_env_file=None).model_dir == Path(compose_env["MODEL_DIR"])  # type: ignore[call-arg]


def test_compose_refuses_to_start_without_a_postgres_password() -> None:
    services = _compose()["services"]
    for text in (
        services["postgres"]["environment"]["POSTGRES_PASSWORD"],
        services["api"]["environment"]["DATABASE_URL"],
    ):
        assert "${POSTGRES_PASSWORD:?" in text


def test_makefile_torch_index_is_explicit_and_empty_by_default() -> None:
    text = (ROOT / "Makefile").read_text()
    assert re.search(r"^PIP_TORCH_INDEX \?=\s*$", text, re.M)
    assert re.search(r"torch==2\.13\.0 .*PIP_TORCH_INDEX|PIP_TORCH_INDEX.*torch==2\.13\.0", text)
