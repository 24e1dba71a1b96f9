"""External quality benchmarks: does the ranker beat the plain baselines of its own inputs?

The synthetic world cannot judge the model (it generated the labels the model learned), so
every model claim is measured here on text this repository did not write, from raw text only,
side by side with the simplest baselines of the same inputs:

- **onet** (ranking): talents and jobs written from *disjoint* halves of each occupation's
  O*NET titles and task statements (no sentence is shared), each with tools drawn on its own
  from the occupation's technology skills (two people in one occupation may share a tool, as
  in life; disjoint tool halves would make sharing a tool a sign of *another* occupation);
  every talent ranks every job;
  relevance 2 for the same occupation, 1 for the same SOC minor group ("15-12"), else 0;
  NDCG@10 and MRR (first relevance-2 job). Requests carry no occupation codes.
- **rjdb** (pairwise): a job description, its matched résumé and the résumé's weakened twin;
  accuracy of score(job, matched) > score(job, unmatched), ties count half. The listed
  skills and what was removed are labels and are never read.

Scorers: the model, the rule fallback, MiniLM cosine of the same texts, TF-IDF cosine of the
same texts and a random ranking. Profiles come from `app.enrichment.zero_shot`, the same code
that serves raw-text requests.
"""

from __future__ import annotations

import csv
import json
import threading
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn.feature_extraction.text import TfidfVectorizer

from app.enrichment.service import get_enricher
from app.enrichment.zero_shot import job_profiles, talent_profiles
from app.ml import fallback
from app.ml.embeddings import get_embedder
from app.ml.features import FEATURE_INDEX, pair_features
from app.ml.matcher import MatchingModel
from app.ml.profiles import SkillVocab, job_table, talent_table
from app.settings import Settings

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Scorer = Callable[[FloatArray], FloatArray]

NDCG_K = 10
RANDOM_DRAWS = 20
BASELINES = ("fallback", "minilm_cosine", "tfidf_cosine", "random")


@dataclass(frozen=True, slots=True)
class Side:
    """One side of a benchmark: a title/headline and a body text per row."""

    titles: list[str]
    texts: list[str]


@dataclass(frozen=True, slots=True)
class RankingSet:
    """Every talent ranks every job; `relevance[t, j]` in {0, 1, 2}."""

    talents: Side
    jobs: Side
    relevance: npt.NDArray[np.int8]


@dataclass(frozen=True, slots=True)
class PairwiseSet:
    """Row i: job i against talents 2i (the better one) and 2i+1 (the weaker one)."""

    jobs: Side
    talents: Side


def _read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def _group(rows: list[dict[str, str]], column: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        value = row[column].strip()
        if value and value not in out[row["O*NET-SOC Code"]]:
            out[row["O*NET-SOC Code"]].append(value)
    return out


_JOB_OPENERS = (
    "{title}\nWe are looking for a {title} to join our team.",
    "{title}\nAbout the role: as our new {title} you will work with a small, friendly team.",
    "{title}\nOur client is hiring a {title}.",
)
_TALENT_OPENERS = (
    "{title}\nSummary: {title} with several years in the field.",
    "{title}\nProfile: experienced {title}, open to new opportunities.",
    "{title}\nI work as a {title}.",
)


def _job_text(rng: np.random.Generator, title: str, tasks: list[str], tools: list[str]) -> str:
    opener = _JOB_OPENERS[int(rng.integers(len(_JOB_OPENERS)))].format(title=title)
    duties = "\n".join(f"- {t}" for t in tasks)
    tools_line = f"\nYou will use: {', '.join(tools)}." if tools else ""
    return f"{opener}\nResponsibilities:\n{duties}{tools_line}"


def _talent_text(rng: np.random.Generator, title: str, tasks: list[str], tools: list[str]) -> str:
    opener = _TALENT_OPENERS[int(rng.integers(len(_TALENT_OPENERS)))].format(title=title)
    done = "\n".join(f"- {t}" for t in tasks)
    tools_line = f"\nSkills: {', '.join(tools)}." if tools else ""
    return f"{opener}\nExperience:\n{done}{tools_line}"


def onet_ranking_set(
    onet_dir: Path, *, occupations: int = 60, jobs_per_occupation: int = 2, seed: int = 12
) -> RankingSet:
    """Talents and jobs written from each occupation's O*NET material (see the module doc).

    Occupations are drawn from SOC minor groups that hold at least two eligible occupations,
    so relevance 1 ("a neighbouring occupation") occurs and the ranking is not only a search
    for one exact code.
    """
    rng = np.random.default_rng(seed)
    titles = _group(_read_tsv(onet_dir / "alternate_titles.tsv"), "Alternate Title")
    tasks = _group(_read_tsv(onet_dir / "task_statements.tsv"), "Task")
    tools = _group(_read_tsv(onet_dir / "technology_skills.tsv"), "Example")
    eligible = sorted(c for c in titles if len(titles[c]) >= 4 and len(tasks.get(c, [])) >= 8)
    by_minor: dict[str, list[str]] = defaultdict(list)
    for code in eligible:
        by_minor[code[:5]].append(code)
    minors = sorted(m for m, codes in by_minor.items() if len(codes) >= 2)
    chosen: list[str] = []
    for minor in rng.permutation(minors):
        picks = rng.permutation(by_minor[str(minor)])[:3]
        chosen.extend(str(c) for c in picks)
        if len(chosen) >= occupations:
            break
    chosen = sorted(chosen[:occupations])
    talent_rows: list[tuple[str, str, str]] = []
    job_rows: list[tuple[str, str, str]] = []
    for code in chosen:
        t_titles, j_titles = _halves(rng, titles[code])
        t_tasks, j_tasks = _halves(rng, tasks[code])
        own_tools = tools.get(code, [])
        title = t_titles[0]
        body = _talent_text(rng, title, _sample(rng, t_tasks, 4), _sample(rng, own_tools, 5))
        talent_rows.append((code, title, body))
        for k in range(jobs_per_occupation):
            j_title = j_titles[k % len(j_titles)]
            text = _job_text(rng, j_title, _sample(rng, j_tasks, 4), _sample(rng, own_tools, 5))
            job_rows.append((code, j_title, text))
    t_codes = np.array([c for c, _, _ in talent_rows])
    j_codes = np.array([c for c, _, _ in job_rows])
    same = t_codes[:, None] == j_codes[None, :]
    minor = np.array([c[:5] for c in t_codes])[:, None] == np.array([c[:5] for c in j_codes])
    relevance = np.where(same, 2, np.where(minor, 1, 0)).astype(np.int8)
    return RankingSet(
        talents=Side([t for _, t, _ in talent_rows], [b for _, _, b in talent_rows]),
        jobs=Side([t for _, t, _ in job_rows], [b for _, _, b in job_rows]),
        relevance=relevance,
    )


def _halves(rng: np.random.Generator, items: list[str]) -> tuple[list[str], list[str]]:
    shuffled = [items[i] for i in rng.permutation(len(items))]
    half = max(1, len(shuffled) // 2)
    return shuffled[:half], shuffled[half:] or shuffled[:half]


def _sample(rng: np.random.Generator, items: list[str], k: int) -> list[str]:
    return [items[i] for i in rng.permutation(len(items))[:k]]


def _rjdb_title(description: str) -> tuple[str, str]:
    """The '## Job title' line of an rjdb description as the title, the rest as the body."""
    lines = description.strip().splitlines()
    for i, line in enumerate(lines):
        if line.strip().lower().startswith("## job title") and i + 1 < len(lines):
            return lines[i + 1].strip(), "\n".join(lines[:i] + lines[i + 2 :]).strip()
    return "", description.strip()


def _resume_headline(resume: str) -> str:
    for line in resume.strip().splitlines():
        if line.strip():
            return line.strip().lstrip("#").strip()[:200]
    return ""


def rjdb_pairwise_set(path: Path, limit: int | None = None) -> PairwiseSet:
    """Job descriptions and résumés from raw text; `Skills` / `Filtered-information` unread."""
    jobs_t, jobs_b, tal_t, tal_b = [], [], [], []
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle):
            if limit is not None and n >= limit:
                break
            row = json.loads(line)
            title, body = _rjdb_title(row["Job-Description"])
            jobs_t.append(title)
            jobs_b.append(body)
            for key in ("Resume-matched", "Resume-unmatched"):
                tal_t.append(_resume_headline(row[key]))
                tal_b.append(row[key])
    return PairwiseSet(jobs=Side(jobs_t, jobs_b), talents=Side(tal_t, tal_b))


@dataclass(frozen=True, slots=True)
class Scored:
    """Aligned feature rows and per-baseline scores of the benchmark's (talent, job) pairs."""

    features: FloatArray
    baselines: dict[str, FloatArray]


def _tfidf_cosine(
    talents: Sequence[str], jobs: Sequence[str], t_idx: IntArray, j_idx: IntArray
) -> FloatArray:
    vectorizer = TfidfVectorizer(sublinear_tf=True, stop_words="english", min_df=1)
    matrix = vectorizer.fit_transform(list(talents) + list(jobs))
    t_rows, j_rows = matrix[: len(talents)], matrix[len(talents) :]
    return np.asarray(t_rows[t_idx].multiply(j_rows[j_idx]).sum(axis=1), np.float64).ravel()


def score_pairs(talents: Side, jobs: Side, t_idx: IntArray, j_idx: IntArray) -> Scored:
    """Features and baseline scores for the aligned pairs, from raw text."""
    enricher = get_enricher()
    t_profiles, _ = talent_profiles(talents.titles, talents.texts, enricher)
    j_profiles, _ = job_profiles(jobs.titles, jobs.texts, enricher)
    embedder = get_embedder()
    t_emb = embedder.encode([p.text for p in t_profiles])
    j_emb = embedder.encode([p.text for p in j_profiles])
    vocab = SkillVocab()
    t_table = talent_table(t_profiles, vocab, t_emb)
    j_table = job_table(j_profiles, vocab, j_emb)
    features = pair_features(t_table, t_idx, j_table, j_idx)
    cosine = features[:, FEATURE_INDEX["embedding_cosine"]]
    tfidf = _tfidf_cosine([p.text for p in t_profiles], [p.text for p in j_profiles], t_idx, j_idx)
    return Scored(
        features=features,
        baselines={
            "fallback": fallback.scores(features),
            "minilm_cosine": cosine,
            "tfidf_cosine": tfidf,
        },
    )


def ranking_metrics(scores: FloatArray, relevance: npt.NDArray[np.int8]) -> dict[str, float]:
    """Mean NDCG@10 (gain 2^rel - 1) and MRR of the first relevance-2 item over queries."""
    order = np.argsort(-scores, axis=1, kind="stable")
    ranked = np.take_along_axis(relevance, order, axis=1).astype(np.float64)
    k = min(NDCG_K, relevance.shape[1])
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (np.exp2(ranked[:, :k]) - 1.0) @ discounts
    best = np.sort(relevance, axis=1)[:, ::-1][:, :k].astype(np.float64)
    ideal = (np.exp2(best) - 1.0) @ discounts
    has = ideal > 0
    first = np.argmax(ranked == 2, axis=1)
    found = (ranked == 2).any(axis=1)
    return {
        "ndcg_at_10": round(float(np.mean(dcg[has] / ideal[has])), 4),
        "mrr": round(float(np.mean(np.where(found, 1.0 / (first + 1), 0.0))), 4),
    }


def pairwise_accuracy(better: FloatArray, worse: FloatArray) -> float:
    return round(
        float(np.mean(np.where(better > worse, 1.0, np.where(better == worse, 0.5, 0.0)))), 4
    )


def _score_columns(scored: Scored, model: MatchingModel | None) -> dict[str, FloatArray]:
    columns = dict(scored.baselines)
    if model is not None:
        columns = {"model": model.predict(scored.features), **columns}
    return columns


@dataclass(frozen=True, slots=True)
class Prepared:
    """Benchmarks turned into features once: they do not depend on the model, so one process
    can judge many models (the gate of every training run) for the cost of a predict."""

    onet: Scored | None
    relevance: npt.NDArray[np.int8] | None
    rjdb: Scored | None


def prepare(data_dir: Path, *, occupations: int = 60, rjdb_rows: int | None = None) -> Prepared:
    """Features of both benchmarks; a missing data set is None (the demo has none)."""
    onet: Scored | None = None
    relevance = None
    onet_dir = data_dir / "onet"
    if (onet_dir / "task_statements.tsv").exists():
        data = onet_ranking_set(onet_dir, occupations=occupations)
        n_t, n_j = data.relevance.shape
        t_idx = np.repeat(np.arange(n_t, dtype=np.int64), n_j)
        j_idx = np.tile(np.arange(n_j, dtype=np.int64), n_t)
        onet, relevance = score_pairs(data.talents, data.jobs, t_idx, j_idx), data.relevance
    rjdb: Scored | None = None
    path = data_dir / "rjdb" / "pairs_dev.jsonl"
    if path.exists():
        pairs = rjdb_pairwise_set(path, rjdb_rows)
        n = len(pairs.jobs.titles)
        t_idx = np.arange(2 * n, dtype=np.int64)
        j_idx = np.repeat(np.arange(n, dtype=np.int64), 2)
        rjdb = score_pairs(pairs.talents, pairs.jobs, t_idx, j_idx)
    return Prepared(onet=onet, relevance=relevance, rjdb=rjdb)


_PREPARED: dict[tuple[str, int, int | None], Prepared] = {}
_PREPARED_LOCK = threading.Lock()


def prepared(data_dir: Path, *, occupations: int, rjdb_rows: int | None) -> Prepared:
    """`prepare`, once per process and arguments."""
    key = (str(data_dir.resolve()), occupations, rjdb_rows)
    with _PREPARED_LOCK:
        if key not in _PREPARED:
            _PREPARED[key] = prepare(data_dir, occupations=occupations, rjdb_rows=rjdb_rows)
        return _PREPARED[key]


def evaluate(data: Prepared, model: MatchingModel | None) -> dict[str, Any]:
    """Every scorer on every prepared benchmark, side by side."""
    out: dict[str, Any] = {}
    if data.onet is not None and data.relevance is not None:
        n_t, n_j = data.relevance.shape
        ranking = {
            name: ranking_metrics(values.reshape(n_t, n_j), data.relevance)
            for name, values in _score_columns(data.onet, model).items()
        }
        rng = np.random.default_rng(0)
        draws = [
            ranking_metrics(rng.random((n_t, n_j)), data.relevance) for _ in range(RANDOM_DRAWS)
        ]
        ranking["random"] = {k: round(float(np.mean([d[k] for d in draws])), 4) for k in draws[0]}
        out["onet"] = ranking
    if data.rjdb is not None:
        pairwise = {
            name: {"pairwise_accuracy": pairwise_accuracy(values[0::2], values[1::2])}
            for name, values in _score_columns(data.rjdb, model).items()
        }
        pairwise["random"] = {"pairwise_accuracy": 0.5}
        out["rjdb"] = pairwise
    return out


GATE_METRICS = {"onet": "ndcg_at_10", "rjdb": "pairwise_accuracy"}


def gate(results: dict[str, Any]) -> tuple[bool, str]:
    """A model may be promoted only when it does not lose to the MiniLM cosine of the same
    texts on any external benchmark that ran; the reason names every comparison."""
    if not results:
        return True, "external benchmarks not available (no data folder): not gated"
    parts, passed = [], True
    for bench, metric in GATE_METRICS.items():
        if bench not in results:
            continue
        model = results[bench]["model"][metric]
        cosine = results[bench]["minilm_cosine"][metric]
        ok = model >= cosine
        passed &= ok
        verdict = "ok" if ok else "LOSES"
        parts.append(f"{bench} {metric} {model:.4f} vs cosine {cosine:.4f} ({verdict})")
    return passed, "; ".join(parts)


def judge(model: MatchingModel, settings: Settings) -> tuple[bool, str, dict[str, Any]]:
    """The external gate for one trained model: (may promote, why, every scorer's numbers)."""
    if not settings.quality_gate:
        return True, "external quality gate off (QUALITY_GATE=false)", {}
    data = prepared(
        settings.quality_data_dir,
        occupations=settings.quality_gate_occupations,
        rjdb_rows=settings.quality_gate_rjdb_rows,
    )
    results = evaluate(data, model)
    passed, reason = gate(results)
    return passed, reason, results
