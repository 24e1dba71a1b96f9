from __future__ import annotations

import numpy as np
import pytest
import shap
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.enums import FactorEffect
from app.matching.explain import PairView, describe, effect_of, explain, wording
from app.ml import fallback
from app.ml.features import FEATURE_NAMES, one_to_many
from app.ml.profiles import job_table, pair_vocab, talent_table
from app.ml.sub_scores import SUB_SCORE_CATEGORIES
from app.ml.types import SkillLevel
from tests.matching.conftest import job, talent


def test_pred_contrib_equals_shap_tree_explainer(tiny_model, world):
    x = world.features[:50]
    ours = tiny_model.contributions(x)
    explainer = shap.TreeExplainer(tiny_model.booster_)
    theirs = explainer.shap_values(x)
    np.testing.assert_allclose(ours[:, :-1], theirs, atol=1e-6)
    np.testing.assert_allclose(ours[:, -1], explainer.expected_value, atol=1e-6)


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.integers(0, 1499), min_size=1, max_size=15, unique=True))
def test_base_plus_contributions_is_raw_output_and_scores_in_range(tiny_model, world, rows):
    x = world.features[rows]
    contribs = tiny_model.contributions(x)
    np.testing.assert_allclose(contribs.sum(axis=1), tiny_model.raw(x), atol=1e-6)
    scores = tiny_model.predict(x)
    pairs = [(world.talents, int(world.t_idx[r]), world.jobs, int(world.j_idx[r])) for r in rows]
    explanations = explain(contribs, x, scores, tiny_model.metadata.category_scale, pairs)
    for e in explanations:
        assert set(e.sub_scores) == set(SUB_SCORE_CATEGORIES)
        assert all(0.0 <= v <= 100.0 for v in e.sub_scores.values())
        assert len(e.top_factors) == 3
        impacts = [abs(f.impact) for f in e.top_factors]
        assert impacts == sorted(impacts, reverse=True)
        assert all(f.description for f in e.top_factors)
    assert ((scores >= 0) & (scores <= 100)).all()


def view_of(t, j):
    vocab = pair_vocab(t, j)
    tt, jt = talent_table([t], vocab), job_table([j], vocab)
    x = one_to_many(tt, jt, [0])[0]
    return PairView(tt, 0, jt, 0), dict(zip(FEATURE_NAMES, x.tolist(), strict=True))


def test_sentences_name_the_skills():
    t = talent(skills=[SkillLevel(n, 4, 3) for n in ["Python", "SQL", "Docker", "AWS"]])
    j = job(
        skills=[SkillLevel(n, 3, 0, True) for n in ["Python", "SQL", "Docker", "AWS", "Kubernetes"]]
    )
    view, f = view_of(t, j)
    assert describe("required_skill_coverage", f["required_skill_coverage"], view, 2.0).text == (
        "Covers 4 of 5 required skills (missing: Kubernetes)"
    )
    assert describe("required_skill_coverage", f["required_skill_coverage"], view, -2.0).text == (
        "Covers only 4 of 5 required skills (missing: Kubernetes)"
    )
    assert "Kubernetes" in describe("missing_required_skills", 1.0, view, -1.0).text
    assert describe("shared_skills", f["shared_skills"], view, 1.0).text == (
        "Has 4 of the 5 skills the job lists (AWS, Docker, Python, SQL)"
    )
    assert describe("shared_skills", f["shared_skills"], view, -1.0).text.startswith(
        "Has only 4 of the 5"
    )


@pytest.mark.parametrize(
    ("feature", "t_kw", "j_kw", "expected"),
    [
        ("distance_km", {"latitude": None}, {}, "Location unknown for the talent or the job"),
        ("salary_iou", {"salary_min": None, "salary_max": None}, {}, "Salary unknown"),
        ("salary_iou", {"currency": "EUR"}, {}, "different currencies"),
        ("seniority_alignment", {"seniority": "senior"}, {"seniority": "mid"}, "1 level above"),
        ("underqualified_years", {"years_experience": 1.0}, {"min_years": 4.0}, "3 years short"),
        (
            "remote_compatibility",
            {"remote_preference": "remote"},
            {"remote_policy": "onsite"},
            "Prefers remote work but the job is onsite",
        ),
        ("embedding_cosine", {}, {}, "No profile or job text"),
        (
            "occupation_match",
            {"occupation_code": "15-1252.00"},
            {"occupation_code": "15-1211.00"},
            "Only the same minor occupation group as the job (not the same occupation)",
        ),
        ("occupation_match", {}, {}, "Occupation unknown"),
        (
            "company_size_match",
            {"preferred_company_size": "startup"},
            {"company_size": "large"},
            "Prefers a startup company size",
        ),
    ],
)
def test_sentences_for_missing_and_mismatched_inputs(feature, t_kw, j_kw, expected):
    view, f = view_of(talent(**t_kw), job(**j_kw))
    assert expected in describe(feature, f[feature], view, -1.0).text


def test_a_partial_occupation_match_says_why_it_raises_or_lowers():
    view, f = view_of(talent(occupation_code="15-1252.00"), job(occupation_code="15-2031.00"))
    assert f["occupation_match"] == 1.0
    lowers = describe("occupation_match", 1.0, view, -5.3)
    assert lowers.effect is FactorEffect.LOWERS
    assert lowers.text == (
        "Only the same major occupation group as the job (not the same occupation)"
    )
    raises = describe("occupation_match", 1.0, view, 5.3)
    assert raises.effect is FactorEffect.RAISES
    assert raises.text == "Same major occupation group as the job"
    assert describe("occupation_match", 1.0, view, 0.0).effect is FactorEffect.NEUTRAL


def _template_sets(world, row, x) -> tuple[set[str], set[str]]:
    """Every "raises" and every "lowers" sentence any feature of this pair can get."""
    view = PairView(world.talents, int(world.t_idx[row]), world.jobs, int(world.j_idx[row]))
    words = [wording(name, float(v), view) for name, v in zip(FEATURE_NAMES, x, strict=True)]
    return {w.raises for w in words}, {w.lowers for w in words}


@settings(max_examples=60, deadline=None)
@given(
    rows=st.lists(st.integers(0, 1499), min_size=1, max_size=10, unique=True),
    use_fallback=st.booleans(),
)
def test_sentence_wording_agrees_with_the_sign_of_the_contribution(
    tiny_model, world, rows, use_fallback
):
    """Rule: a factor whose shown impact is > 0 gets its feature's `raises` sentence, < 0 its
    `lowers` sentence; the two sets of a pair never share a sentence, so a negative factor
    never reads like a strength (and the other way round), for the model and the fallback."""
    x = world.features[rows]
    contribs = fallback.contributions(x) if use_fallback else tiny_model.contributions(x)
    scale = fallback.CATEGORY_SCALE if use_fallback else tiny_model.metadata.category_scale
    scores = contribs.sum(axis=1).clip(0, 100)
    pairs = [(world.talents, int(world.t_idx[r]), world.jobs, int(world.j_idx[r])) for r in rows]
    for row, feats, e in zip(rows, x, explain(contribs, x, scores, scale, pairs), strict=True):
        raises, lowers = _template_sets(world, row, feats)
        assert not raises & lowers
        for factor in e.top_factors:
            if factor.impact < 0:
                assert factor.description in lowers
                assert factor.description not in raises
            elif factor.impact > 0:
                assert factor.description in raises
                assert factor.description not in lowers


@settings(max_examples=30, deadline=None)
@given(row=st.integers(0, 1499), impact=st.floats(-50, 50, allow_nan=False))
def test_every_feature_words_each_direction_differently(world, row, impact):
    view = PairView(world.talents, int(world.t_idx[row]), world.jobs, int(world.j_idx[row]))
    for name, value in zip(FEATURE_NAMES, world.features[row].tolist(), strict=True):
        sentence = describe(name, value, view, impact)
        assert sentence.effect is effect_of(impact)
        opposite = describe(name, value, view, -impact)
        if impact != 0:
            assert sentence.text != opposite.text


@pytest.mark.parametrize(
    ("years", "text"),
    [
        (0.0, "No work experience stated"),
        (7.0, "7 years of work experience"),
        (21.0, "15+ years of work experience"),
    ],
)
def test_experience_years_sentence(years: float, text: str) -> None:
    view, f = view_of(talent(years_experience=years), job())
    assert describe("experience_years", f["experience_years"], view, 1.0).text.startswith(text)
