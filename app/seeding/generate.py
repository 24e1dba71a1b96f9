"""Generate a synthetic world as numpy column arrays (no database, no I/O).

Everything is drawn from one `np.random.default_rng(seed)` in a fixed order, so a seed names
one world exactly (ids included: uuids are made from the generator's bytes). Rows are
vectorised per table, so 100k talents take well under a second to draw.

Realism, briefly: jobs cluster in their company's occupation group; seniority and years follow
the O*NET job zone; salaries are the occupation's base x city multiplier x seniority; skills
come from the occupation's technology list with hot tools more likely and required first;
talents get most skills from their own occupation and a few from a sibling occupation.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from app.core.enums import CompanySize, RemotePolicy, RemotePreference, WorkStyle
from app.seeding.texts import TextBook, build_textbook
from app.seeding.vocab import Vocab, load_vocab

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

SENIORITY_YEARS_MIN = np.array([0.0, 0.5, 2.0, 5.0, 8.0, 11.0])
SENIORITY_YEARS_SPAN = np.array([1.0, 2.5, 3.0, 4.0, 6.0, 9.0])
SENIORITY_SALARY = np.array([0.45, 0.70, 1.00, 1.30, 1.55, 1.85])
# Years of experience at which a talent reaches each level (intern below 1 year).
SENIORITY_THRESHOLDS = np.array([1.0, 3.0, 6.0, 10.0, 15.0])
ZONE_MEAN_LEVEL = np.array([0.0, 1.0, 1.3, 1.8, 2.3, 2.7])
SKILL_SLOTS = 25


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_FIRST = _words(
    "Aisha Alejandro Amara Ana Anders Arjun Ayumi Beatriz Chen Chloe Daniel Dmitri Elena Emeka "
    "Fatima Felix Hana Hugo Ingrid Isabel Jamal Javier Jonas Kai Kavya Lars Leila Liam Lucia "
    "Malik Mariam Mateo Mei Mohammed Nadia Noah Olga Omar Priya Rafael Rosa Sanjay Sara Sofia "
    "Tariq Tomas Valentina Wei Yara Yusuf Zara Zoe"
)
_LAST = _words(
    "Adeyemi Andersson Bauer Becker Chen Costa Silva Dubois Fernandez Fischer Garcia Gupta "
    "Haddad Hansen Ivanova Jensen Kim Kowalski Kumar Larsen Lee Lopez Martin Meyer Moreau Muller "
    "Nakamura Nguyen Novak Okafor Olsen Park Patel Petrov Rahman Rossi Sato Schmidt Singh Smith "
    "Suzuki Tanaka Torres Wagner Wang Watanabe Weber Williams Yilmaz Zhang"
)
_COMPANY_A = _words(
    "Blue North Bright Silver Green Swift Iron Clear Bold Prime Open Deep True Red Quiet Vivid "
    "Rapid Solid Lucid Nimble"
)
_COMPANY_B = _words(
    "River Peak Harbor Forge Orbit Field Stone Lantern Signal Cedar Summit Atlas Delta Beacon "
    "Meadow Vector Pixel Anchor Bridge Canyon"
)
_COMPANY_C = _words("Labs Systems Group Works Health Partners Digital Analytics Industries Studio")


@dataclass(frozen=True)
class Companies:
    ids: list[uuid.UUID]
    owner_ids: list[uuid.UUID]
    names: list[str]
    group: list[str]
    industry: list[str]
    size: IntArray
    work_style: IntArray
    age_days: FloatArray


@dataclass(frozen=True)
class SkillRows:
    """One row per (owner, skill), sorted by owner."""

    owner: IntArray
    skill: IntArray
    level: IntArray  # proficiency (talents) or minimum proficiency (jobs)
    years: FloatArray  # talents only
    required: BoolArray  # jobs only

    def __len__(self) -> int:
        return int(self.owner.shape[0])


@dataclass(frozen=True)
class Jobs:
    ids: list[uuid.UUID]
    company: IntArray
    occupation: IntArray
    variant: IntArray
    seniority: IntArray
    min_years: FloatArray
    max_years: FloatArray  # nan = open-ended
    lat: FloatArray
    lon: FloatArray
    city: IntArray
    remote: IntArray  # index into RemotePolicy
    salary_min: IntArray
    salary_max: IntArray
    is_open: BoolArray
    age_days: FloatArray
    skills: SkillRows


@dataclass(frozen=True)
class Talents:
    ids: list[uuid.UUID]
    owner_ids: list[uuid.UUID]
    names: list[str]
    occupation: IntArray
    variant: IntArray
    years: FloatArray
    seniority: IntArray
    lat: FloatArray
    lon: FloatArray
    city: IntArray
    remote: IntArray  # index into RemotePreference
    salary_min: IntArray
    salary_max: IntArray
    pref_size: IntArray  # -1 = no preference
    pref_style: IntArray  # -1 = no preference
    pref_industries: list[list[str]]
    age_days: FloatArray
    skills: SkillRows


@dataclass(frozen=True)
class World:
    seed: int
    vocab: Vocab
    texts: TextBook
    companies: Companies
    jobs: Jobs
    talents: Talents


def uuids(rng: np.random.Generator, n: int) -> list[uuid.UUID]:
    """Version-4 uuids from the generator's bytes: a seed fixes every id."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    return [uuid.UUID(bytes=row.tobytes()) for row in raw]


def _occupation_skill_matrix(vocab: Vocab) -> IntArray:
    """(occupations, SKILL_SLOTS) skill indices in the vocabulary's order, padded with -1."""
    matrix = np.full((len(vocab.occupations), SKILL_SLOTS), -1, dtype=np.int64)
    for i, occ in enumerate(vocab.occupations):
        skills = occ.skills[:SKILL_SLOTS]
        matrix[i, : len(skills)] = skills
    return matrix


def _pick_skills(
    rng: np.random.Generator, lists: IntArray, occupation: IntArray, k: IntArray
) -> tuple[IntArray, IntArray, IntArray]:
    """k skills per row without replacement, earlier (hotter) skills more likely.

    Gumbel top-k over log rank weights: one vectorised draw for all rows.
    Returns (row index, skill index, position within the row's pick).
    """
    n = int(occupation.shape[0])
    slots = lists.shape[1]
    options = lists[occupation]
    logits = np.log(1.0 / (np.arange(slots) + 3.0))[None, :] + rng.gumbel(size=(n, slots))
    logits[options < 0] = -np.inf
    order = np.argsort(-logits, axis=1, kind="stable")
    available = (options >= 0).sum(axis=1)
    take = np.arange(slots)[None, :] < np.minimum(k, available)[:, None]
    rows = np.nonzero(take)[0]
    positions = np.nonzero(take)[1]
    skills = np.take_along_axis(options, order, axis=1)[take]
    return rows.astype(np.int64), skills.astype(np.int64), positions.astype(np.int64)


def group_buckets(keys: IntArray, n_keys: int) -> tuple[IntArray, IntArray, IntArray]:
    """Members sorted by key, with start and count per key, for O(1) sampling within a key."""
    order = np.argsort(keys, kind="stable")
    counts = np.bincount(keys, minlength=n_keys)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    return order.astype(np.int64), starts.astype(np.int64), counts.astype(np.int64)


def _sample_in_bucket(
    rng: np.random.Generator,
    key: IntArray,
    members: tuple[IntArray, IntArray, IntArray],
    fallback_size: int,
) -> IntArray:
    order, starts, counts = members
    count = counts[key]
    offset = np.floor(rng.random(key.shape[0]) * np.maximum(count, 1)).astype(np.int64)
    picked = order[np.minimum(starts[key] + offset, max(order.shape[0] - 1, 0))]
    random = rng.integers(0, max(fallback_size, 1), size=key.shape[0])
    return np.where(count > 0, picked, random)


def _jitter(rng: np.random.Generator, values: FloatArray, scale: float) -> FloatArray:
    return np.round(values + rng.normal(0.0, scale, size=values.shape[0]), 4)


def _salaries(
    rng: np.random.Generator, base: FloatArray, spread: tuple[float, float], sd: float
) -> tuple[IntArray, IntArray]:
    low = np.round(base * rng.lognormal(0.0, sd, size=base.shape[0]), -3)
    high = np.round(low * rng.uniform(*spread, size=base.shape[0]), -3)
    return low.astype(np.int64), np.maximum(high, low).astype(np.int64)


def _companies(rng: np.random.Generator, vocab: Vocab, n: int) -> Companies:
    groups = sorted(vocab.group_labels)
    occ_weights = vocab.occupation_weights()
    group_weight = np.array(
        [
            sum(w for o, w in zip(vocab.occupations, occ_weights, strict=True) if o.group == g)
            for g in groups
        ]
    )
    group_idx = rng.choice(len(groups), size=n, p=group_weight / group_weight.sum())
    industry_pick = rng.integers(0, 5, size=n)
    names_idx = np.stack(
        [rng.integers(0, len(part), size=n) for part in (_COMPANY_A, _COMPANY_B, _COMPANY_C)],
        axis=1,
    )
    seen: dict[str, int] = {}
    names = []
    for a, b, c in names_idx:
        name = f"{_COMPANY_A[a]} {_COMPANY_B[b]} {_COMPANY_C[c]}"
        seen[name] = seen.get(name, 0) + 1
        names.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    industries = []
    for g, pick in zip(group_idx, industry_pick, strict=True):
        options = vocab.group_industries[groups[g]]
        industries.append(options[pick % len(options)])
    return Companies(
        ids=uuids(rng, n),
        owner_ids=uuids(rng, n),
        names=names,
        group=[groups[g] for g in group_idx],
        industry=industries,
        size=rng.choice(len(CompanySize), size=n, p=[0.2, 0.25, 0.25, 0.2, 0.1]),
        work_style=rng.integers(0, len(WorkStyle), size=n),
        age_days=rng.uniform(200, 2000, size=n),
    )


def _jobs(
    rng: np.random.Generator, vocab: Vocab, companies: Companies, n: int, variants: int
) -> Jobs:
    n_occ = len(vocab.occupations)
    occ_weights = vocab.occupation_weights()
    # A few companies post most jobs (heavy tail), as on real boards.
    company_weight = rng.pareto(1.5, size=len(companies.ids)) + 1.0
    company = rng.choice(len(companies.ids), size=n, p=company_weight / company_weight.sum())
    any_occ = rng.choice(n_occ, size=n, p=occ_weights)
    group_codes = sorted(vocab.group_labels)
    occ_group = np.array([group_codes.index(o.group) for o in vocab.occupations])
    company_group = np.array([group_codes.index(g) for g in companies.group])
    in_group = _sample_in_bucket(
        rng, company_group[company], group_buckets(occ_group, len(group_codes)), n_occ
    )
    occupation = np.where(rng.random(n) < 0.65, in_group, any_occ)
    variant = rng.integers(0, variants, size=n)

    zone = np.array([o.job_zone for o in vocab.occupations])[occupation]
    level = np.clip(np.round(rng.normal(ZONE_MEAN_LEVEL[zone], 0.9)), 0, 5).astype(np.int64)
    min_years = np.round(SENIORITY_YEARS_MIN[level] + rng.uniform(0, 1.0, size=n) * (zone >= 5), 1)
    max_years = np.round(min_years + SENIORITY_YEARS_SPAN[level] * rng.uniform(0.8, 1.4, n), 1)
    max_years[rng.random(n) < 0.15] = np.nan

    city = rng.choice(len(vocab.cities), size=n, p=vocab.city_weights())
    lat = np.array([c.lat for c in vocab.cities])[city]
    lon = np.array([c.lon for c in vocab.cities])[city]
    multiplier = np.array([c.salary_multiplier for c in vocab.cities])[city]
    base = np.array([o.base_salary for o in vocab.occupations], dtype=np.float64)[occupation]
    salary_min, salary_max = _salaries(
        rng, base * multiplier * SENIORITY_SALARY[level], (1.15, 1.4), 0.08
    )

    n_required = rng.integers(3, 7, size=n)
    n_preferred = rng.integers(1, 4, size=n)
    rows, skills, position = _pick_skills(
        rng, _occupation_skill_matrix(vocab), occupation, n_required + n_preferred
    )
    required = position < n_required[rows]
    min_prof = np.where(
        required,
        np.clip(2 + (level[rows] >= 3) + (level[rows] >= 5) + rng.integers(0, 2, rows.size), 1, 5),
        2,
    )
    return Jobs(
        ids=uuids(rng, n),
        company=company.astype(np.int64),
        occupation=occupation.astype(np.int64),
        variant=variant.astype(np.int64),
        seniority=level,
        min_years=min_years,
        max_years=max_years,
        lat=_jitter(rng, lat, 0.03),
        lon=_jitter(rng, lon, 0.03),
        city=city.astype(np.int64),
        remote=rng.choice(len(RemotePolicy), size=n, p=[0.3, 0.4, 0.3]),
        salary_min=salary_min,
        salary_max=salary_max,
        is_open=rng.random(n) < 0.9,
        age_days=rng.uniform(0, 120, size=n),
        skills=SkillRows(
            owner=rows,
            skill=skills,
            level=min_prof.astype(np.int64),
            years=np.zeros(rows.size),
            required=required,
        ),
    )


def _talent_skills(
    rng: np.random.Generator,
    vocab: Vocab,
    occupation: IntArray,
    level: IntArray,
    years: FloatArray,
) -> SkillRows:
    n = int(occupation.shape[0])
    lists = _occupation_skill_matrix(vocab)
    own_rows, own_skills, own_pos = _pick_skills(
        rng, lists, occupation, rng.integers(5, 13, size=n)
    )
    group_codes = sorted(vocab.group_labels)
    occ_group = np.array([group_codes.index(o.group) for o in vocab.occupations])
    sibling = _sample_in_bucket(
        rng, occ_group[occupation], group_buckets(occ_group, len(group_codes)), len(occ_group)
    )
    extra_rows, extra_skills, _ = _pick_skills(rng, lists, sibling, rng.integers(0, 3, size=n))
    owner = np.concatenate([own_rows, extra_rows])
    skill = np.concatenate([own_skills, extra_skills])
    # Own-occupation skills come first, so a duplicate keeps its own-occupation row.
    base = np.concatenate(
        [2.0 + 0.45 * level[own_rows] - 0.05 * own_pos, 1.2 + 0.3 * level[extra_rows]]
    )
    keys = owner * len(vocab.skills) + skill
    _, first = np.unique(keys, return_index=True)
    first = np.sort(first)
    order = first[np.lexsort((skill[first], owner[first]))]
    owner, skill, base = owner[order], skill[order], base[order]
    proficiency = np.clip(np.round(base + rng.normal(0, 0.7, owner.size)), 1, 5).astype(np.int64)
    skill_years = np.round(years[owner] * rng.uniform(0.2, 1.0, owner.size), 1)
    return SkillRows(
        owner=owner,
        skill=skill,
        level=proficiency,
        years=skill_years,
        required=np.zeros(owner.size, dtype=np.bool_),
    )


def _talents(rng: np.random.Generator, vocab: Vocab, n: int, variants: int) -> Talents:
    occupation = rng.choice(len(vocab.occupations), size=n, p=vocab.occupation_weights())
    variant = rng.integers(0, variants, size=n)
    zone = np.array([o.job_zone for o in vocab.occupations])[occupation]
    years = np.asarray(
        np.round(np.clip(rng.gamma(2.0, 2.0 + 0.6 * zone, size=n), 0, 45), 1), np.float64
    )
    level = np.digitize(years + rng.normal(0, 0.8, size=n), SENIORITY_THRESHOLDS).astype(np.int64)

    city = rng.choice(len(vocab.cities), size=n, p=vocab.city_weights())
    lat = np.array([c.lat for c in vocab.cities])[city]
    lon = np.array([c.lon for c in vocab.cities])[city]
    multiplier = np.array([c.salary_multiplier for c in vocab.cities])[city]
    base = np.array([o.base_salary for o in vocab.occupations], dtype=np.float64)[occupation]
    salary_min, salary_max = _salaries(
        rng, 0.95 * base * multiplier * SENIORITY_SALARY[level], (1.1, 1.4), 0.15
    )

    pref_size = np.where(rng.random(n) < 0.7, rng.integers(0, len(CompanySize), size=n), -1).astype(
        np.int64
    )
    pref_style = np.where(rng.random(n) < 0.7, rng.integers(0, len(WorkStyle), size=n), -1).astype(
        np.int64
    )
    n_industries = rng.choice(3, size=n, p=[0.3, 0.4, 0.3])
    industry_start = rng.integers(0, 5, size=n)
    pref_industries = []
    for occ, k, start in zip(occupation, n_industries, industry_start, strict=True):
        options = vocab.group_industries[vocab.occupations[occ].group]
        pref_industries.append([options[(start + i) % len(options)] for i in range(k)])

    first = rng.integers(0, len(_FIRST), size=n)
    last = rng.integers(0, len(_LAST), size=n)
    names = [f"{_FIRST[a]} {_LAST[b]}" for a, b in zip(first, last, strict=True)]
    skills = _talent_skills(rng, vocab, occupation.astype(np.int64), level, years)
    return Talents(
        ids=uuids(rng, n),
        owner_ids=uuids(rng, n),
        names=names,
        occupation=occupation.astype(np.int64),
        variant=variant.astype(np.int64),
        years=years,
        seniority=level,
        lat=_jitter(rng, lat, 0.05),
        lon=_jitter(rng, lon, 0.05),
        city=city.astype(np.int64),
        remote=rng.choice(len(RemotePreference), size=n, p=[0.3, 0.3, 0.15, 0.25]),
        salary_min=salary_min,
        salary_max=salary_max,
        pref_size=pref_size,
        pref_style=pref_style,
        pref_industries=pref_industries,
        age_days=rng.uniform(0, 365, size=n),
        skills=skills,
    )


def generate_world(
    *,
    talents: int,
    jobs: int,
    companies: int | None = None,
    seed: int = 42,
    text_variants: int = 3,
    vocab: Vocab | None = None,
) -> World:
    """Draw a whole world; companies default to one per five jobs (at least one)."""
    if talents < 0 or jobs < 0:
        raise ValueError("talents and jobs must be >= 0")
    n_companies = max(1, jobs // 5) if companies is None else companies
    if n_companies < 1 and jobs > 0:
        raise ValueError("jobs need at least one company")
    vocab = vocab or load_vocab()
    rng = np.random.default_rng(seed)
    company_rows = _companies(rng, vocab, n_companies)
    return World(
        seed=seed,
        vocab=vocab,
        texts=build_textbook(vocab, text_variants),
        companies=company_rows,
        jobs=_jobs(rng, vocab, company_rows, jobs, text_variants),
        talents=_talents(rng, vocab, talents, text_variants),
    )
