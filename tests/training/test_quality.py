"""External quality benchmarks (app/training/quality.py) on the real shared data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.training import quality
from tests.conftest import SHARED_DATA
from tests.training.conftest import tiny_model

pytestmark = pytest.mark.skipif(
    not (SHARED_DATA / "onet").exists(), reason="the shared data folder is not beside the repo"
)


def test_a_perfect_ranking_scores_one_and_a_reversed_one_less():
    relevance = np.array([[2, 1, 0, 0], [0, 0, 1, 2]], dtype=np.int8)
    perfect = quality.ranking_metrics(relevance.astype(float), relevance)
    assert perfect == {"ndcg_at_10": 1.0, "mrr": 1.0}
    reversed_ = quality.ranking_metrics(-relevance.astype(float), relevance)
    assert reversed_["ndcg_at_10"] < 0.7
    assert reversed_["mrr"] == 0.25


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_ranking_metrics_stay_in_zero_one(seed):
    rng = np.random.default_rng(seed)
    relevance = rng.integers(0, 3, (5, 12)).astype(np.int8)
    metrics = quality.ranking_metrics(rng.random((5, 12)), relevance)
    assert all(0.0 <= v <= 1.0 for v in metrics.values())


def test_pairwise_accuracy_counts_ties_half():
    better = np.array([2.0, 1.0, 1.0, 0.0])
    worse = np.array([1.0, 1.0, 2.0, 0.0])
    assert quality.pairwise_accuracy(better, worse) == 0.5


def test_gate_refuses_a_model_that_loses_to_the_text_cosine():
    results = {
        "onet": {"model": {"ndcg_at_10": 0.70}, "minilm_cosine": {"ndcg_at_10": 0.75}},
        "rjdb": {"model": {"pairwise_accuracy": 0.9}, "minilm_cosine": {"pairwise_accuracy": 0.8}},
    }
    passed, reason = quality.gate(results)
    assert not passed
    assert "onet ndcg_at_10 0.7000 vs cosine 0.7500 (LOSES)" in reason
    results["onet"]["model"]["ndcg_at_10"] = 0.80
    assert quality.gate(results)[0]


def test_gate_says_when_it_could_not_run():
    passed, reason = quality.gate({})
    assert passed
    assert "not available" in reason


def test_onet_talents_and_jobs_share_no_title_or_task_sentence():
    data = quality.onet_ranking_set(SHARED_DATA / "onet", occupations=20)
    assert (data.relevance.max(axis=1) == 2).all()
    assert (data.relevance == 1).any()
    for t, title in enumerate(data.talents.titles):
        same = np.flatnonzero(data.relevance[t] == 2)
        talent_lines = {line.strip("- ") for line in data.talents.texts[t].splitlines()[2:-1]}
        for j in same:
            assert data.jobs.titles[j] != title
            job_lines = {line.strip("- ") for line in data.jobs.texts[j].splitlines()[3:-1]}
            assert not talent_lines & job_lines


def test_rjdb_reads_raw_text_only():
    data = quality.rjdb_pairwise_set(SHARED_DATA / "rjdb" / "pairs_dev.jsonl", limit=3)
    assert len(data.jobs.titles) == 3
    assert len(data.talents.texts) == 6
    assert all("Filtered-information" not in t for t in data.talents.texts)


def test_text_baselines_beat_random_and_the_gate_judges_a_real_model():
    data = quality.prepare(SHARED_DATA, occupations=12, rjdb_rows=12)
    results = quality.evaluate(data, tiny_model("v0.1"))
    onet, rjdb = results["onet"], results["rjdb"]
    assert set(onet) == {"model", "fallback", "minilm_cosine", "tfidf_cosine", "random"}
    assert onet["minilm_cosine"]["ndcg_at_10"] > onet["random"]["ndcg_at_10"] + 0.2
    assert onet["fallback"]["ndcg_at_10"] > onet["random"]["ndcg_at_10"] + 0.2
    assert rjdb["minilm_cosine"]["pairwise_accuracy"] > 0.5
    passed, reason = quality.gate(results)
    assert ("LOSES" in reason) != passed
