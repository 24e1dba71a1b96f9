from __future__ import annotations

import uuid

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db.enrichment_models import ClusterRun, JobClusterAssignment
from app.enrichment.clustering import cluster_vectors, run_clustering, stability, store_run
from tests.factories import make_job


def blobs(n_per: int = 6, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.eye(3, 16, dtype=np.float32) * 5
    points = np.concatenate([c + rng.normal(0, 0.3, (n_per, 16)) for c in centres])
    return (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)


TEXTS = (
    ["Java developer Spring microservices"] * 6
    + ["Nurse practitioner clinic patient care"] * 6
    + ["Accountant ledger audit tax"] * 6
)
TITLES = ["Java Developer"] * 6 + ["Clinic Nurse"] * 6 + ["Tax Accountant"] * 6


def test_separated_groups_become_named_clusters() -> None:
    result = cluster_vectors(blobs(), TEXTS, TITLES, k_min=2, k_max=5)
    assert result.k == 3
    assert sorted(c.size for c in result.clusters) == [6, 6, 6]
    names = " ".join(c.name for c in result.clusters)
    for word in ("java", "nurse", "accountant"):
        assert word in names
    assert all(c.keywords for c in result.clusters)


@given(st.lists(st.integers(0, 3), min_size=2, max_size=40), st.permutations(range(4)))
def test_stability_ignores_label_names(labels: list[int], perm: list[int]) -> None:
    ids = [uuid.UUID(int=i) for i in range(len(labels))]
    before = dict(zip(ids, labels, strict=True))
    after = {j: perm[lb] for j, lb in before.items()}
    result = stability(before, after)
    assert result is not None
    assert result.changed_share == 0.0
    assert result.adjusted_rand_index == pytest.approx(1.0) or len(set(labels)) == 1


def test_stability_counts_moved_jobs() -> None:
    ids = [uuid.UUID(int=i) for i in range(6)]
    before = dict(zip(ids, [0, 0, 0, 1, 1, 1], strict=True))
    after = dict(zip(ids, [5, 5, 7, 7, 7, 7], strict=True))
    result = stability(before, after)
    assert result is not None
    assert result.changed_share == pytest.approx(1 / 6)
    assert result.adjusted_rand_index < 1.0


def test_runs_are_versioned_with_one_active_assignment_per_job(session: Session) -> None:
    jobs = [make_job(session, title=TITLES[i], description=TEXTS[i]) for i in range(18)]
    session.commit()
    ids = [j.id for j in jobs]
    first = store_run(session, ids, cluster_vectors(blobs(), TEXTS, TITLES), cluster_model_id="m")
    session.commit()
    assert first.cluster_version == 1
    assert first.adjusted_rand_index is None
    second = store_run(
        session, ids, cluster_vectors(blobs(seed=1), TEXTS, TITLES), cluster_model_id="m"
    )
    session.commit()
    assert second.cluster_version == 2
    assert second.previous_run_id == first.id
    assert second.adjusted_rand_index == pytest.approx(1.0)
    assert second.changed_share == 0.0
    active = session.execute(
        select(JobClusterAssignment.job_id, func.count())
        .where(JobClusterAssignment.is_active.is_(True))
        .group_by(JobClusterAssignment.job_id)
    ).all()
    assert len(active) == 18
    assert all(n == 1 for _, n in active)
    assert all(
        run == second.id
        for run in session.scalars(
            select(JobClusterAssignment.cluster_run_id).where(JobClusterAssignment.is_active)
        )
    )


def test_database_refuses_a_second_active_assignment(session: Session) -> None:
    job = make_job(session)
    run = ClusterRun(cluster_model_id="m", cluster_version=1, n_clusters=1, n_jobs=1)
    other = ClusterRun(cluster_model_id="m", cluster_version=2, n_clusters=1, n_jobs=1)
    session.add_all([run, other])
    session.flush()
    common = {"job_id": job.id, "cluster_model_id": "m", "cluster_id": 0, "cluster_name": "x"}
    session.add(JobClusterAssignment(cluster_run_id=run.id, cluster_version=1, **common))
    session.flush()
    session.add(JobClusterAssignment(cluster_run_id=other.id, cluster_version=2, **common))
    with pytest.raises(IntegrityError):
        session.flush()
    session.rollback()


@pytest.mark.slow
def test_run_clustering_on_real_embeddings(session: Session) -> None:
    for i in range(9):
        make_job(session, title=TITLES[i * 2], description=TEXTS[i * 2] + f" number {i}")
    session.commit()
    run = run_clustering(session, k_min=2, k_max=4)
    session.commit()
    assert run.n_jobs == 9
    assert 2 <= run.n_clusters <= 4
    again = run_clustering(session, k_min=2, k_max=4)
    session.commit()
    assert again.adjusted_rand_index == pytest.approx(1.0)
    assert again.changed_share == 0.0
