"""Simulate drift step by step and show when the drift alert fires, and that it does not
fire on unshifted weeks.

What is measured is the product's own computation, `app.drift.stats.compute_drift` with the
settings' bins, minimum sample and threshold (what `app drift report` runs on the database's
rows), on weekly windows built here:

- Features: the reference is a training sample: `reference.npz` of a model artifact
  (`--reference models/v1.0`), or, without one, 5,000 synthetic rows whose columns mimic the
  feature kinds (shares in [0, 1], counts, flags, ratios, a cosine). A week is a fresh draw of
  `--rows` rows from the same distribution (a bootstrap of the reference when it is a real
  one); a shifted week moves one feature (`--feature`) by `step * --feature-step` of its
  reference standard deviation. Scores come from that model (with `--reference`) or from one
  fixed scoring function of the features, so the score moves only as much as the features
  make it.
- Job texts: real text, embedded with the serving embedder (all-MiniLM-L6-v2): a job is an
  O*NET occupation title and three of its task statements. The training-time jobs come from
  business, computing and engineering occupations (SOC 11-17); new jobs of a shifted week
  are `step * --text-step` health-care, food-service and cleaning occupations (SOC 29-37),
  the rest from the training domain's held-out jobs.

Three scenarios (feature only, text only, both) run for steps 0..--steps, then
`--null-weeks` unshifted weeks give the false-alarm rate.

    .venv/bin/python scripts/simulate_drift.py                 # ~2-4 minutes on 2 cores
    .venv/bin/python scripts/simulate_drift.py --steps 6 --null-weeks 10
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.drift.stats import compute_drift  # noqa: E402
from app.ml.embeddings import get_embedder  # noqa: E402
from app.ml.features import FEATURE_NAMES  # noqa: E402
from app.ml.matcher import MatchingModel  # noqa: E402
from app.ml.reference import ReferenceSample  # noqa: E402
from app.settings import get_settings  # noqa: E402

TASKS = ROOT.parent / "shared" / "data" / "onet" / "task_statements.tsv"
OCCUPATIONS = ROOT.parent / "shared" / "data" / "onet" / "occupation_data.tsv"
TRAINING_GROUPS = ("11", "13", "15", "17")
NEW_GROUPS = ("29", "31", "35", "37")
FloatArray = np.ndarray


def _kind(name: str) -> str:
    if name in ("missing_required_skills", "experience_level_distance"):
        return "count"
    if name.endswith("_match") or name == "remote_compatibility":
        return "flag"
    if name.endswith(("_ratio", "_years", "_km", "_hours")):
        return "ratio"
    if name == "embedding_cosine":
        return "cosine"
    return "share"


def synthetic_features(rows: int, rng: np.random.Generator) -> FloatArray:
    """Columns of the kinds the real features have (shares in [0, 1], counts, flags, positive
    ratios and distances, a cosine), in FEATURE_NAMES order."""
    out = np.empty((rows, len(FEATURE_NAMES)))
    for j, name in enumerate(FEATURE_NAMES):
        kind = _kind(name)
        if kind == "share":
            out[:, j] = rng.beta(2, 5, rows)
        elif kind == "count":
            out[:, j] = rng.poisson(1.5, rows)
        elif kind == "flag":
            out[:, j] = rng.random(rows) < 0.35
        elif kind == "ratio":
            out[:, j] = rng.lognormal(0, 0.4, rows)
        else:
            out[:, j] = np.clip(rng.normal(0.45, 0.15, rows), -1, 1)
    return out


WEIGHTS = np.random.default_rng(11).normal(0, 12, len(FEATURE_NAMES))


def score(features: FloatArray) -> FloatArray:
    return np.clip(50 + (features - 0.5) @ WEIGHTS / 3, 0, 100)


def job_texts(rng: np.random.Generator) -> tuple[list[str], list[str]]:
    titles = {}
    with OCCUPATIONS.open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            titles[row["O*NET-SOC Code"]] = row["Title"]
    tasks: dict[str, list[str]] = defaultdict(list)
    with TASKS.open() as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            tasks[row["O*NET-SOC Code"]].append(row["Task"])
    training: list[str] = []
    new: list[str] = []
    for code, items in sorted(tasks.items()):
        if len(items) < 3 or code not in titles:
            continue
        group = code[:2]
        target = training if group in TRAINING_GROUPS else new if group in NEW_GROUPS else None
        if target is None:
            continue
        for _ in range(4):
            picked = rng.choice(len(items), 3, replace=False)
            target.append(titles[code] + ". " + " ".join(items[i] for i in picked))
    return training, new


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reference", type=Path, help="A model artifact folder")
    parser.add_argument("--rows", type=int, default=1000, help="Inference-log rows per week")
    parser.add_argument("--jobs", type=int, default=300, help="New jobs per week")
    parser.add_argument("--feature", default="years_ratio", choices=FEATURE_NAMES)
    parser.add_argument("--feature-step", type=float, default=0.1)
    parser.add_argument("--text-step", type=float, default=0.05)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--null-weeks", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    settings = get_settings()
    rng = np.random.default_rng(args.seed)
    started = time.perf_counter()

    scorer = score
    if args.reference:
        sample = ReferenceSample.load(args.reference)
        reference_features = sample.features
        scorer = MatchingModel.load(args.reference).predict

        def draw_week(n: int) -> FloatArray:
            return reference_features[rng.choice(len(reference_features), n)]

        source = f"reference.npz of {args.reference} ({len(reference_features)} rows)"
    else:
        reference_features = synthetic_features(5000, rng)

        def draw_week(n: int) -> FloatArray:
            return synthetic_features(n, rng)

        source = "synthetic training sample (5000 rows)"
    reference_scores = scorer(reference_features)
    column = FEATURE_NAMES.index(args.feature)
    spread = float(reference_features[:, column].std()) or 1.0

    training_texts, new_texts = job_texts(rng)
    order = rng.permutation(len(training_texts))
    split = len(order) // 2
    embedder = get_embedder()
    t0 = time.perf_counter()
    train_vectors = np.asarray(embedder.encode(training_texts), dtype=np.float64)
    new_vectors = np.asarray(embedder.encode(new_texts), dtype=np.float64)
    embed_seconds = time.perf_counter() - t0
    reference_vectors = train_vectors[order[:split]]
    held_out = train_vectors[order[split:]]

    def week(feature_shift: float, new_share: float) -> tuple[float, str, float, float, float]:
        features = draw_week(args.rows)
        features[:, column] += feature_shift * spread
        n_new = round(args.jobs * new_share)
        jobs = np.vstack(
            [
                held_out[rng.choice(len(held_out), args.jobs - n_new, replace=False)],
                new_vectors[rng.choice(len(new_vectors), n_new, replace=False)],
            ]
        )
        result = compute_drift(
            list(FEATURE_NAMES),
            reference_features,
            reference_scores,
            features,
            scorer(features),
            reference_vectors,
            jobs,
            bins=settings.drift_bins,
            min_samples=min(settings.drift_min_samples, args.jobs),
            threshold=settings.drift_threshold,
        )
        feature_psi = next(c.psi for c in result.features if c.name == args.feature) or 0.0
        return (
            result.overall_score,
            result.overall_metric,
            feature_psi,
            result.prediction.psi or 0.0,
            result.embedding.score or 0.0,
        )

    print(f"reference: {source}; {len(reference_vectors)} training-domain job texts")
    print(
        f"week: {args.rows} inference rows, {args.jobs} new jobs; threshold "
        f"{settings.drift_threshold}, {settings.drift_bins} reference-quantile bins, "
        f"min sample {settings.drift_min_samples}; embedded {len(training_texts) + len(new_texts)}"
        f" texts in {embed_seconds:.0f} s"
    )
    scenarios = {
        "feature": (args.feature_step, 0.0),
        "text": (0.0, args.text_step),
        "both": (args.feature_step, args.text_step),
    }
    for name, (f_step, t_step) in scenarios.items():
        print(
            f"\nscenario {name}: {args.feature} + {f_step:g} sd/step, new-domain jobs "
            f"+{t_step:.0%}/step"
        )
        print(
            f"{'step':>4} {'shift':>6} {'new':>5} {'psi_f':>7} {'psi_s':>7} {'emb':>6} "
            f"{'overall':>8}  metric / alert"
        )
        fired = None
        for step in range(args.steps + 1):
            overall, metric, psi_f, psi_s, emb = week(step * f_step, step * t_step)
            alert = overall > settings.drift_threshold
            if alert and fired is None:
                fired = step
            print(
                f"{step:>4} {step * f_step:>6.2f} {step * t_step:>5.0%} {psi_f:>7.3f} "
                f"{psi_s:>7.3f} {emb:>6.3f} {overall:>8.3f}  {metric}"
                + ("  ALERT" if alert else "")
            )
        print(f"alert first fires at step: {fired if fired is not None else 'never'}")

    scores = [week(0.0, 0.0)[0] for _ in range(args.null_weeks)]
    alarms = sum(s > settings.drift_threshold for s in scores)
    print(
        f"\nunshifted weeks: {args.null_weeks}, false alarms {alarms} "
        f"({alarms / args.null_weeks:.0%}); overall score max {max(scores):.3f}, "
        f"mean {np.mean(scores):.3f}"
    )
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
