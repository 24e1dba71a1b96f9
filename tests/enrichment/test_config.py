from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from app.enrichment.config import DEFAULT_CONFIG_PATH, load_model_registry
from app.enrichment.errors import ModelConfigError


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "model_versions.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def _valid() -> dict:
    return yaml.safe_load(DEFAULT_CONFIG_PATH.read_text(encoding="utf-8"))


def test_packaged_registry_is_valid() -> None:
    registry = load_model_registry(DEFAULT_CONFIG_PATH)
    assert registry.enrichment_version.startswith("enrichment_v")
    assert registry.entry("skills_extraction").version.startswith("skills_extraction_v")


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("models", "clustering", "model_id"), "Job-Clusterer", "must match ^[a-z_]+$"),
        (("models", "clustering", "version"), "clustering-1.0", "{model_type}_v"),
        (("models", "clustering", "version"), "embeddings_v1.0", "must start with 'clustering_v'"),
        (("enrichment_version",), "v2", "enrichment_version"),
    ],
)
def test_bad_field_fails_naming_it(
    tmp_path: Path, path: tuple[str, ...], value: str, message: str
) -> None:
    data = _valid()
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(ModelConfigError) as info:
        load_model_registry(_write(tmp_path, data))
    assert message in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_missing_model_type_is_named(tmp_path: Path) -> None:
    data = _valid()
    del data["models"]["section_classification"]
    with pytest.raises(ModelConfigError, match="missing section_classification"):
        load_model_registry(_write(tmp_path, data))


def test_unknown_key_and_broken_yaml_fail(tmp_path: Path) -> None:
    data = _valid()
    data["models"]["skills_extraction"]["extra"] = 1
    with pytest.raises(ModelConfigError, match="extra"):
        load_model_registry(_write(tmp_path, data))
    broken = tmp_path / "broken.yaml"
    broken.write_text("models: [unclosed", encoding="utf-8")
    with pytest.raises(ModelConfigError, match="not valid YAML"):
        load_model_registry(broken)
    with pytest.raises(ModelConfigError, match="not found"):
        load_model_registry(tmp_path / "absent.yaml")
