from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from app.matching.explain import explain
from app.ml import fallback
from app.ml.features import FEATURE_INDEX


def test_fallback_contributions_add_up_and_scores_in_range(world):
    contribs = fallback.contributions(world.features)
    scores = fallback.scores(world.features)
    np.testing.assert_allclose(np.clip(contribs.sum(axis=1), 0, 100), scores)
    assert scores.min() >= 0
    assert scores.max() <= 100


def test_fallback_prefers_covered_required_skills(world):
    x = world.features[:100].copy()
    low, high = x.copy(), x.copy()
    low[:, FEATURE_INDEX["required_skill_coverage"]] = 0.0
    high[:, FEATURE_INDEX["required_skill_coverage"]] = 1.0
    assert (fallback.scores(high) > fallback.scores(low)).all()


def test_fallback_reads_text_similarity_when_nothing_else_differs(world):
    x = np.repeat(world.features[:1], 2, axis=0)
    x[:, FEATURE_INDEX["embedding_cosine"]] = [0.2, 0.7]
    low, high = fallback.scores(x)
    assert high > low


def test_fallback_ranks_better_than_random_on_the_hidden_rule(world):
    corr = np.corrcoef(fallback.scores(world.features), world.labels)[0, 1]
    assert corr > 0.6


@settings(max_examples=30, deadline=None)
@given(rows=st.lists(st.integers(0, 1499), min_size=1, max_size=10, unique=True))
def test_fallback_sub_scores_are_the_rule_goodness(world, rows):
    x = world.features[rows]
    contribs = fallback.contributions(x)
    pairs = [(world.talents, int(world.t_idx[r]), world.jobs, int(world.j_idx[r])) for r in rows]
    exps = explain(contribs, x, fallback.scores(x), fallback.CATEGORY_SCALE, pairs)
    for row, e in zip(x, exps, strict=True):
        cov = row[FEATURE_INDEX["required_skill_coverage"]]
        overlap = min(row[FEATURE_INDEX["shared_skills"]] / 5, 1.0)
        text = np.clip((row[FEATURE_INDEX["embedding_cosine"]] - 0.15) / 0.6, 0.0, 1.0)
        assert e.sub_scores["skills"] == round(100 * (0.3 * cov + 0.2 * overlap + 0.5 * text), 1)
        assert e.sub_scores["culture"] == 50.0
        assert all(0 <= v <= 100 for v in e.sub_scores.values())
