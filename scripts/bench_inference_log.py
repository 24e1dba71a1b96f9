"""What the inference log costs a match request: `offer` on a scored short list (sampled and
not) and the flush's one multi-row INSERT, on a scratch SQLite file (and Postgres with --pg:
that database is migrated to head; the timed inserts are rolled back).

    .venv/bin/python scripts/bench_inference_log.py
    .venv/bin/python scripts/bench_inference_log.py --pg postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.enums import MatchSource  # noqa: E402
from app.db.migrate import upgrade_head  # noqa: E402
from app.db.session import make_engine, session_factory  # noqa: E402
from app.ml.features import FEATURE_NAMES  # noqa: E402
from app.monitoring.inference_log import InferenceSampler  # noqa: E402


def per_call_us(fn: object, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - start) * 1e6)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shortlist", type=int, default=600)
    parser.add_argument("--rows", type=int, default=5, help="rows per sampled request")
    parser.add_argument("--repeats", type=int, default=2000)
    parser.add_argument("--pg", help="also time the flush on this Postgres database")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    features = rng.random((args.shortlist, len(FEATURE_NAMES)))
    scores = rng.random(args.shortlist) * 100

    idle = InferenceSampler(0.0, args.rows, seed=1)
    sampled = InferenceSampler(1.0, args.rows, seed=1)
    p50, p95 = per_call_us(lambda: idle.offer(features, scores, MatchSource.ML, "v1"), args.repeats)
    print(f"offer, not sampled:         p50 {p50:7.1f} us  p95 {p95:7.1f} us")

    def sampled_offer() -> None:
        sampled.offer(features, scores, MatchSource.ML, "v1")
        sampled.drain()

    p50, p95 = per_call_us(sampled_offer, args.repeats)
    print(f"offer, sampled ({args.rows} rows):    p50 {p50:7.1f} us  p95 {p95:7.1f} us")

    urls = [f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"]
    if args.pg:
        urls.append(args.pg)
    for url in urls:
        upgrade_head(url)
        engine = make_engine(url)
        with session_factory(engine)() as session:

            def flush() -> None:
                sampled.offer(features, scores, MatchSource.ML, "v1")
                sampled.flush(session)

            p50, p95 = per_call_us(flush, min(args.repeats, 500))
            session.rollback()  # measured, never kept
        print(
            f"flush ({args.rows} rows, {engine.dialect.name}):   p50 {p50:7.1f} us  "
            f"p95 {p95:7.1f} us  (one INSERT in the request's transaction, before its commit)"
        )
        engine.dispose()


if __name__ == "__main__":
    main()
