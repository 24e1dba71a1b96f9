"""Benchmark: exact vectorised stage 1 against an ANN index (usearch HNSW) on the text side.

Issue 17, deliverable 3: does an approximate nearest-neighbour index pay for stage 1 at 100k
and 1M candidates, and does it keep recall@20 >= 0.98 against exhaustive scoring?

World, per size N and direction (talent -> jobs: N jobs as candidates; job -> talents: N
talents), drawn by the seeding generator (`app.seeding.generate.generate_world`, so skills,
levels, locations, salaries and preferences are as `app seed` writes them) and turned into
the serving tables in memory, without a database: numpy columns straight from the world,
checked at start-up to equal `talent_table` / `job_table` of the same rows built as profiles
the way `app.ml.repository` reads them. Embeddings: the world's distinct texts (`--text-variants`
per occupation; 12 gives 1,176 distinct texts per side, the most the textbook's rotations
make) embedded once with the shipped MiniLM (cached under --work-dir); each row takes its
text's vector plus isotropic Gaussian noise of norm `--noise` (relative to the unit vector),
renormalised, so no two rows are equal and the ANN faces clusters of near neighbours, not
exact duplicates. The model (LightGBM and its stage-1 linear proxy) is trained in memory,
like `app train --initial`, on a separate `--train-size` world of the same kind and its
labelled pairs (`label_pairs`, `serving_view`, `train_and_evaluate`).

Measured single-threaded (BLAS/OpenMP/LightGBM pinned to 1; usearch searches with
threads=1; only the index build uses `--build-threads`):

(a) the text term alone, for the 64-d stage-1 basis (`CandidateIndex.reduced`) and the full
    384-d embeddings: exact dot over N + `top_k` (k = prefilter size) against a usearch HNSW
    index (inner product, f32; the 64-d projections, whose norms differ, with one extra
    coordinate that turns inner product into nearest neighbour, see `searchable`) saved to
    a file and opened memory-mapped (`Index.restore(path, view=True)`): build time, file
    size, RSS growth, query p50/p95 per `--expansion-search` (exact and ANN interleaved per
    query, so a change in the shared machine's load hits both), and the ANN's recall@k
    against the exact text top k;
(b) the whole stage 1 on a real `CandidateIndex`: `shortlist` p50/p95 (what the service
    calls: pre-filter over N, every stage-1 column for the kept rows, proxy top 600), the
    share of it that `CandidateIndex.text_scores` takes, and the ANN alternative: candidates
    = ANN text top M (64-d index) united with every row sharing a skill with the subject,
    passed to `shortlist` as `allowed`, with the text term computed only for those rows
    (`UnionTextIndex`, a view of the same index), plus the ANN's rows alone at the largest
    M; recall@20 of the final top 20 (LightGBM on the short list's features) against
    exhaustive scoring (full features + LightGBM on every candidate) for each route.

    .venv/bin/python scripts/bench_ann.py                          # 100k and 1M, both directions
    .venv/bin/python scripts/bench_ann.py --sizes 20000 --queries 50 --recall-queries 5
    .venv/bin/python scripts/bench_ann.py --sizes 1000000 --recall-sizes 1000:600,3000:1200

Memory: one direction's world at a time (peak RSS 4.4 GB at 1M with the 384-d index); index
files go to --work-dir (390 MB for 1M x 64-d, 1.6 GB for 1M x 384-d).

Result (2026-12, 2 shared cores at load average 6-9, so absolute times are about twice an
idle machine's; exact and ANN interleaved per query; ef 1000 / 4000; 64-d unless named):
- text term alone: exact 1.7-5.2 ms at 100k, 18-34 ms at 1M (384-d: 29-33 ms, 219 ms, the
  1M x 384-d row talent -> jobs only);
  HNSW 1.1-1.4 / 4.6-7.6 ms at 100k with recall@1000 0.979-0.988 / 0.9997, 3.0-4.8 /
  7.3-12.1 ms at 1M with recall@1000 0.84-0.85 / 0.96 and some queries at 0 (384-d alike);
  build 32-34 s at 100k, 534-613 s at 1M on 2 threads (384-d: 65-80 s, 1,451 s).
- stage 1 (`shortlist`): exact 12 ms at 100k (text 17-26 % of it), 49-82 ms at 1M (34-37 %).
  ANN top M + rows sharing a skill: 24-35 ms at 100k, 120-224 ms at 1M, because the rows
  sharing a skill are 30 % of N (their text still has to be computed, as a gather) and the
  other terms of stage 1 pass over all N anyway; recall@20 exactly the exact route's. ANN
  rows alone (4,000): 21-22 ms / 45-79 ms, recall@20 0.93 at 100k, 0.29-0.31 at 1M.
So stage 1 stays exact: the ANN saves at most the text scan, which the skill rows mostly
give back, at minutes of build and a file per side. Separately, with the default sizes
(pre-filter 1000, short list 600) the exact stage 1 reaches recall@20 0.99 at 100k but
0.85-0.86 at 1M (20-30 queries per direction); pre-filter 3000 / short list 1200 gives
0.95-0.98 and 10000 / 3000 gives 1.00 (`--recall-sizes`): the sizes, not the text term, are
what 1M needs.
"""

# ruff: noqa: E402  (thread counts must be set before numpy and LightGBM load)
from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import gc
import hashlib
import json
import platform
import resource
import tempfile
import time
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, cast

# LightGBM must load before usearch: with usearch 2.26.6's compiled module loaded first,
# LightGBM 4.7.0 rejects every Dataset with feature names ("Feature (Column_) appears more
# than one time"), so training and predict break.
import lightgbm  # noqa: F401
import numpy as np
import numpy.typing as npt
import typer
from rich.console import Console
from rich.table import Table
from usearch.index import Index

from app.core.enums import (
    EMBEDDING_DIM,
    CompanySize,
    RemotePolicy,
    RemotePreference,
    Seniority,
    WorkStyle,
)
from app.matching.retrieval import CandidateIndex, Side, shortlist, top_k
from app.ml.embeddings import compose_job_text, compose_talent_text, get_embedder
from app.ml.features import one_to_many, pair_features
from app.ml.matcher import MatchingModel
from app.ml.profiles import (
    CURRENCIES,
    INDUSTRIES,
    INDUSTRY_KEY_STRIDE,
    JobTable,
    SkillMatrix,
    SkillVocab,
    TalentTable,
    job_table,
    occupation_codes,
    talent_table,
    timezone_offset_hours,
    unit_vectors,
)
from app.ml.types import JobProfile, SkillLevel, TalentProfile
from app.seeding.generate import SkillRows, World, generate_world
from app.seeding.pairs import label_pairs
from app.settings import get_settings
from app.training.initial import LabelledData, TrainingResult, train_and_evaluate
from app.training.serving_view import serving_view

console = Console(width=150)
LIMIT = 20
EXHAUSTIVE_CHUNK = 20_000
EMBED_CHUNK = 50_000
WARMUP = 3

Float32Array = npt.NDArray[np.float32]
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_LEVELS = tuple(m.value for m in Seniority)
_PREFERENCES = tuple(m.value for m in RemotePreference)
_POLICIES = tuple(m.value for m in RemotePolicy)
_SIZES = tuple(m.value for m in CompanySize)
_STYLES = tuple(m.value for m in WorkStyle)


def rss_mb() -> float:
    """Resident memory of this process now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _percentiles(seconds: list[float]) -> dict[str, float]:
    arr = np.asarray(seconds) * 1000.0
    return {
        "p50_ms": round(float(np.percentile(arr, 50)), 3),
        "p95_ms": round(float(np.percentile(arr, 95)), 3),
        "mean_ms": round(float(arr.mean()), 3),
    }


# --- text embeddings: distinct real MiniLM vectors + per-row noise ---------------------------


@dataclass(frozen=True)
class TextBase:
    """Unit MiniLM vectors of every (occupation, variant) text of one world's textbook."""

    job: Float32Array
    talent: Float32Array
    distinct: dict[str, int]


def text_base(world: World, work_dir: Path) -> TextBase:
    """Embed the textbook's texts once (cached on disk by a hash of the texts)."""
    texts = world.texts
    jobs = [
        compose_job_text(t, d)
        for t, d in zip(texts.job_titles, texts.job_descriptions, strict=True)
    ]
    talents = [
        compose_talent_text(h, b, r)
        for h, b, r in zip(texts.headlines, texts.bios, texts.resumes, strict=True)
    ]
    embedder = get_embedder()
    digest = hashlib.sha256("\n".join([embedder.model_id, *jobs, *talents]).encode()).hexdigest()
    path = work_dir / f"text_base_v{texts.variants}_{digest[:12]}.npz"
    distinct = {"job": len(set(jobs)), "talent": len(set(talents))}
    if path.exists():
        cached = np.load(path)
        return TextBase(cached["job"], cached["talent"], distinct)
    console.print(f"embedding {distinct['job'] + distinct['talent']} distinct texts ...")
    started = time.perf_counter()
    job_vectors, talent_vectors = embedder.encode(jobs), embedder.encode(talents)
    console.print(f"embedded in {time.perf_counter() - started:.0f} s -> {path}")
    work_dir.mkdir(parents=True, exist_ok=True)
    np.savez(path, job=job_vectors, talent=talent_vectors)
    return TextBase(job_vectors, talent_vectors, distinct)


def noisy_rows(
    base: Float32Array, text_index: IntArray, noise: float, rng: np.random.Generator
) -> Float32Array:
    """Row i = base[text_index[i]] + Gaussian noise of expected norm `noise`, renormalised."""
    n = len(text_index)
    out = np.empty((n, EMBEDDING_DIM), dtype=np.float32)
    scale = np.float32(noise / np.sqrt(EMBEDDING_DIM))
    for start in range(0, n, EMBED_CHUNK):
        stop = min(n, start + EMBED_CHUNK)
        block = rng.standard_normal((stop - start, EMBEDDING_DIM), dtype=np.float32)
        block *= scale
        block += base[text_index[start:stop]]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:stop] = block
    return out


def embedding_stats(base: TextBase, variants: int, noise: float) -> dict[str, float]:
    """Mean cosines that say how hard the text neighbourhoods are (job texts, 2,000 draws)."""
    rng = np.random.default_rng(5)
    texts = rng.integers(0, len(base.job), 2000)
    a = noisy_rows(base.job, texts, noise, rng)
    b = noisy_rows(base.job, texts, noise, rng)
    sibling = (texts // variants) * variants + (texts % variants + 1) % variants
    other = rng.integers(0, len(base.job), 2000)

    def mean_cos(x: Float32Array, y: Float32Array) -> float:
        return round(float(np.mean(np.sum(x * y, axis=1))), 3)

    return {
        "row_vs_its_text": mean_cos(a, base.job[texts]),
        "two_rows_same_text": mean_cos(a, b),
        "texts_same_occupation": mean_cos(base.job[texts], base.job[sibling]),
        "random_texts": mean_cos(base.job[texts], base.job[other]),
    }


# --- serving tables from the world's columns (no database) -----------------------------------


def skill_vocab(world: World) -> SkillVocab:
    """Columns in the world vocabulary's order, so a world skill index is its column."""
    vocab = SkillVocab.of(s.name for s in world.vocab.skills)
    if len(vocab) != len(world.vocab.skills):
        raise RuntimeError("skill names collide after case folding")
    return vocab


def _skill_matrix(rows: SkillRows, n: int, vocab: SkillVocab) -> SkillMatrix:
    """CSR of a world's skill rows, each row's skills in column order like
    `build_skill_matrix` (the world has no duplicate skill within a row)."""
    order = np.lexsort((rows.skill, rows.owner))
    indptr = np.zeros(n + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(np.bincount(rows.owner, minlength=n))
    return SkillMatrix(
        indptr=indptr,
        indices=rows.skill[order].astype(np.int64),
        proficiency=rows.level[order].astype(np.float64),
        years=rows.years[order].astype(np.float64),
        required=rows.required[order].astype(np.bool_),
        n_columns=len(vocab),
    )


def _places(world: World, city: IntArray) -> FloatArray:
    offsets = np.asarray([timezone_offset_hours(c.timezone) for c in world.vocab.cities])
    return np.asarray(offsets[city], dtype=np.float64)


def _occupations(world: World, occupation: IntArray) -> npt.NDArray[np.int32]:
    per_occupation = occupation_codes(o.code for o in world.vocab.occupations)
    return np.ascontiguousarray(per_occupation[:, occupation])


def talents_of(world: World, vocab: SkillVocab, embeddings: Float32Array) -> TalentTable:
    t = world.talents
    n = len(t.ids)
    keys: list[int] = []
    n_prefs = np.zeros(n, dtype=np.int32)
    for row, names in enumerate(t.pref_industries):
        codes = {INDUSTRIES.code(name) for name in names} - {-1}
        n_prefs[row] = len(codes)
        keys.extend(row * INDUSTRY_KEY_STRIDE + c for c in codes)
    lat, lon = t.lat.astype(np.float64), t.lon.astype(np.float64)
    return TalentTable(
        ids=list(t.ids),
        seniority=t.seniority.astype(np.int8),
        years_experience=t.years.astype(np.float64),
        latitude=lat,
        longitude=lon,
        xyz=unit_vectors(lat, lon),
        occupation=_occupations(world, t.occupation),
        tz_offset=_places(world, t.city),
        remote=t.remote.astype(np.int8),
        salary_min=t.salary_min.astype(np.float64),
        salary_max=t.salary_max.astype(np.float64),
        currency=np.full(n, CURRENCIES.code("USD"), dtype=np.int32),
        preferred_size=t.pref_size.astype(np.int8),
        preferred_work_style=t.pref_style.astype(np.int8),
        preferred_industry_keys=np.sort(np.asarray(keys, dtype=np.int64)),
        n_preferred_industries=n_prefs,
        skills=_skill_matrix(t.skills, n, vocab),
        embeddings=embeddings,
        has_embedding=np.linalg.norm(embeddings, axis=1) > 0,
        vocab=vocab,
    )


def jobs_of(world: World, vocab: SkillVocab, embeddings: Float32Array) -> JobTable:
    j, c = world.jobs, world.companies
    n = len(j.ids)
    industry = np.asarray([INDUSTRIES.code(name) for name in c.industry], dtype=np.int32)
    skills = _skill_matrix(j.skills, n, vocab)
    lat, lon = j.lat.astype(np.float64), j.lon.astype(np.float64)
    return JobTable(
        ids=list(j.ids),
        company_ids=[c.ids[k] for k in j.company.tolist()],
        seniority=j.seniority.astype(np.int8),
        min_years=j.min_years.astype(np.float64),
        max_years=j.max_years.astype(np.float64),
        latitude=lat,
        longitude=lon,
        xyz=unit_vectors(lat, lon),
        occupation=_occupations(world, j.occupation),
        tz_offset=_places(world, j.city),
        remote=j.remote.astype(np.int8),
        salary_min=j.salary_min.astype(np.float64),
        salary_max=j.salary_max.astype(np.float64),
        currency=np.full(n, CURRENCIES.code("USD"), dtype=np.int32),
        company_size=c.size[j.company].astype(np.int8),
        industry=industry[j.company],
        work_style=c.work_style[j.company].astype(np.int8),
        n_required=np.bincount(
            np.repeat(np.arange(n), skills.row_counts()), weights=skills.required, minlength=n
        ).astype(np.int64),
        skills=skills,
        embeddings=embeddings,
        has_embedding=np.linalg.norm(embeddings, axis=1) > 0,
        vocab=vocab,
    )


def _profiles(world: World) -> tuple[list[TalentProfile], list[JobProfile]]:
    """The world's rows as `app.ml.repository` reads them back after `app seed` (slow path)."""
    names = [s.name for s in world.vocab.skills]
    codes = [o.code for o in world.vocab.occupations]
    cities = world.vocab.cities
    t, j, c = world.talents, world.jobs, world.companies

    def skills(rows: SkillRows, talent: bool) -> list[list[SkillLevel]]:
        out: list[list[SkillLevel]] = [[] for _ in range(int(rows.owner.max(initial=-1)) + 1)]
        for i in range(len(rows)):
            out[rows.owner[i]].append(
                SkillLevel(
                    names[rows.skill[i]],
                    int(rows.level[i]),
                    float(rows.years[i]) if talent else 0.0,
                    False if talent else bool(rows.required[i]),
                )
            )
        return out

    t_skills, j_skills = skills(t.skills, True), skills(j.skills, False)
    talents = [
        TalentProfile(
            skills=t_skills[i] if i < len(t_skills) else [],
            years_experience=float(t.years[i]),
            seniority=_LEVELS[t.seniority[i]],
            id=t.ids[i],
            latitude=float(t.lat[i]),
            longitude=float(t.lon[i]),
            timezone=cities[t.city[i]].timezone,
            remote_preference=_PREFERENCES[t.remote[i]],
            salary_min=float(t.salary_min[i]),
            salary_max=float(t.salary_max[i]),
            currency="USD",
            preferred_company_size=_SIZES[t.pref_size[i]] if t.pref_size[i] >= 0 else None,
            preferred_industries=list(t.pref_industries[i]),
            preferred_work_style=_STYLES[t.pref_style[i]] if t.pref_style[i] >= 0 else None,
            occupation_code=codes[t.occupation[i]],
        )
        for i in range(len(t.ids))
    ]
    jobs = [
        JobProfile(
            skills=j_skills[i] if i < len(j_skills) else [],
            seniority=_LEVELS[j.seniority[i]],
            min_years=float(j.min_years[i]),
            max_years=None if np.isnan(j.max_years[i]) else float(j.max_years[i]),
            id=j.ids[i],
            company_id=c.ids[j.company[i]],
            latitude=float(j.lat[i]),
            longitude=float(j.lon[i]),
            timezone=cities[j.city[i]].timezone,
            remote_policy=_POLICIES[j.remote[i]],
            salary_min=float(j.salary_min[i]),
            salary_max=float(j.salary_max[i]),
            currency="USD",
            company_size=_SIZES[c.size[j.company[i]]],
            company_industry=c.industry[j.company[i]],
            company_work_style=_STYLES[c.work_style[j.company[i]]],
            occupation_code=codes[j.occupation[i]],
        )
        for i in range(len(j.ids))
    ]
    return talents, jobs


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray):
        return bool(
            a.dtype == b.dtype
            and a.shape == b.shape
            and np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        )
    if isinstance(a, SkillMatrix):
        return all(_same(getattr(a, f.name), getattr(b, f.name)) for f in fields(a))
    if isinstance(a, SkillVocab):
        return a is b
    return bool(a == b)


def check_tables(base: TextBase, variants: int, noise: float) -> None:
    """The columnar builders above equal `talent_table` / `job_table` on a small world."""
    world = generate_world(talents=400, jobs=400, seed=3, text_variants=variants)
    vocab = skill_vocab(world)
    rng = np.random.default_rng(3)
    t_emb = noisy_rows(base.talent, text_index(world, "talent"), noise, rng)
    j_emb = noisy_rows(base.job, text_index(world, "job"), noise, rng)
    profiles_t, profiles_j = _profiles(world)
    pairs: list[tuple[Any, Any]] = [
        (talents_of(world, vocab, t_emb), talent_table(profiles_t, vocab, t_emb)),
        (jobs_of(world, vocab, j_emb), job_table(profiles_j, vocab, j_emb)),
    ]
    for fast, slow in pairs:
        wrong = [
            f.name for f in fields(fast) if not _same(getattr(fast, f.name), getattr(slow, f.name))
        ]
        if wrong:
            raise RuntimeError(f"{type(fast).__name__} built from columns differs in {wrong}")


def text_index(world: World, kind: str) -> IntArray:
    rows = world.jobs if kind == "job" else world.talents
    return np.asarray(rows.occupation * world.texts.variants + rows.variant, dtype=np.int64)


# --- the model -------------------------------------------------------------------------------


def train_model(
    base: TextBase, variants: int, size: int, pairs: int, noise: float
) -> TrainingResult:
    """LightGBM + stage-1 proxy fitted like `app train --initial`, on a world of `size` x
    `size` with `pairs` labelled pairs, all in memory (quality gate not involved)."""
    world = generate_world(talents=size, jobs=size, seed=11, text_variants=variants)
    vocab = skill_vocab(world)
    rng = np.random.default_rng(11)
    talents = talents_of(
        world, vocab, noisy_rows(base.talent, text_index(world, "talent"), noise, rng)
    )
    jobs = jobs_of(world, vocab, noisy_rows(base.job, text_index(world, "job"), noise, rng))
    labelled = label_pairs(world, pairs)
    tr, va = labelled.train, ~labelled.train
    features, source = serving_view(talents, labelled.talent[tr], jobs, labelled.job[tr])
    train = LabelledData(features, labelled.label[tr][source], labelled.talent[tr][source])
    valid = LabelledData(
        pair_features(talents, labelled.talent[va], jobs, labelled.job[va]),
        labelled.label[va],
        labelled.talent[va],
    )
    return train_and_evaluate(train, valid, version="bench-ann")


# --- (a) the text term alone -----------------------------------------------------------------


def searchable(vectors: Float32Array) -> tuple[Float32Array, bool]:
    """What the HNSW graph holds for an inner-product ranking, and whether it has the extra
    coordinate. Unit vectors (the 384-d embeddings) as they are; others (the 64-d basis
    projections, norms 0.77-0.95) as x / R with sqrt(1 - |x / R|^2) appended, R the largest
    norm: the usual reduction of maximum inner product to nearest neighbour, since HNSW on
    raw inner products of unequal norms stalls (recall@1000 0.87-0.89 at 100k whatever the
    ef, against 0.99 with the extra coordinate)."""
    norms = np.linalg.norm(vectors, axis=1)
    if float(np.max(np.abs(norms - 1.0))) < 1e-3:
        return vectors, False
    scale = float(norms.max())
    extra = np.sqrt(np.maximum(0.0, 1.0 - (norms / scale) ** 2))
    return np.hstack([vectors / scale, extra[:, None]]).astype(np.float32), True


def build_ann(
    vectors: Float32Array, path: Path, connectivity: int, expansion_add: int, threads: int
) -> dict[str, Any]:
    """HNSW over `vectors` (keys = row numbers; inner product, f32, see `searchable`),
    saved to `path`."""
    vectors, augmented = searchable(vectors)
    index = Index(
        ndim=vectors.shape[1],
        metric="ip",
        dtype="f32",
        connectivity=connectivity,
        expansion_add=expansion_add,
    )
    started = time.perf_counter()
    index.add(np.arange(len(vectors), dtype=np.uint64), vectors, copy=False, threads=threads)
    build_s = time.perf_counter() - started
    path.unlink(missing_ok=True)
    index.save(str(path))
    del index, vectors
    gc.collect()
    return {
        "build_s": round(build_s, 2),
        "file_mb": round(path.stat().st_size / 2**20, 1),
        "mips_coordinate": augmented,
    }


def open_ann(path: Path, expansion_search: int) -> tuple[Index, float]:
    """The saved index, memory-mapped (view: nothing is copied into the process)."""
    before = rss_mb()
    index = Index.restore(str(path), view=True, expansion_search=expansion_search)
    if index is None:
        raise RuntimeError(f"no usearch index at {path}")
    return index, before


def ann_rows(index: Index, query: Float32Array, k: int) -> IntArray:
    """Rows of the ANN's k best inner products with `query` (0 for the extra coordinate)."""
    if index.ndim == len(query) + 1:
        query = np.append(query, np.float32(0.0))
    found = index.search(query, k, threads=1)
    return np.asarray(found.keys, dtype=np.int64)


def text_side(
    label: str,
    vectors: Float32Array,
    queries: Float32Array,
    k: int,
    efs: list[int],
    path: Path,
    options: dict[str, int],
) -> dict[str, Any]:
    """Exact dot + top_k against the mapped HNSW index for one matrix of candidate vectors;
    per query the exact scan and then the ANN at each ef, so that a change in the machine's
    load (it is shared) hits both alike."""
    built = build_ann(vectors, path, **options)
    rss_before = rss_mb()
    index, _ = open_ann(path, efs[0])
    rss_open = rss_mb()
    exact_times: list[float] = []
    times: dict[int, list[float]] = {ef: [] for ef in efs}
    recalls: dict[int, list[float]] = {ef: [] for ef in efs}
    for i, q in enumerate(queries):
        started = time.perf_counter()
        # float32 scores, as `text_scores` returns them (stage 1 adds them into float64).
        exact = top_k(cast(FloatArray, vectors @ q), k)
        elapsed = time.perf_counter() - started
        if i >= WARMUP:
            exact_times.append(elapsed)
        for ef in efs:
            set_expansion_search(index, ef)
            started = time.perf_counter()
            rows = ann_rows(index, q, k)
            elapsed = time.perf_counter() - started
            if i >= WARMUP:
                times[ef].append(elapsed)
            recalls[ef].append(len(np.intersect1d(rows, exact)) / k)
    rss_queried = rss_mb()
    del index
    gc.collect()
    return {
        "vectors": label,
        "dims": int(vectors.shape[1]),
        "k": k,
        "exact": _percentiles(exact_times),
        **built,
        "rss_open_mb": round(rss_open - rss_before, 1),
        "rss_after_queries_mb": round(rss_queried - rss_before, 1),
        "ann": [
            {
                "expansion_search": ef,
                "latency": _percentiles(times[ef]),
                "recall_at_k": round(float(np.mean(recalls[ef])), 4),
                "recall_at_k_min": round(float(np.min(recalls[ef])), 4),
            }
            for ef in efs
        ],
    }


def set_expansion_search(index: Index, ef: int) -> None:
    """HNSW ef of later searches (usearch raises it to the count asked for when that is
    larger). The property has a setter, which usearch's annotations do not show."""
    setattr(index, "expansion_search", ef)  # noqa: B010


# --- (b) the whole stage 1 -------------------------------------------------------------------


class UnionTextIndex(CandidateIndex):
    """The same candidate index, whose text term is computed only for `rows` (zeros
    elsewhere): what stage 1 would pay for text if an ANN index chose the candidates."""

    rows: IntArray

    @classmethod
    def over(cls, index: CandidateIndex) -> UnionTextIndex:
        values: dict[str, Any] = {f.name: getattr(index, f.name) for f in fields(index)}
        view = cls(**values)
        view.rows = np.zeros(0, dtype=np.int64)
        return view

    def text_scores(self, subject_embedding: Float32Array) -> Float32Array:
        out = np.zeros(len(self.reduced), dtype=np.float32)
        out[self.rows] = self.reduced[self.rows] @ (subject_embedding @ self.projection)
        return out


@dataclass(frozen=True)
class SkillPostings:
    """For each skill column, the candidate rows that list it (column-major, built once per
    index: the lookup an ANN-fed stage 1 would keep beside the HNSW graph)."""

    col_ptr: IntArray
    rows: IntArray

    @classmethod
    def of(cls, table: TalentTable | JobTable) -> SkillPostings:
        skills = table.skills
        owner = np.repeat(np.arange(len(table), dtype=np.int64), skills.row_counts())
        order = np.argsort(skills.indices, kind="stable")
        counts = np.bincount(skills.indices, minlength=skills.n_columns)
        return cls(np.concatenate([[0], np.cumsum(counts)]).astype(np.int64), owner[order])

    def sharing(self, subject: TalentTable | JobTable) -> IntArray:
        """Rows that list at least one of the subject's skills (a row sharing several
        appears several times)."""
        start, end = subject.skills.indptr[0], subject.skills.indptr[1]
        cols = subject.skills.indices[start:end]
        cols = cols[cols < len(self.col_ptr) - 1].tolist()
        runs = [self.rows[self.col_ptr[c] : self.col_ptr[c + 1]] for c in cols]
        return np.concatenate(runs) if runs else np.zeros(0, dtype=np.int64)


def model_top(
    model: MatchingModel, subject: TalentTable | JobTable, index: CandidateIndex, rows: IntArray
) -> IntArray:
    """The LIMIT best of `rows` by the model (score descending, row ascending)."""
    scores = model.predict(one_to_many(subject, index.table, rows))
    order = np.lexsort((rows, -scores))[:LIMIT]
    return rows[order]


def exhaustive(
    model: MatchingModel, subject: TalentTable | JobTable, index: CandidateIndex
) -> FloatArray:
    n = len(index.table)
    scores = np.empty(n)
    for start in range(0, n, EXHAUSTIVE_CHUNK):
        rows = np.arange(start, min(start + EXHAUSTIVE_CHUNK, n))
        scores[rows] = model.predict(one_to_many(subject, index.table, rows))
    return scores


def recall(scores: FloatArray, returned: IntArray) -> tuple[float, float]:
    """(strict, tie-aware) recall@LIMIT of `returned` rows against exhaustive `scores`."""
    order = np.lexsort((np.arange(len(scores)), -scores))[:LIMIT]
    strict = len(np.intersect1d(order, returned)) / len(order)
    cut = scores[order[-1]] - 1e-9
    return strict, min(int(np.sum(scores[returned] >= cut)), len(order)) / len(order)


def stage_side(
    index: CandidateIndex,
    subjects: list[TalentTable | JobTable],
    ann: Index,
    model: MatchingModel,
    weights: dict[str, float],
    shortlist_size: int,
    prefilter_size: int,
    ann_ms: list[int],
    ef: int,
    recall_queries: int,
) -> dict[str, Any]:
    n = len(index.table)
    union_index = UnionTextIndex.over(index)
    postings = SkillPostings.of(index.table)
    # (name, M, with the skill rows): the union the issue asks for at every M, and the ANN's
    # rows alone at the largest M (what text retrieval by itself would find).
    ann_routes = [(f"ann_{m}+skills", m, True) for m in ann_ms]
    ann_routes.append((f"ann_{max(ann_ms)}_only", max(ann_ms), False))
    names = ["exact", *(name for name, _, _ in ann_routes)]
    timings: dict[str, list[float]] = {name: [] for name in [*names, "text_term"]}
    picked: dict[str, list[IntArray]] = {name: [] for name in names}
    sizes: dict[str, list[int]] = {name: [] for name in names}

    for i, subject in enumerate(subjects):
        keep, check = i >= WARMUP, i < recall_queries
        embedding = subject.embeddings[0]
        started = time.perf_counter()
        rows = shortlist(subject, index, shortlist_size, weights, prefilter_size=prefilter_size)
        elapsed = time.perf_counter() - started
        if keep:
            timings["exact"].append(elapsed)
        if check:
            picked["exact"].append(model_top(model, subject, index, rows))
        sizes["exact"].append(n)
        started = time.perf_counter()
        index.text_scores(embedding)
        elapsed = time.perf_counter() - started
        if keep:
            timings["text_term"].append(elapsed)
        query = np.ascontiguousarray(embedding @ index.projection)
        for name, m, with_skills in ann_routes:
            started = time.perf_counter()
            union = ann_rows(ann, query, m)
            if with_skills:
                # Repeats kept: scattering a row twice costs less than making rows unique.
                union = np.concatenate([union, postings.sharing(subject)])
            allowed = np.zeros(n, dtype=np.bool_)
            allowed[union] = True
            union_index.rows = union
            rows = shortlist(subject, union_index, shortlist_size, weights, allowed, prefilter_size)
            elapsed = time.perf_counter() - started
            if keep:
                timings[name].append(elapsed)
            if check:
                picked[name].append(model_top(model, subject, index, rows))
            sizes[name].append(int(np.count_nonzero(allowed)))

    recalls: dict[str, list[tuple[float, float]]] = {name: [] for name in names}
    for i in range(min(recall_queries, len(subjects))):
        scores = exhaustive(model, subjects[i], index)
        for name in names:
            recalls[name].append(recall(scores, picked[name][i]))

    def summary(name: str) -> dict[str, Any]:
        strict = [r[0] for r in recalls[name]]
        tie_aware = [r[1] for r in recalls[name]]
        return {
            "latency": _percentiles(timings[name]),
            "candidate_rows": round(float(np.mean(sizes[name])), 1),
            "candidate_share": round(float(np.mean(sizes[name])) / n, 4),
            "recall_at_20": round(float(np.mean(tie_aware)), 4),
            "recall_at_20_min": round(float(np.min(tie_aware)), 4),
            "recall_at_20_strict": round(float(np.mean(strict)), 4),
        }

    return {
        "candidates": n,
        "queries": len(timings["exact"]),
        "recall_queries": len(recalls["exact"]),
        "text_term": _percentiles(timings["text_term"]),
        "text_share_of_exact_p50": round(
            float(np.median(timings["text_term"]) / np.median(timings["exact"])), 3
        ),
        "ann_expansion_search": ef,
        "routes": {name: summary(name) for name in names},
    }


def recall_sweep(
    index: CandidateIndex,
    subjects: list[TalentTable | JobTable],
    model: MatchingModel,
    weights: dict[str, float],
    sizes: list[tuple[int, int]],
    recall_queries: int,
) -> list[dict[str, Any]]:
    """Recall@20 of the exact stage 1 at other (prefilter, shortlist) sizes, against the
    same exhaustive scoring (no ANN): how large stage 1 must be for recall@20 >= 0.98."""
    found: dict[tuple[int, int], list[tuple[float, float]]] = {size: [] for size in sizes}
    for subject in subjects[:recall_queries]:
        scores = exhaustive(model, subject, index)
        for prefilter, short in sizes:
            rows = shortlist(subject, index, short, weights, prefilter_size=prefilter)
            found[(prefilter, short)].append(recall(scores, model_top(model, subject, index, rows)))
    return [
        {
            "prefilter_size": prefilter,
            "shortlist_size": short,
            "recall_at_20": round(float(np.mean([r[1] for r in found[(prefilter, short)]])), 4),
            "recall_at_20_min": round(float(np.min([r[1] for r in found[(prefilter, short)]])), 4),
        }
        for prefilter, short in sizes
    ]


# --- one size, one direction -----------------------------------------------------------------


def run_direction(
    direction: str,
    n: int,
    base: TextBase,
    variants: int,
    noise: float,
    model: MatchingModel,
    opts: dict[str, Any],
) -> dict[str, Any]:
    side: Side = "job" if direction == "talent_to_jobs" else "talent"
    q = opts["queries"] + WARMUP
    started = time.perf_counter()
    seed = 100 + n % 997 + (0 if side == "job" else 1)
    world = generate_world(
        talents=q if side == "job" else n,
        jobs=n if side == "job" else q,
        seed=seed,
        text_variants=variants,
    )
    vocab = skill_vocab(world)
    rng = np.random.default_rng(seed)
    t_emb = noisy_rows(base.talent, text_index(world, "talent"), noise, rng)
    j_emb = noisy_rows(base.job, text_index(world, "job"), noise, rng)
    talents, jobs = talents_of(world, vocab, t_emb), jobs_of(world, vocab, j_emb)
    del world, t_emb, j_emb
    table: TalentTable | JobTable = jobs if side == "job" else talents
    subject_table: TalentTable | JobTable = talents if side == "job" else jobs
    del talents, jobs
    gc.collect()
    world_s = time.perf_counter() - started
    started = time.perf_counter()
    index = CandidateIndex.build(side, table, ("bench_ann", n))
    index_s = time.perf_counter() - started
    console.print(
        f"{direction} N={n}: world + tables {world_s:.1f} s, CandidateIndex.build {index_s:.1f} s, "
        f"RSS {rss_mb():.0f} MB"
    )
    subjects = [subject_table.take([i]) for i in range(len(subject_table))]
    if opts["recall_sizes"]:
        console.print(f"  recall of exact stage 1 at (prefilter, shortlist) {opts['recall_sizes']}")
        sweep = recall_sweep(
            index, subjects, model, opts["weights"], opts["recall_sizes"], opts["recall_queries"]
        )
        return {"direction": direction, "candidates": n, "recall_sweep": sweep}
    embeddings = np.stack([s.embeddings[0] for s in subjects])
    k = opts["prefilter_size"]
    work: Path = opts["work_dir"]
    work.mkdir(parents=True, exist_ok=True)
    ann_opts = {
        "connectivity": opts["connectivity"],
        "expansion_add": opts["expansion_add"],
        "threads": opts["build_threads"],
    }
    text_rows = []
    for dims in opts["dims"]:
        if dims == index.reduced.shape[1]:
            vectors, queries, label = index.reduced, embeddings @ index.projection, "reduced"
        elif dims == EMBEDDING_DIM:
            vectors, queries, label = table.embeddings, embeddings, "full"
        else:
            raise typer.BadParameter(f"--dims takes {index.reduced.shape[1]} and {EMBEDDING_DIM}")
        path = work / f"ann_{side}_{n}_{dims}.usearch"
        console.print(f"  (a) text term, {dims}-d: exact vs HNSW ...")
        text_rows.append(
            text_side(label, vectors, np.ascontiguousarray(queries), k, opts["efs"], path, ann_opts)
        )
        if dims != index.reduced.shape[1]:
            path.unlink(missing_ok=True)
    path = work / f"ann_{side}_{n}_{index.reduced.shape[1]}.usearch"
    if not path.exists():
        build_ann(index.reduced, path, **ann_opts)
    ann, _ = open_ann(path, opts["union_ef"])
    console.print("  (b) stage 1: exact vs ANN union ...")
    stage = stage_side(
        index,
        subjects,
        ann,
        model,
        opts["weights"],
        opts["shortlist_size"],
        opts["prefilter_size"],
        opts["ann_m"],
        opts["union_ef"],
        opts["recall_queries"],
    )
    del ann
    gc.collect()
    path.unlink(missing_ok=True)
    return {
        "direction": direction,
        "candidates": n,
        "world_and_tables_s": round(world_s, 1),
        "candidate_index_build_s": round(index_s, 1),
        "rss_mb": round(rss_mb(), 0),
        "peak_rss_mb": round(peak_rss_mb(), 0),
        "text_term": text_rows,
        "stage_one": stage,
    }


def _ints(value: str) -> list[int]:
    return [int(v) for v in value.split(",") if v.strip()]


def main(
    sizes: str = typer.Option("100000,1000000", help="Candidate counts, comma-separated."),
    directions: str = typer.Option("talent_to_jobs,job_to_talents"),
    queries: int = typer.Option(200, help="Timed queries per size and direction."),
    recall_queries: int = typer.Option(30, help="Queries checked against exhaustive scoring."),
    dims: str = typer.Option("64,384", help="Text vectors for (a): 64 (stage-1 basis), 384."),
    expansion_search: str = typer.Option("1000,2000,4000", help="HNSW ef values for (a)."),
    union_ef: int = typer.Option(1000, help="HNSW ef for the (b) union (raised to M)."),
    connectivity: int = typer.Option(16, help="HNSW M."),
    expansion_add: int = typer.Option(128, help="HNSW efConstruction."),
    build_threads: int = typer.Option(2, help="Threads for building the HNSW index only."),
    ann_m: str = typer.Option("1000,4000", help="ANN text top-M for the (b) union."),
    shortlist_size: int = typer.Option(600),
    prefilter_size: int = typer.Option(1000),
    text_variants: int = typer.Option(12, help="Text variants per occupation (12: 1,176 texts)."),
    noise: float = typer.Option(0.35, help="Norm of the per-row embedding noise."),
    train_size: int = typer.Option(3000, help="Talents and jobs of the training world."),
    pairs: int = typer.Option(6000, help="Labelled pairs to train on."),
    recall_sizes: str = typer.Option(
        "",
        help="Instead of (a) and (b): recall@20 of the exact stage 1 only, at these "
        "prefilter:shortlist sizes, e.g. 1000:600,4000:1500.",
    ),
    work_dir: Path = typer.Option(Path(tempfile.gettempdir()) / "talent_match_bench_ann"),
    out_dir: Path = typer.Option(Path("bench_results")),
) -> None:
    work_dir.mkdir(parents=True, exist_ok=True)
    probe = generate_world(talents=1, jobs=1, seed=0, text_variants=text_variants)
    base = text_base(probe, work_dir)
    check_tables(base, text_variants, noise)
    console.print("columnar tables equal talent_table/job_table on a 400 x 400 world")
    started = time.perf_counter()
    trained = train_model(base, text_variants, train_size, pairs, noise)
    model: MatchingModel = trained.model
    weights = model.metadata.retrieval_weights
    console.print(
        f"model trained in {time.perf_counter() - started:.0f} s: "
        f"{model.booster_.num_trees()} trees, proxy text weight "
        f"{weights.get('embedding_cosine', 0.0):.2f}"
    )
    opts: dict[str, Any] = {
        "queries": queries,
        "recall_queries": recall_queries,
        "dims": _ints(dims),
        "efs": _ints(expansion_search),
        "union_ef": union_ef,
        "recall_sizes": [
            (int(a), int(b))
            for a, b in (pair.split(":") for pair in recall_sizes.split(",") if pair)
        ],
        "connectivity": connectivity,
        "expansion_add": expansion_add,
        "build_threads": build_threads,
        "ann_m": _ints(ann_m),
        "shortlist_size": shortlist_size,
        "prefilter_size": prefilter_size,
        "weights": weights,
        "work_dir": work_dir,
    }
    size_list = _ints(sizes)
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%dT%H%M%S")
    path = out_dir / f"ann_n{'_'.join(map(str, size_list))}_{stamp}.json"
    meta = run_meta(opts, base, trained, noise, text_variants)
    results: list[dict[str, Any]] = []
    for n in size_list:
        for direction in [d.strip() for d in directions.split(",") if d.strip()]:
            results.append(run_direction(direction, n, base, text_variants, noise, model, opts))
            gc.collect()
            print_tables(results)
            write(results, path, meta)  # after every direction: a long run keeps what it did
    console.print(f"load average (1/5/15 min): {os.getloadavg()}")


def run_meta(
    opts: dict[str, Any], base: TextBase, trained: TrainingResult, noise: float, variants: int
) -> dict[str, Any]:
    return {
        "queries": opts["queries"],
        "recall_queries": opts["recall_queries"],
        "prefilter_size": opts["prefilter_size"],
        "shortlist_size": opts["shortlist_size"],
        "hnsw": {
            "library": "usearch 2.26.6",
            "metric": "ip",
            "dtype": "f32",
            "connectivity": opts["connectivity"],
            "expansion_add": opts["expansion_add"],
            "build_threads": opts["build_threads"],
            "opened": "Index.restore(path, view=True) (memory-mapped)",
        },
        "embeddings": {
            "text_variants": variants,
            "distinct_texts": base.distinct,
            "noise_norm": noise,
            "model": get_settings().embedding_model_id,
            "mean_cosine": embedding_stats(base, variants, noise),
        },
        "model": {
            "trees": trained.model.booster_.num_trees(),
            "valid": trained.report["model"],
            "proxy_text_weight": trained.model.metadata.retrieval_weights.get("embedding_cosine"),
        },
    }


def print_tables(all_results: list[dict[str, Any]]) -> None:
    sweeps = [r for r in all_results if "recall_sweep" in r]
    if sweeps:
        sweep = Table(title="recall@20 of the exact stage 1 by (prefilter, shortlist) size")
        for col in ("dir", "N", "prefilter", "shortlist", "recall@20", "min"):
            sweep.add_column(col, justify="left" if col == "dir" else "right")
        for r in sweeps:
            for v in r["recall_sweep"]:
                sweep.add_row(
                    r["direction"],
                    f"{r['candidates']:,}",
                    str(v["prefilter_size"]),
                    str(v["shortlist_size"]),
                    f"{v['recall_at_20']:.3f}",
                    f"{v['recall_at_20_min']:.3f}",
                )
        console.print(sweep)
    results = [r for r in all_results if "recall_sweep" not in r]
    if not results:
        return
    text = Table(title="(a) text term alone: exact dot + top_k vs usearch HNSW (mapped), 1 thread")
    for col in (
        "dir",
        "N",
        "d",
        "exact p50",
        "exact p95",
        "build s",
        "file MB",
        "RSS MB",
        "ef",
        "ANN p50",
        "ANN p95",
        "recall@k",
    ):
        text.add_column(col, justify="left" if col == "dir" else "right")
    for r in results:
        for t in r["text_term"]:
            for a in t["ann"]:
                text.add_row(
                    r["direction"],
                    f"{r['candidates']:,}",
                    str(t["dims"]),
                    f"{t['exact']['p50_ms']:.2f}",
                    f"{t['exact']['p95_ms']:.2f}",
                    f"{t['build_s']:.1f}",
                    f"{t['file_mb']:.0f}",
                    f"{t['rss_after_queries_mb']:.0f}",
                    str(a["expansion_search"]),
                    f"{a['latency']['p50_ms']:.2f}",
                    f"{a['latency']['p95_ms']:.2f}",
                    f"{a['recall_at_k']:.4f}",
                )
    console.print(text)
    stage = Table(title="(b) stage 1 (shortlist): exact vs ANN text top-M + skill rows, 1 thread")
    for col in (
        "dir",
        "N",
        "route",
        "p50 ms",
        "p95 ms",
        "text share",
        "cand rows",
        "recall@20",
        "min",
        "strict",
    ):
        stage.add_column(col, justify="left" if col in ("dir", "route") else "right")
    for r in results:
        s = r["stage_one"]
        for route, v in s["routes"].items():
            stage.add_row(
                r["direction"],
                f"{r['candidates']:,}",
                route,
                f"{v['latency']['p50_ms']:.2f}",
                f"{v['latency']['p95_ms']:.2f}",
                f"{s['text_share_of_exact_p50']:.2f}" if route == "exact" else "",
                f"{v['candidate_rows']:,.0f}",
                f"{v['recall_at_20']:.3f}",
                f"{v['recall_at_20_min']:.3f}",
                f"{v['recall_at_20_strict']:.3f}",
            )
    console.print(stage)


def write(results: list[dict[str, Any]], path: Path, meta: dict[str, Any]) -> None:
    out = {
        **meta,
        "threads": 1,
        "machine": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "results": results,
    }
    path.write_text(json.dumps(out, indent=2))
    console.print(f"wrote {path}")


if __name__ == "__main__":
    typer.run(main)
