"""The packaged vocabulary the generator draws from (derived from O*NET; see data/NOTICE.txt).

It is read from inside the package, so seeding works without ../shared/data.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Occupation:
    code: str
    title: str
    group: str
    alt_titles: tuple[str, ...]
    job_zone: int
    weight: float
    base_salary: int
    skills: tuple[int, ...]
    tasks: tuple[str, ...]

    @property
    def minor_group(self) -> str:
        """'15-1252.00' -> '15-12': occupations sharing it are close relatives."""
        return self.code[:5]


@dataclass(frozen=True, slots=True)
class City:
    name: str
    country: str
    lat: float
    lon: float
    timezone: str
    utc_offset: float
    salary_multiplier: float
    weight: float


@dataclass(frozen=True, slots=True)
class SkillEntry:
    name: str
    category: str
    hot: bool


@dataclass(frozen=True)
class Vocab:
    attribution: str
    skills: tuple[SkillEntry, ...]
    occupations: tuple[Occupation, ...]
    cities: tuple[City, ...]
    group_labels: dict[str, str]
    group_industries: dict[str, tuple[str, ...]]

    @property
    def industries(self) -> tuple[str, ...]:
        seen = dict.fromkeys(i for inds in self.group_industries.values() for i in inds)
        return tuple(seen)

    def occupation_weights(self) -> FloatArray:
        weights = np.array([o.weight for o in self.occupations], dtype=np.float64)
        return np.asarray(weights / weights.sum(), dtype=np.float64)

    def city_weights(self) -> FloatArray:
        weights = np.array([c.weight for c in self.cities], dtype=np.float64)
        return np.asarray(weights / weights.sum(), dtype=np.float64)


def _parse(raw: dict[str, Any]) -> Vocab:
    return Vocab(
        attribution=raw["attribution"],
        skills=tuple(SkillEntry(s["name"], s["category"], bool(s["hot"])) for s in raw["skills"]),
        occupations=tuple(
            Occupation(
                code=o["code"],
                title=o["title"],
                group=o["group"],
                alt_titles=tuple(o["alt_titles"]) or (o["title"],),
                job_zone=int(o["job_zone"]),
                weight=float(o["weight"]),
                base_salary=int(o["base_salary"]),
                skills=tuple(int(i) for i in o["skills"]),
                tasks=tuple(o["tasks"]),
            )
            for o in raw["occupations"]
        ),
        cities=tuple(City(**c) for c in raw["cities"]),
        group_labels={g: v["label"] for g, v in raw["groups"].items()},
        group_industries={g: tuple(v["industries"]) for g, v in raw["groups"].items()},
    )


@lru_cache(maxsize=1)
def load_vocab() -> Vocab:
    blob = files("app.seeding").joinpath("data/vocab.json.gz").read_bytes()
    return _parse(json.loads(gzip.decompress(blob)))
