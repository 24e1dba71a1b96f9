"""The Kubernetes manifests (deploy/k8s) render offline and are valid Kubernetes objects.

There is no cluster here, so `kubectl kustomize` renders them (the raw resource files when
kubectl is not installed) and kubernetes-validate checks every object against the OpenAPI
schema of real Kubernetes releases in strict mode, which rejects unknown and mistyped fields
the way `kubectl apply --validate=strict` would. The remaining tests pin what the schema
cannot know: probes on our health routes, the read-only models volume, non-root and
read-only root file system, selectors that match, settings that exist.
"""

from __future__ import annotations

import copy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from sqlalchemy import create_engine

from app.settings import Settings, SettingsError
from app.training.scheduler import TrainingScheduler

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
# The oldest Kubernetes minor still in common support, and the newest the validator knows.
VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]
Doc = dict[str, Any]


def _render() -> list[Doc]:
    kubectl = shutil.which("kubectl")
    if kubectl is not None:
        text = subprocess.run(
            [kubectl, "kustomize", str(K8S)], capture_output=True, text=True, check=True
        ).stdout
    else:
        kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
        text = "\n---\n".join((K8S / name).read_text() for name in kustomization["resources"])
    return [doc for doc in yaml.safe_load_all(text) if doc]


RENDERED = _render()


def _one(kind: str, name: str | None = None) -> Doc:
    found = [d for d in RENDERED if d["kind"] == kind and name in (None, d["metadata"]["name"])]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def _pod_spec(doc: Doc) -> Doc:
    if doc["kind"] == "CronJob":
        return doc["spec"]["jobTemplate"]["spec"]["template"]["spec"]  # type: ignore[no-any-return]
    return doc["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def _container(doc: Doc) -> Doc:
    (container,) = _pod_spec(doc)["containers"]
    return container  # type: ignore[no-any-return]


def _workloads() -> list[Doc]:
    return [d for d in RENDERED if d["kind"] in {"Deployment", "Job", "CronJob"}]


def test_renders_every_piece_of_the_deployment() -> None:
    kinds = sorted(d["kind"] for d in RENDERED)
    assert kinds == sorted(
        [
            "ConfigMap",
            "CronJob",
            "CronJob",
            "Deployment",
            "Job",
            "PersistentVolumeClaim",
            "PodDisruptionBudget",
            "Service",
        ]
    )


@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_matches_the_kubernetes_schema_strictly(version: str) -> None:
    for doc in [*RENDERED, yaml.safe_load((K8S / "secret.example.yaml").read_text())]:
        kubernetes_validate.validate(doc, version, strict=True)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("spec", "replica"), 2),  # unknown field (typo of replicas)
        (("spec", "replicas"), "two"),  # wrong type
        (("spec", "template", "spec", "containers", 0, "readinessProbe", "httpGet", "port"), []),
    ],
)
def test_the_schema_check_rejects_unknown_and_mistyped_fields(
    path: tuple[str | int, ...], value: object
) -> None:
    broken = copy.deepcopy(_one("Deployment"))
    target = broken
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[-1], strict=True)


def test_api_deployment_runs_two_probed_replicas() -> None:
    api = _one("Deployment", "talent-match-api")
    assert api["spec"]["replicas"] == 2
    container = _container(api)
    port = container["ports"][0]
    assert port["containerPort"] == 8000
    assert container["readinessProbe"]["httpGet"] == {
        "path": "/api/v1/health/ready",
        "port": "http",
    }
    assert container["livenessProbe"]["httpGet"] == {"path": "/api/v1/health", "port": "http"}
    assert container["startupProbe"]["httpGet"]["path"] == "/api/v1/health"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    assert "memory" in container["resources"]["limits"]
    argv = container["command"] + container["args"]
    assert argv[:4] == ["python", "-m", "app.cli", "serve"], "exec'd, no shell as PID 1"
    assert "--no-proxy-headers" in argv


def test_api_command_is_the_image_command() -> None:
    """One server command line: the Dockerfile's CMD, which the process test runs for real."""
    import json
    import re

    match = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.M)
    assert match is not None
    container = _container(_one("Deployment", "talent-match-api"))
    assert container["command"] + container["args"] == json.loads(match.group(1))


def test_every_workload_is_non_root_with_a_read_only_root_file_system() -> None:
    for doc in _workloads():
        pod = _pod_spec(doc)
        assert pod["securityContext"]["runAsNonRoot"] is True, doc["kind"]
        assert pod["securityContext"]["runAsUser"] != 0
        assert pod["automountServiceAccountToken"] is False
        security = _container(doc)["securityContext"]
        assert security["readOnlyRootFilesystem"] is True, doc["kind"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["capabilities"]["drop"] == ["ALL"]
        mounts = {m["mountPath"] for m in _container(doc)["volumeMounts"]}
        assert "/tmp" in mounts, "a writable /tmp on a read-only root"


def _models_mount(doc: Doc) -> tuple[Doc, Doc]:
    (mount,) = [m for m in _container(doc)["volumeMounts"] if m["name"] == "models"]
    (volume,) = [v for v in _pod_spec(doc)["volumes"] if v["name"] == "models"]
    return mount, volume


def test_api_reads_the_shared_models_volume_that_init_and_training_write() -> None:
    model_dir = _one("ConfigMap")["data"]["MODEL_DIR"]
    claim = _one("PersistentVolumeClaim")
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"], "replicas on several nodes"
    for doc in _workloads():
        mount, volume = _models_mount(doc)
        assert mount["mountPath"] == model_dir, doc["kind"]
        assert volume["persistentVolumeClaim"]["claimName"] == claim["metadata"]["name"]
        writes = doc["kind"] != "Deployment"
        assert mount.get("readOnly", False) is not writes, doc["kind"]
        assert volume["persistentVolumeClaim"].get("readOnly", False) is not writes


def test_init_job_migrates_and_the_cronjob_trains() -> None:
    init = _one("Job", "talent-match-init")
    assert _container(init)["command"] == ["python", "-m", "app.cli", "init"]
    assert _pod_spec(init)["restartPolicy"] == "Never"
    train = _one("CronJob", "talent-match-train")
    assert _container(train)["command"] == ["python", "-m", "app.cli", "train"]
    assert train["spec"]["concurrencyPolicy"] == "Forbid"


def test_the_drift_cronjob_checks_weekly_one_at_a_time_into_the_served_report_folder() -> None:
    drift = _one("CronJob", "talent-match-drift")
    command = ["python", "-m", "app.cli", "drift", "report", "--since", "7d"]
    assert _container(drift)["command"] == command
    assert drift["spec"]["concurrencyPolicy"] == "Forbid"
    assert drift["spec"]["schedule"].split()[2:] == ["*", "*", "1"]
    reports = _one("ConfigMap")["data"]["DRIFT_REPORT_DIR"]
    assert reports.startswith(_one("ConfigMap")["data"]["MODEL_DIR"] + "/")


def _env(doc: Doc) -> dict[str, str]:
    return {e["name"]: e["value"] for e in _container(doc).get("env", [])}


def test_api_workers_do_not_train_because_the_cronjob_does() -> None:
    minutes = float(_env(_one("Deployment", "talent-match-api"))["TRAINING_CHECK_MINUTES"])
    assert minutes == 0
    engine = create_engine("sqlite://")
    off = TrainingScheduler(engine, Settings(_env_file=None, training_check_minutes=minutes))  # type: ignore[call-arg]
    off.start()
    assert off._thread is None
    on = TrainingScheduler(engine, Settings(_env_file=None))  # type: ignore[call-arg]
    on.start()
    try:
        assert on._thread is not None, "the demo default trains"
        assert on._thread.is_alive()
    finally:
        on.stop()


def test_service_and_budget_select_the_api_pods() -> None:
    api = _one("Deployment", "talent-match-api")
    pod_labels = api["spec"]["template"]["metadata"]["labels"]
    assert api["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    service = _one("Service")
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == _container(api)["ports"][0]["name"]
    budget = _one("PodDisruptionBudget")
    assert budget["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert budget["spec"]["minAvailable"] < api["spec"]["replicas"], "a drain can proceed"


def test_config_and_secret_name_real_settings_and_refuse_until_filled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = _one("ConfigMap")
    secret = yaml.safe_load((K8S / "secret.example.yaml").read_text())
    for doc in _workloads():
        refs = {
            ref.get("configMapRef", ref.get("secretRef"))["name"]
            for ref in _container(doc)["envFrom"]
        }
        assert refs == {config["metadata"]["name"], secret["metadata"]["name"]}, doc["kind"]
    settings = {name.upper() for name in Settings.model_fields}
    values = {**config["data"], **secret["stringData"]}
    assert set(values) <= settings, f"not settings: {sorted(set(values) - settings)}"

    # The pod's environment: exactly the ConfigMap and the Secret, empty values included.
    for name in settings:
        monkeypatch.delenv(name, raising=False)
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as refused:
        Settings(_env_file=None)  # type: ignore[call-arg]
    assert any("JWT_SECRET or JWT_JWKS_URL" in p for p in refused.value.problems)
    monkeypatch.setenv("JWT_JWKS_URL", "https://example.supabase.co/auth/v1/jwks")
    assert Settings(_env_file=None).is_production  # type: ignore[call-arg]
