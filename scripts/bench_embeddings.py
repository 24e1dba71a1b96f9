"""Embedding throughput (ours vs raw model.encode) and re-embedding on a second seed.

    .venv/bin/python scripts/bench_embeddings.py [--texts 500] [--rounds 5]

1. Throughput: the same N distinct job-description-length texts (~600 characters, built
   from O*NET task statements) through `TextEmbedder.encode` (hashing, LRU, length sort)
   and through the raw `SentenceTransformer.encode` on the same loaded model, interleaved
   in rounds so machine load hits both alike. Target: ours >= 90 % of raw.
2. Re-embedding: seed a temporary SQLite world, seed it again with --reset (same texts),
   then seed another seed on top; count texts sent to the model each time (target 0 for the
   second run).

Prints a table and writes bench_results/embeddings.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from app.db.migrate import upgrade_head
from app.db.session import make_engine
from app.ml.embeddings import BATCH_SIZE, TextEmbedder, get_embedder
from app.seeding.service import seed_world
from app.seeding.vocab import load_vocab

ROOT = Path(__file__).resolve().parents[1]


def job_like_texts(n: int, seed: int = 0) -> list[str]:
    """Distinct texts shaped like our job texts: a title, four duties, a tools list."""
    vocab = load_vocab()
    rng = np.random.default_rng(seed)
    tasks = [t for o in vocab.occupations for t in o.tasks]
    texts: set[str] = set()
    while len(texts) < n:
        occ = vocab.occupations[rng.integers(len(vocab.occupations))]
        duties = " ".join(tasks[i] for i in rng.choice(len(tasks), size=4, replace=False))
        tools = ", ".join(vocab.skills[i].name for i in rng.choice(occ.skills, size=6))
        title = occ.alt_titles[rng.integers(len(occ.alt_titles))]
        texts.add(f"{title}. We are hiring a {title}. What you will do: {duties} Tools: {tools}.")
    return sorted(texts)


def throughput(texts: list[str], rounds: int) -> dict[str, float]:
    shared = get_embedder()
    model = shared.model
    model.encode(texts[:32], batch_size=BATCH_SIZE)  # warm-up
    ours_s = raw_s = 0.0
    for i, part in enumerate(np.array_split(np.array(texts, dtype=object), rounds)):
        chunk = [str(t) for t in part]
        fresh = TextEmbedder(model_id=shared.model_id)
        fresh._model = model  # same loaded weights; an empty cache, so every text is a miss
        order = ("ours", "raw") if i % 2 == 0 else ("raw", "ours")
        for which in order:
            started = time.perf_counter()
            if which == "ours":
                fresh.encode(chunk)
                ours_s += time.perf_counter() - started
            else:
                model.encode(
                    chunk, batch_size=BATCH_SIZE, normalize_embeddings=True, convert_to_numpy=True
                )
                raw_s += time.perf_counter() - started
    cached = TextEmbedder(model_id=shared.model_id)
    cached._model = model
    cached.encode(texts[:64])
    started = time.perf_counter()
    cached.encode(texts[:64] * 10)
    cached_s = time.perf_counter() - started
    n = len(texts)
    return {
        "texts": n,
        "mean_chars": float(np.mean([len(t) for t in texts])),
        "ours_texts_per_s": n / ours_s,
        "raw_texts_per_s": n / raw_s,
        "ratio": raw_s / ours_s,
        "cached_texts_per_s": 640 / cached_s,
    }


def reembedding(talents: int, jobs: int) -> dict[str, dict[str, Any]]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade_head(url)
        engine = make_engine(url)
        runs: dict[str, dict[str, Any]] = {}
        plans: list[tuple[str, dict[str, Any]]] = [
            ("first seed", {"seed": 42}),
            ("same seed again (--reset)", {"seed": 42, "reset": True}),
            ("another seed on top", {"seed": 43}),
        ]
        for name, kwargs in plans:
            started = time.perf_counter()
            report = seed_world(engine, talents=talents, jobs=jobs, pairs=1000, **kwargs)
            runs[name] = {
                "texts_embedded": report.texts_embedded,
                "distinct_texts": report.distinct_texts,
                "seconds": round(time.perf_counter() - started, 2),
            }
        engine.dispose()
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--talents", type=int, default=1500)
    parser.add_argument("--jobs", type=int, default=300)
    args = parser.parse_args()

    speed = throughput(job_like_texts(args.texts), args.rounds)
    print(f"\nthroughput on {speed['texts']} distinct texts (~{speed['mean_chars']:.0f} chars):")
    print(f"  {'path':<28}{'texts/s':>10}")
    print(f"  {'raw model.encode':<28}{speed['raw_texts_per_s']:>10.1f}")
    print(f"  {'TextEmbedder.encode':<28}{speed['ours_texts_per_s']:>10.1f}")
    print(f"  {'TextEmbedder (LRU hits)':<28}{speed['cached_texts_per_s']:>10.0f}")
    print(f"  ours / raw = {speed['ratio']:.1%} (target >= 90%)")

    runs = reembedding(args.talents, args.jobs)
    print(f"\nre-embedding ({args.talents} talents, {args.jobs} jobs, temp SQLite):")
    for name, run in runs.items():
        print(
            f"  {name:<28} texts sent to the model: {run['texts_embedded']}  ({run['seconds']} s)"
        )

    out = ROOT / "bench_results" / "embeddings.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "load_avg_1m_at_end": os.getloadavg()[0],
                },
                "throughput": speed,
                "reembedding": runs,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
