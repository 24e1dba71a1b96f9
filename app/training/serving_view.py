"""Labelled pairs as serving will see them, so no feature is an oracle at training time.

Every synthetic row carries its true O*NET code and every structured field, but real
requests do not: a raw-text payload has no code (or one the occupation model inferred, with
its real error rate), no location, salary or culture preferences. A model fitted only on
complete rows learns to lean on `occupation_match` and treats "unknown" as a value it has
never seen, so on real text it ranks worse than the text cosine it already contains.

`serving_view` therefore stacks the train rows with copies in which, per pair:
- the occupation is given (true), inferred (kept with the occupation model's measured top-1
  accuracy, else a sibling in the same SOC minor group or any other code) or missing;
- the skills are as the extractor reads them from text: each held skill found with the
  extractor's recall, plus the frequent, generic skills it also reports, at the default
  proficiency and required-ness a text implies;
- the context a text request does not state (location, salary, culture) is unknown.
The labels stay the same: the preference behind a pair does not change because a field was
not supplied or was read from text.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from app.ml.features import FEATURE_INDEX, FEATURES, NEUTRAL, UNKNOWN, pair_features
from app.ml.profiles import JobTable, SkillMatrix, TalentTable

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
SKILL_COLUMNS = np.array([i for i, f in enumerate(FEATURES) if f.category == "skills"], np.int64)
MINOR_GROUP_LEVEL = 1
"""Row of the (5, n) occupation prefix codes that holds the SOC minor group ("15-12")."""

UNSTATED_CONTEXT: dict[str, float] = {
    "distance_km": UNKNOWN,
    "timezone_overlap_hours": UNKNOWN,
    "salary_iou": UNKNOWN,
    "salary_expectation_ratio": UNKNOWN,
    "remote_compatibility": 1.0,
    "company_size_match": NEUTRAL,
    "industry_match": NEUTRAL,
    "work_style_match": NEUTRAL,
}
"""Feature values of a pair whose talent states no location, salary or preference
(`remote_preference="any"`), as `pair_features` computes them."""


@dataclass(frozen=True, slots=True)
class ServingMix:
    """How the copies are drawn; the shares are of the copied rows.

    `inferred_accuracy` and `sibling_share` follow the occupation model's measured accuracy on
    hand-labelled Dice postings (top-1 0.63, same minor group 0.71: a quarter of the misses
    are siblings; app/enrichment/data/occupation/occupation_model.json). A text request
    nearly always gets an inferred code, so a code is missing less often than inferred.
    `skill_recall` / `generic_skills` are assumptions about the extractor, not measurements."""

    copies: int = 2
    inferred_accuracy: float = 0.6
    sibling_share: float = 0.25
    missing_share: float = 0.15
    inferred_share: float = 0.5
    extracted_skills_share: float = 0.5
    skill_recall: float = 0.6
    generic_skills: float = 1.5
    generic_pool: int = 30
    unstated_context_share: float = 0.5
    seed: int = 11


def inferred_occupations(
    codes: npt.NDArray[np.int32], mix: ServingMix, rng: np.random.Generator
) -> npt.NDArray[np.int32]:
    """(5, n) prefix codes as an occupation model would infer them: each known code kept with
    probability `inferred_accuracy`, else another row's code from the same SOC minor group
    (`sibling_share` of the misses, when one exists) or any other row's code."""
    out = codes.copy()
    known = np.flatnonzero(codes[0] >= 0)
    if len(known) < 2:
        return out
    minor = codes[MINOR_GROUP_LEVEL]
    miss = known[rng.random(len(known)) >= mix.inferred_accuracy]
    for i in miss.tolist():
        siblings = known[(minor[known] == minor[i]) & (codes[-1][known] != codes[-1][i])]
        others = known[codes[-1][known] != codes[-1][i]]
        pool = siblings if len(siblings) and rng.random() < mix.sibling_share else others
        if not len(pool):
            continue
        out[:, i] = codes[:, int(pool[rng.integers(len(pool))])]
    return out


def extracted_skills(skills: SkillMatrix, mix: ServingMix, rng: np.random.Generator) -> SkillMatrix:
    """The skills an extractor would report from a profile's text: each entry kept with
    `skill_recall`, plus ~`generic_skills` of the table's most frequent skills per row; all
    at proficiency 3, 0 years, required (what a text without levels implies)."""
    n = len(skills.indptr) - 1
    rows = np.repeat(np.arange(n, dtype=np.int64), np.diff(skills.indptr))
    keep = rng.random(len(rows)) < mix.skill_recall
    frequent = np.argsort(-np.bincount(skills.indices, minlength=skills.n_columns))
    pool = frequent[: max(1, min(mix.generic_pool, skills.n_columns))]
    extra = rng.poisson(mix.generic_skills, n)
    extra_rows = np.repeat(np.arange(n, dtype=np.int64), extra)
    extra_cols = pool[rng.integers(len(pool), size=len(extra_rows))]
    pairs = np.unique(
        np.concatenate([rows[keep], extra_rows]) * skills.n_columns
        + np.concatenate([skills.indices[keep], extra_cols])
    )
    new_rows, cols = np.divmod(pairs, skills.n_columns)
    count = len(pairs)
    return SkillMatrix(
        indptr=np.concatenate([[0], np.cumsum(np.bincount(new_rows, minlength=n))]).astype(
            np.int64
        ),
        indices=cols.astype(np.int64),
        proficiency=np.full(count, 3.0),
        years=np.zeros(count),
        required=np.ones(count, dtype=np.bool_),
        n_columns=skills.n_columns,
    )


def serving_view(
    talents: TalentTable,
    t_idx: IntArray,
    jobs: JobTable,
    j_idx: IntArray,
    mix: ServingMix | None = None,
) -> tuple[FloatArray, IntArray]:
    """Features of the pairs followed by `mix.copies` serving-like copies; returns the stacked
    features and, per stacked row, the index of its pair (to repeat labels and groups)."""
    mix = mix or ServingMix()
    rng = np.random.default_rng(mix.seed)
    n = len(t_idx)
    exact = pair_features(talents, t_idx, jobs, j_idx)
    blocks, sources = [exact], [np.arange(n, dtype=np.int64)]
    occ = FEATURE_INDEX["occupation_match"]
    for _ in range(mix.copies):
        noisy = pair_features(
            replace(
                talents,
                skills=extracted_skills(talents.skills, mix, rng),
                occupation=inferred_occupations(talents.occupation, mix, rng),
            ),
            t_idx,
            replace(
                jobs,
                skills=extracted_skills(jobs.skills, mix, rng),
                occupation=inferred_occupations(jobs.occupation, mix, rng),
            ),
            j_idx,
        )
        copy = exact.copy()
        extracted = rng.random(n) < mix.extracted_skills_share
        copy[np.ix_(extracted, SKILL_COLUMNS)] = noisy[np.ix_(extracted, SKILL_COLUMNS)]
        state = rng.random(n)
        missing = state < mix.missing_share
        inferred = ~missing & (state < mix.missing_share + mix.inferred_share)
        copy[inferred, occ] = noisy[inferred, occ]
        copy[missing, occ] = UNKNOWN
        unstated = rng.random(n) < mix.unstated_context_share
        for name, value in UNSTATED_CONTEXT.items():
            copy[unstated, FEATURE_INDEX[name]] = value
        blocks.append(copy)
        sources.append(np.arange(n, dtype=np.int64))
    return np.concatenate(blocks), np.concatenate(sources)
