"""The model version registry (model_versions.yaml) as one validated object.

A malformed file fails at start-up with the offending field named, rather than an unversioned
enrichment row being written later.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from app.enrichment.errors import ModelConfigError
from app.settings import get_settings

DATA_DIR = Path(__file__).resolve().parent / "data"
DEFAULT_CONFIG_PATH = DATA_DIR / "model_versions.yaml"

ModelType = Literal[
    "skills_extraction",
    "embeddings",
    "clustering",
    "section_classification",
    "occupation_inference",
]
MODEL_TYPES: tuple[ModelType, ...] = (
    "skills_extraction",
    "embeddings",
    "clustering",
    "section_classification",
    "occupation_inference",
)
MODEL_ID_RE = re.compile(r"^[a-z_]+$")
VERSION_RE = re.compile(
    r"^(?P<type>[a-z_]+)_v(?P<major>\d+)\.(?P<minor>\d+)(?:-(?P<suffix>[a-z0-9-]+))?$"
)


class ModelEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    model_id: str
    version: str
    params: dict[str, Any] = Field(default_factory=dict)

    @field_validator("model_id")
    @classmethod
    def _model_id(cls, value: str) -> str:
        if not MODEL_ID_RE.match(value):
            raise ValueError(f"model_id {value!r} must match ^[a-z_]+$")
        return value

    @field_validator("version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not VERSION_RE.match(value):
            raise ValueError(
                f"version {value!r} must look like {{model_type}}_v{{major}}.{{minor}}[-{{suffix}}]"
            )
        return value


class ModelRegistry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enrichment_version: str
    models: dict[ModelType, ModelEntry]

    @field_validator("enrichment_version")
    @classmethod
    def _enrichment_version(cls, value: str) -> str:
        match = VERSION_RE.match(value)
        if not match or match["type"] != "enrichment":
            raise ValueError(f"enrichment_version {value!r} must look like enrichment_v1.0[-x]")
        return value

    @model_validator(mode="after")
    def _complete_and_typed(self) -> ModelRegistry:
        missing = [t for t in MODEL_TYPES if t not in self.models]
        if missing:
            raise ValueError(f"models is missing {', '.join(missing)}")
        for model_type, entry in self.models.items():
            match = VERSION_RE.match(entry.version)
            if match is None or match["type"] != model_type:
                raise ValueError(
                    f"models.{model_type}.version {entry.version!r} must start with "
                    f"'{model_type}_v'"
                )
        return self

    def entry(self, model_type: ModelType) -> ModelEntry:
        return self.models[model_type]


def load_model_registry(path: Path) -> ModelRegistry:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelConfigError(f"{path}: model registry file not found") from exc
    except yaml.YAMLError as exc:
        raise ModelConfigError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ModelConfigError(f"{path}: expected a mapping at the top level")
    try:
        return ModelRegistry.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '<root>'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ModelConfigError(f"{path}: invalid model registry: {problems}") from exc


@lru_cache(maxsize=1)
def get_model_registry() -> ModelRegistry:
    path = get_settings().enrichment_config_path or DEFAULT_CONFIG_PATH
    return load_model_registry(path)
