from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.matching import prefilter
from app.ml.features import (
    FEATURE_INDEX,
    FEATURE_NAMES,
    FEATURES,
    UNKNOWN,
    SkillIndex,
    chord_km,
    one_to_many,
    pair_features,
    skill_sums,
)
from app.ml.profiles import SkillVocab, job_table, pair_vocab, talent_table, unit_vectors
from app.ml.types import SkillLevel
from tests.matching.conftest import SKILLS, job, make_world, random_job, random_talent, talent


def features_of(t, j) -> dict[str, float]:
    vocab = pair_vocab(t, j)
    row = one_to_many(talent_table([t], vocab), job_table([j], vocab), [0])[0]
    return dict(zip(FEATURE_NAMES, row.tolist(), strict=True))


def test_registry_is_complete_and_unique():
    assert len(set(FEATURE_NAMES)) == len(FEATURES) == 22
    assert {f.category for f in FEATURES} == {
        "skills",
        "experience",
        "location",
        "salary",
        "culture",
        "text",
    }
    assert all(f.description and len(f.description) < 100 for f in FEATURES)


def test_skill_features_on_a_known_pair():
    t = talent(
        skills=[SkillLevel("Python", 4, 6.0), SkillLevel("SQL", 2, 1.0), SkillLevel("Go", 3, 2)]
    )
    j = job(
        skills=[
            SkillLevel("python", 3, 0, True),  # case-insensitive match
            SkillLevel("SQL", 4, 0, True),
            SkillLevel("Kubernetes", 3, 0, True),
            SkillLevel("Docker", 3, 0, False),
        ]
    )
    f = features_of(t, j)
    assert f["shared_skills"] == 2  # Go is the talent's own: it does not count against
    assert f["required_skill_coverage"] == pytest.approx(2 / 3)
    assert f["missing_required_skills"] == 1
    # Python meets its minimum (1.0); SQL is 2 levels short of 4 -> 1 - 2/4 = 0.5.
    assert f["skill_proficiency_alignment"] == pytest.approx(0.75)
    # min(6,5)/5 + min(1,5)/5 over 4 job skills.
    assert f["years_weighted_skill_score"] == pytest.approx((1.0 + 0.2) / 4)


@pytest.mark.parametrize(
    ("years", "expected"), [(0.0, 0.0), (6.5, 6.5), (15.0, 15.0), (32.0, 15.0)]
)
def test_experience_years_is_the_talents_depth_capped(years: float, expected: float) -> None:
    """The same for every job (unlike `years_ratio`, which stops growing once the minimum is
    met), so a job's candidates are told apart by how much experience they bring."""
    for min_years in (0, 3, 10):
        f = features_of(talent(years_experience=years), job(min_years=min_years))
        assert f["experience_years"] == expected


def test_empty_skills_give_defined_values():
    f = features_of(talent(skills=[]), job(skills=[]))
    assert f["shared_skills"] == 0.0
    assert f["required_skill_coverage"] == 1.0  # nothing required, nothing missing
    assert f["missing_required_skills"] == 0.0
    assert f["skill_proficiency_alignment"] == 0.0
    assert f["years_weighted_skill_score"] == 0.0
    f = features_of(talent(skills=[]), job())
    assert f["required_skill_coverage"] == 0.0
    assert f["missing_required_skills"] == 2.0


def test_experience_features():
    f = features_of(
        talent(seniority="junior", years_experience=1.0),
        job(seniority="senior", min_years=4.0, max_years=8.0),
    )
    assert f["experience_level_match"] == 0.0
    assert f["experience_level_distance"] == 2.0
    assert f["seniority_alignment"] == -2.0
    assert f["years_ratio"] == pytest.approx(0.25)
    assert f["underqualified_years"] == 3.0
    assert f["overqualified_years"] == 0.0
    f = features_of(talent(seniority="lead", years_experience=15.0), job(max_years=None))
    assert f["overqualified_years"] == 0.0  # no maximum set
    f = features_of(talent(seniority="lead", years_experience=15.0), job(max_years=8.0))
    assert f["overqualified_years"] == 7.0
    assert f["seniority_alignment"] == 2.0


def test_location_features_and_missing_location():
    f = features_of(
        talent(latitude=52.52, longitude=13.405, timezone="Europe/Berlin"),
        job(latitude=48.137, longitude=11.575, timezone="America/New_York", remote_policy="onsite"),
    )
    assert f["distance_km"] == pytest.approx(504, abs=3)
    assert f["timezone_overlap_hours"] == 2.0
    f = features_of(talent(latitude=None, longitude=None, timezone=None), job())
    assert f["distance_km"] == UNKNOWN
    assert f["timezone_overlap_hours"] == UNKNOWN
    f = features_of(talent(remote_preference="remote"), job(remote_policy="onsite"))
    assert f["remote_compatibility"] == 0.0
    f = features_of(talent(remote_preference="any"), job(remote_policy="onsite"))
    assert f["remote_compatibility"] == 1.0


def test_timezone_overlap_wraps_around_the_date_line():
    f = features_of(talent(timezone="Pacific/Auckland"), job(timezone="Pacific/Honolulu"))
    # Auckland +13 (January), Honolulu -10: 23 h apart one way, 1 h the other.
    assert f["timezone_overlap_hours"] == 7.0


def test_salary_features_and_no_salary():
    f = features_of(
        talent(salary_min=60_000, salary_max=80_000), job(salary_min=70_000, salary_max=90_000)
    )
    assert f["salary_iou"] == pytest.approx(10 / 30)
    assert f["salary_expectation_ratio"] == pytest.approx(60 / 90)
    f = features_of(talent(salary_min=None, salary_max=None), job())
    assert f["salary_iou"] == UNKNOWN
    assert f["salary_expectation_ratio"] == UNKNOWN
    f = features_of(talent(currency="EUR"), job(currency="USD"))
    assert f["salary_iou"] == UNKNOWN
    f = features_of(
        talent(salary_min=70_000, salary_max=None), job(salary_min=50_000, salary_max=90_000)
    )
    assert f["salary_iou"] == 0.0  # a single point inside a range has zero width
    f = features_of(
        talent(salary_min=70_000, salary_max=None), job(salary_min=70_000, salary_max=None)
    )
    assert f["salary_iou"] == 1.0


def test_culture_features():
    f = features_of(
        talent(
            preferred_company_size="medium",
            preferred_industries=["software"],
            preferred_work_style="async",
        ),
        job(company_size="medium", company_industry="Software", company_work_style="collaborative"),
    )
    assert (f["company_size_match"], f["industry_match"], f["work_style_match"]) == (1.0, 1.0, 0.0)
    f = features_of(talent(), job(company_size=None, company_industry=None))
    assert (f["company_size_match"], f["industry_match"], f["work_style_match"]) == (0.5, 0.5, 0.5)


def test_embedding_cosine_and_missing_embedding():
    e = np.zeros(384, np.float32)
    e[0] = 2.0
    g = np.zeros(384, np.float32)
    g[0], g[1] = 1.0, 1.0
    f = features_of(talent(embedding=e), job(embedding=g))
    assert f["embedding_cosine"] == pytest.approx(1 / math.sqrt(2), abs=1e-6)
    assert features_of(talent(embedding=None), job(embedding=g))["embedding_cosine"] == 0.0


def test_haversine_known_distance():
    london = unit_vectors(np.array([51.5074]), np.array([-0.1278]))
    new_york = unit_vectors(np.array([40.7128]), np.array([-74.006]))
    d = chord_km(london, new_york)
    assert d[0] == pytest.approx(5570, rel=0.01)


def test_batch_equals_one_pair_at_a_time_in_both_directions():
    w = make_world(seed=3, n_talents=12, n_jobs=9, pairs=80)
    batch = pair_features(w.talents, w.t_idx, w.jobs, w.j_idx)
    for i in range(0, 80, 7):
        single = pair_features(w.talents.take([w.t_idx[i]]), [0], w.jobs.take([w.j_idx[i]]), [0])
        np.testing.assert_allclose(batch[i], single[0])
    jobs_side = one_to_many(w.jobs.take([2]), w.talents, np.arange(12))
    np.testing.assert_allclose(jobs_side, pair_features(w.talents, np.arange(12), w.jobs, [2] * 12))


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), drop=st.sampled_from(["none", "location", "salary", "skills"]))
def test_features_are_finite_for_random_and_incomplete_profiles(seed, drop):
    rng = np.random.default_rng(seed)
    t, j = random_talent(rng), random_job(rng)
    if drop == "location":
        t.latitude = t.longitude = None
        j.timezone = None
    elif drop == "salary":
        t.salary_min = t.salary_max = None
    elif drop == "skills":
        t.skills = []
    vocab = SkillVocab.of(SKILLS)
    x = pair_features(talent_table([t], vocab), [0], job_table([j], vocab), [0])
    assert np.isfinite(x).all()
    assert 0.0 <= x[0, FEATURE_INDEX["required_skill_coverage"]] <= 1.0
    assert 0.0 <= x[0, FEATURE_INDEX["shared_skills"]] <= len(SKILLS)


def test_invalid_categorical_input_is_refused():
    with pytest.raises(ValueError, match="seniority"):
        talent_table([talent(seniority="wizard")], SkillVocab())
    with pytest.raises(ValueError, match="remote"):
        job_table([job(remote_policy="sometimes")], SkillVocab())


SKILL_FEATURES = sorted(prefilter.SKILL_FEATURES)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    weights=st.lists(st.floats(-50, 50), min_size=5, max_size=5),
    side=st.sampled_from(["job", "talent"]),
)
def test_skill_sums_give_the_pair_skill_features_and_their_weighted_sum(
    seed: int, weights: list[float], side: str
) -> None:
    """Stage 1's skill columns and its pre-filter score (features computed only where a
    skill is shared) must equal the pairwise features for every candidate."""
    world = make_world(seed=seed, n_talents=12, n_jobs=15, pairs=1)
    if side == "job":
        subject, candidates = world.talents.take([seed % 12]), world.jobs
    else:
        subject, candidates = world.jobs.take([seed % 15]), world.talents
    sums = skill_sums(subject, candidates, SkillIndex.of(candidates))
    rows = np.arange(len(candidates), dtype=np.int64)
    expected = one_to_many(subject, candidates, rows)
    columns = sums.columns(rows)
    for name in SKILL_FEATURES:
        np.testing.assert_allclose(columns[name], expected[:, FEATURE_INDEX[name]], atol=1e-12)
    linear = dict(zip(SKILL_FEATURES, weights, strict=True))
    want = expected[:, [FEATURE_INDEX[n] for n in SKILL_FEATURES]] @ np.asarray(weights)
    np.testing.assert_allclose(sums.linear_scores(linear), want, atol=1e-9)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), picks=st.lists(st.integers(0, 11), max_size=12, unique=True))
def test_talent_take_keeps_each_rows_industry_preferences(seed: int, picks: list[int]) -> None:
    """A sub-table's culture features equal the full table's for the same rows."""
    world = make_world(seed=seed, n_talents=12, n_jobs=6, pairs=1)
    rng = np.random.default_rng(seed)
    n_industries = 5
    keys = [
        t * world.talents.industry_key_stride + int(i)
        for t in range(12)
        for i in rng.choice(n_industries, rng.integers(0, 3), replace=False)
    ]
    talents = replace(
        world.talents,
        preferred_industry_keys=np.sort(np.asarray(keys, dtype=np.int64)),
        n_preferred_industries=np.bincount(
            np.asarray(keys, dtype=np.int64) // world.talents.industry_key_stride, minlength=12
        ).astype(np.int32),
    )
    jobs = replace(world.jobs, industry=rng.integers(-1, n_industries, 6).astype(np.int32))
    sub = talents.take(picks)
    assert np.all(np.diff(sub.preferred_industry_keys) > 0)
    col = FEATURE_INDEX["industry_match"]
    for j in range(6):
        subject = jobs.take([j])
        full = one_to_many(subject, talents, picks)[:, col]
        taken = one_to_many(subject, sub, range(len(picks)))[:, col]
        np.testing.assert_array_equal(taken, full)
