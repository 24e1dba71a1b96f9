"""Profile builders and a tiny synthetic world with a hidden preference rule, for unit tests.

The model fixture trains a real (tiny) LightGBM model once per test session on those pairs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest

from app.ml.features import pair_features
from app.ml.matcher import MatchingModel, ModelMetadata, fit_booster
from app.ml.profiles import JobTable, SkillVocab, TalentTable, job_table, talent_table
from app.ml.sub_scores import category_scale
from app.ml.types import JobProfile, SkillLevel, TalentProfile

SKILLS = [f"Skill{i}" for i in range(30)]
LEVELS = ["junior", "mid", "senior", "lead"]
CITIES = [(52.52, 13.40, "Europe/Berlin"), (40.71, -74.0, "America/New_York"), (None, None, None)]


def talent(**overrides: Any) -> TalentProfile:
    values: dict[str, Any] = {
        "skills": [SkillLevel("Python", 4, 5.0), SkillLevel("SQL", 3, 3.0)],
        "years_experience": 5.0,
        "seniority": "mid",
        "id": uuid.uuid4(),
        "latitude": 52.52,
        "longitude": 13.40,
        "timezone": "Europe/Berlin",
        "salary_min": 60_000,
        "salary_max": 80_000,
    }
    values.update(overrides)
    return TalentProfile(**values)


def job(**overrides: Any) -> JobProfile:
    values: dict[str, Any] = {
        "skills": [SkillLevel("Python", 3, 0.0, True), SkillLevel("Kubernetes", 3, 0.0, True)],
        "seniority": "mid",
        "min_years": 3.0,
        "max_years": 8.0,
        "id": uuid.uuid4(),
        "latitude": 52.52,
        "longitude": 13.40,
        "timezone": "Europe/Berlin",
        "remote_policy": "hybrid",
        "salary_min": 65_000,
        "salary_max": 85_000,
        "company_size": "medium",
        "company_industry": "Software",
        "company_work_style": "collaborative",
    }
    values.update(overrides)
    return JobProfile(**values)


def random_talent(rng: np.random.Generator) -> TalentProfile:
    lat, lon, tz = CITIES[rng.integers(len(CITIES))]
    names = rng.choice(SKILLS, size=rng.integers(0, 8), replace=False)
    low = float(rng.integers(40, 120)) * 1000
    emb = rng.normal(size=384).astype(np.float32)
    return talent(
        skills=[
            SkillLevel(str(n), int(rng.integers(1, 6)), float(rng.integers(0, 10))) for n in names
        ],
        years_experience=float(rng.integers(0, 20)),
        seniority=str(rng.choice(LEVELS)),
        latitude=lat,
        longitude=lon,
        timezone=tz,
        remote_preference=str(rng.choice(["remote", "hybrid", "onsite", "any"])),
        salary_min=low,
        salary_max=low + 20_000,
        preferred_industries=["Software"] if rng.random() < 0.5 else [],
        embedding=emb / np.linalg.norm(emb),
    )


def random_job(rng: np.random.Generator) -> JobProfile:
    lat, lon, tz = CITIES[rng.integers(len(CITIES))]
    names = rng.choice(SKILLS, size=rng.integers(1, 6), replace=False)
    low = float(rng.integers(40, 120)) * 1000
    emb = rng.normal(size=384).astype(np.float32)
    return job(
        skills=[
            SkillLevel(str(n), int(rng.integers(1, 5)), 0.0, bool(rng.random() < 0.7))
            for n in names
        ],
        seniority=str(rng.choice(LEVELS)),
        min_years=float(rng.integers(0, 8)),
        latitude=lat,
        longitude=lon,
        timezone=tz,
        remote_policy=str(rng.choice(["remote", "hybrid", "onsite"])),
        salary_min=low,
        salary_max=low + 30_000,
        embedding=emb / np.linalg.norm(emb),
    )


@dataclass
class World:
    talents: TalentTable
    jobs: JobTable
    t_idx: np.ndarray
    j_idx: np.ndarray
    features: np.ndarray
    labels: np.ndarray


def hidden_label(x: np.ndarray) -> np.ndarray:
    """Ground truth the tiny model must learn: skills dominate, then seniority and salary."""
    from app.ml.features import FEATURE_INDEX as F

    score = (
        45 * x[:, F["required_skill_coverage"]]
        + 4 * np.minimum(x[:, F["shared_skills"]], 5)
        + 15 * (1 - np.minimum(x[:, F["experience_level_distance"]], 3) / 3)
        + 10 * np.where(x[:, F["salary_iou"]] < 0, 0.5, x[:, F["salary_iou"]])
        + 10 * x[:, F["remote_compatibility"]]
    )
    return np.clip(score, 0, 100)


def make_world(seed: int = 0, n_talents: int = 60, n_jobs: int = 40, pairs: int = 1500) -> World:
    rng = np.random.default_rng(seed)
    vocab = SkillVocab.of(SKILLS)
    talents = talent_table([random_talent(rng) for _ in range(n_talents)], vocab)
    jobs = job_table([random_job(rng) for _ in range(n_jobs)], vocab)
    t_idx = rng.integers(0, n_talents, pairs)
    j_idx = rng.integers(0, n_jobs, pairs)
    x = pair_features(talents, t_idx, jobs, j_idx)
    y = hidden_label(x) + rng.normal(0, 2, pairs)
    return World(talents, jobs, t_idx, j_idx, x, np.clip(y, 0, 100))


@pytest.fixture(scope="session")
def world() -> World:
    return make_world()


@pytest.fixture(scope="session")
def tiny_model(world: World) -> MatchingModel:
    split = int(len(world.labels) * 0.8)
    booster = fit_booster(
        world.features[:split],
        world.labels[:split],
        world.features[split:],
        world.labels[split:],
        num_boost_round=60,
    )
    model = MatchingModel(booster, ModelMetadata(version="v0.1-test"))
    model.metadata.category_scale = category_scale(model.contributions(world.features[:split]))
    return model
