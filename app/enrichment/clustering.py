"""Clustering runs over job embeddings, versioned, named, and compared with the previous run.

Method: k-means on the L2-normalised MiniLM vectors (so Euclidean k-means is spherical /
cosine k-means), k chosen by silhouette over a small range. Chosen over HDBSCAN because every
job must get exactly one active assignment (no noise label to explain), and over agglomerative
clustering because it is O(n·k) per iteration instead of O(n²) memory; a fixed random_state
and n_init=10 keep reruns on unchanged data identical, which is what the stability numbers
measure. Names come from each cluster's top c-TF-IDF keywords of job titles and descriptions.

Stability between consecutive runs, over the jobs present in both: the adjusted Rand index
(label-permutation invariant) and the share of jobs whose cluster changed after matching old
to new clusters one-to-one (Hungarian assignment on the contingency table).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from app.db.enrichment_models import ClusterRun, JobClusterAssignment
from app.enrichment import repository
from app.enrichment.config import get_model_registry
from app.logging import get_logger

log = get_logger(__name__)
TOP_KEYWORDS = 8
_TERM_PATTERN = r"(?u)\b[a-zA-Z][a-zA-Z0-9+#.]{1,}\b"


@dataclass
class ClusterInfo:
    cluster_id: int
    name: str
    keywords: list[tuple[str, float]]
    size: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "cluster_id": self.cluster_id,
            "name": self.name,
            "keywords": [{"term": t, "score": round(s, 4)} for t, s in self.keywords],
            "size": self.size,
        }


@dataclass
class Clustering:
    labels: npt.NDArray[np.int64]
    clusters: list[ClusterInfo]
    k: int
    silhouette: float | None


@dataclass(frozen=True)
class Stability:
    adjusted_rand_index: float
    changed_share: float
    common_jobs: int


def choose_k_and_fit(
    vectors: npt.NDArray[np.float32], k_min: int, k_max: int, random_state: int
) -> tuple[npt.NDArray[np.int64], float | None]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = len(vectors)
    if n < 3:
        return np.zeros(n, dtype=np.int64), None
    best: tuple[float, npt.NDArray[np.int64]] | None = None
    for k in range(max(2, k_min), min(k_max, n - 1) + 1):
        labels = KMeans(n_clusters=k, n_init=10, random_state=random_state).fit_predict(vectors)
        if len(set(labels.tolist())) < 2:
            continue
        score = float(silhouette_score(vectors, labels, metric="cosine"))
        if best is None or score > best[0]:
            best = (score, labels.astype(np.int64))
    if best is None:
        return np.zeros(n, dtype=np.int64), None
    return best[1], best[0]


def _distinctive_terms(
    texts: Sequence[str], labels: npt.NDArray[np.int64], min_df: int
) -> dict[int, list[tuple[str, float]]]:
    """Per cluster, terms whose mean TF-IDF in the cluster most exceeds their overall mean."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = sorted(set(labels.tolist()))
    vectorizer = TfidfVectorizer(
        stop_words="english",
        ngram_range=(1, 2),
        min_df=min(min_df, len(texts)),
        max_df=0.6 if len(texts) >= 10 else 1.0,
        sublinear_tf=True,
        token_pattern=_TERM_PATTERN,
    )
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:
        return {c: [] for c in ids}
    terms = vectorizer.get_feature_names_out()
    overall = np.asarray(matrix.mean(axis=0)).ravel()
    out: dict[int, list[tuple[str, float]]] = {}
    for cluster_id in ids:
        inside = np.asarray(matrix[labels == cluster_id].mean(axis=0)).ravel()
        lift = inside - overall
        keywords: list[tuple[str, float]] = []
        for i in np.argsort(-lift)[: TOP_KEYWORDS * 3]:
            term = str(terms[i])
            if lift[i] <= 0 or any(term in kept or kept in term for kept, _ in keywords):
                continue
            keywords.append((term, float(lift[i])))
            if len(keywords) == TOP_KEYWORDS:
                break
        out[cluster_id] = keywords
    return out


def name_clusters(
    texts: Sequence[str], titles: Sequence[str], labels: npt.NDArray[np.int64]
) -> list[ClusterInfo]:
    """Names from the most distinctive title terms, keywords from the full texts."""
    keywords = _distinctive_terms(texts, labels, min_df=2)
    title_terms = _distinctive_terms(titles, labels, min_df=1)
    out: list[ClusterInfo] = []
    for cluster_id in sorted(set(labels.tolist())):
        naming = title_terms.get(cluster_id) or keywords.get(cluster_id) or []
        name = " / ".join(t for t, _ in naming[:3]) or f"cluster {cluster_id}"
        size = int((labels == cluster_id).sum())
        out.append(ClusterInfo(cluster_id, name[:200], keywords.get(cluster_id, []), size))
    return out


def cluster_vectors(
    vectors: npt.NDArray[np.float32],
    texts: Sequence[str],
    titles: Sequence[str] | None = None,
    *,
    k_min: int = 2,
    k_max: int = 12,
    random_state: int = 7,
) -> Clustering:
    labels, silhouette = choose_k_and_fit(vectors, k_min, k_max, random_state)
    clusters = name_clusters(texts, titles if titles is not None else texts, labels)
    return Clustering(labels, clusters, len(clusters), silhouette)


def stability(previous: dict[uuid.UUID, int], current: dict[uuid.UUID, int]) -> Stability | None:
    from scipy.optimize import linear_sum_assignment  # type: ignore[import-untyped]
    from sklearn.metrics import adjusted_rand_score

    common = [j for j in current if j in previous]
    if not common:
        return None
    old = np.asarray([previous[j] for j in common])
    new = np.asarray([current[j] for j in common])
    ari = float(adjusted_rand_score(old, new))
    old_ids, new_ids = sorted(set(old.tolist())), sorted(set(new.tolist()))
    table = np.zeros((len(old_ids), len(new_ids)), dtype=np.int64)
    for o, c in zip(old, new, strict=True):
        table[old_ids.index(int(o)), new_ids.index(int(c))] += 1
    rows, cols = linear_sum_assignment(-table)
    mapping = {new_ids[c]: old_ids[r] for r, c in zip(rows, cols, strict=True)}
    changed = sum(1 for o, c in zip(old, new, strict=True) if mapping.get(int(c)) != int(o))
    return Stability(ari, changed / len(common), len(common))


def _job_texts(session: Session, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, tuple[str, str]]:
    """Title and title-plus-description per job: the names come from titles, the keywords
    from both."""
    rows = repository.job_titles_and_descriptions(session, ids)
    return {
        job_id: (title, f"{title}. {description}") for job_id, (title, description) in rows.items()
    }


def run_clustering(
    session: Session,
    *,
    status: str | None = "open",
    k_min: int | None = None,
    k_max: int | None = None,
    progress: bool = False,
) -> ClusterRun:
    """Cluster the jobs, store the run and its assignments, make them the active ones."""
    from app.ml.embeddings import ensure_embeddings, load_embedding_matrix

    entry = get_model_registry().entry("clustering")
    params = entry.params
    job_ids = repository.job_ids_to_cluster(session, status)
    if len(job_ids) < 2:
        raise ValueError(f"need at least 2 jobs to cluster, found {len(job_ids)}")
    ensure_embeddings(session, "job", job_ids, progress=progress)
    ids, matrix = load_embedding_matrix(session, "job", job_ids)
    texts_by_id = _job_texts(session, ids)
    result = cluster_vectors(
        matrix,
        [texts_by_id[i][1] for i in ids],
        [texts_by_id[i][0] for i in ids],
        k_min=k_min or int(params.get("k_min", 2)),
        k_max=k_max or int(params.get("k_max", 12)),
        random_state=int(params.get("random_state", 7)),
    )
    return store_run(session, ids, result, cluster_model_id=entry.version)


def store_run(
    session: Session,
    job_ids: Sequence[uuid.UUID],
    result: Clustering,
    *,
    cluster_model_id: str,
    params: dict[str, Any] | None = None,
) -> ClusterRun:
    previous = repository.latest_cluster_run(session)
    previous_labels = {} if previous is None else repository.cluster_labels(session, previous.id)
    current = {j: int(lb) for j, lb in zip(job_ids, result.labels, strict=True)}
    stab = stability(previous_labels, current) if previous_labels else None
    run = ClusterRun(
        cluster_model_id=cluster_model_id,
        cluster_version=(previous.cluster_version + 1) if previous else 1,
        n_clusters=result.k,
        n_jobs=len(job_ids),
        clusters=[c.as_dict() for c in result.clusters],
        previous_run_id=previous.id if previous else None,
        adjusted_rand_index=stab.adjusted_rand_index if stab else None,
        changed_share=stab.changed_share if stab else None,
        params={"silhouette": result.silhouette, **(params or {})},
    )
    repository.add_cluster_run(session, run)
    names = {c.cluster_id: c.name for c in result.clusters}
    repository.replace_active_assignments(
        session,
        [
            JobClusterAssignment(
                job_id=job_id,
                cluster_run_id=run.id,
                cluster_model_id=cluster_model_id,
                cluster_version=run.cluster_version,
                cluster_id=label,
                cluster_name=names[label],
                is_active=True,
            )
            for job_id, label in current.items()
        ],
    )
    log.info(
        "cluster_run_stored",
        run_id=str(run.id),
        k=run.n_clusters,
        jobs=run.n_jobs,
        ari=run.adjusted_rand_index,
        changed_share=run.changed_share,
    )
    return run
