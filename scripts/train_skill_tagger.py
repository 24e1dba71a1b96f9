"""Train the SkillSpan skill tagger (two CRFs), evaluate it on dev, write the artifact.

    .venv/bin/python scripts/train_skill_tagger.py                  # train + dev report + write
    .venv/bin/python scripts/train_skill_tagger.py --tune           # pick c1/c2 by CV on train

Hyper-parameters are chosen by 5-fold cross-validation on *train* grouped by posting (pooled
exact-span F1 over the folds), never on dev; dev is only the report set. One held-out fifth
(28 postings) was too noisy to rank feature sets or c1/c2: its F1 moves by +-0.02 between
settings that 5-fold CV scores alike. Word clusters: k-means (fixed seed) over MiniLM vectors of the
words of SkillSpan train and of the Dice postings (unlabelled, the text the tagger meets in
production). Writes app/enrichment/data/skill_tagger/{knowledge,skill}.crfsuite,
word_clusters.json and metadata.json (sha256 of each file, params, dev metrics).
"""

from __future__ import annotations

import csv
import json
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pycrfsuite
import typer
from rich.progress import track

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.enrichment.evaluation import (  # noqa: E402
    GoldSpan,
    prf_lines,
    score,
    skillspan_records,
)
from app.enrichment.tagger import (  # noqa: E402
    CRF_DIR,
    KINDS,
    CrfTagger,
    lexicon_flags,
    retokenised_gold,
    sha256_file,
    spans_from_tags,
    token_features,
    tokenize_words,
)
from app.enrichment.vocabulary import Vocabulary, get_vocabulary  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
SEED = 13
VERSION = "skill_tagger_v1.1-crf"
FOLDS = 5

Sequence_ = tuple[list[list[str]], dict[str, list[str]], int]


def load_sequences(
    path: Path, vocab: Vocabulary, clusters: dict[str, int], limit: int | None = None
) -> list[Sequence_]:
    """(features, tags per kind, posting id) per SkillSpan sentence, re-tokenised the way the
    tagger tokenises raw text; a piece of a gold token inherits its tag (B only on the first)."""
    out: list[Sequence_] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if limit is not None and len(out) >= limit:
                break
            raw = json.loads(line)
            gold = {kind: raw[f"tags_{kind}"] for kind in KINDS}
            text, tokens, tags = retokenised_gold(raw["tokens"], gold)
            if not tokens:
                continue
            flags = lexicon_flags(text, tokens, vocab)
            feats = token_features([t.text for t in tokens], flags, clusters)
            out.append((feats, tags, int(raw["idx"])))
    return out


def word_clusters(k: int, dice_rows: int) -> dict[str, int]:
    """Lower-case word -> k-means cluster of its MiniLM vector (words seen twice or more)."""
    from sklearn.cluster import KMeans

    from app.ml.embeddings import get_embedder

    counts: Counter[str] = Counter()
    with (SHARED / "skillspan" / "train.json").open(encoding="utf-8") as handle:
        for line in handle:
            counts.update(
                t.text.lower() for t in tokenize_words(" ".join(json.loads(line)["tokens"]))
            )
    dice = SHARED / "dice" / "dice_com-job_us_sample.csv"
    if dice.exists():
        with dice.open(encoding="utf-8") as handle:
            for i, row in enumerate(csv.DictReader(handle)):
                if i >= dice_rows:
                    break
                counts.update(t.text.lower() for t in tokenize_words(row["jobdescription"]))
    words = sorted(w for w, c in counts.items() if c >= 2 and any(ch.isalpha() for ch in w))
    embedder = get_embedder()
    vectors = np.concatenate(
        [embedder.encode(words[i : i + 512]) for i in track(range(0, len(words), 512), "embed")]
    )
    labels = KMeans(n_clusters=k, n_init=3, random_state=SEED).fit_predict(vectors)
    return {w: int(c) for w, c in zip(words, labels, strict=True)}


def train_crf(data: list[Sequence_], kind: str, params: dict[str, Any], model_path: Path) -> None:
    trainer = pycrfsuite.Trainer(verbose=False)
    for feats, tags, _ in data:
        trainer.append(feats, tags[kind])
    trainer.set_params(params)
    trainer.train(str(model_path))


def posting_folds(data: list[Sequence_]) -> list[set[int]]:
    """FOLDS disjoint sets of posting ids (shuffled with a fixed seed): sentences of one
    posting never sit on both sides of a split."""
    postings = sorted({p for _, _, p in data})
    random.Random(SEED).shuffle(postings)
    return [set(postings[i::FOLDS]) for i in range(FOLDS)]


def cv_span_f1(
    data: list[Sequence_], kind: str, params: dict[str, Any], folds: list[set[int]], tmp: Path
) -> float:
    """Exact-span F1 of `kind`, counts pooled over the held-out folds."""
    tp = pred = gold = 0
    for number, held in enumerate(folds):
        path = tmp / f"{kind}_{number}.crfsuite"
        train_crf([d for d in data if d[2] not in held], kind, params, path)
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        for feats, tags, posting in data:
            if posting in held:
                p = set(spans_from_tags(tagger.tag(feats)))
                g = set(spans_from_tags(tags[kind]))
                tp, pred, gold = tp + len(p & g), pred + len(p), gold + len(g)
    precision, recall = tp / max(1, pred), tp / max(1, gold)
    return 2 * precision * recall / max(1e-9, precision + recall)


def evaluate_dev(directory: Path, limit: int | None = None) -> dict[str, Any]:
    """Exact and partial span P/R/F1 per kind on SkillSpan dev, through the runtime tagger."""
    records = skillspan_records(SHARED / "skillspan" / "dev.json", limit)
    tagger = CrfTagger(directory)
    started = time.perf_counter()
    results = tagger.tag([r.text for r in records])
    predictions = [[GoldSpan(s.start, s.end, s.kind) for s in spans] for spans in results]
    report = score(records, predictions, ["knowledge", "skill"], time.perf_counter() - started)
    return report.as_dict()


app = typer.Typer(add_completion=False)


@app.command()
def main(
    out: Annotated[Path, typer.Option(help="artifact folder")] = CRF_DIR,
    c1: float = 0.05,
    c2: float = 0.03,
    iterations: int = 150,
    clusters: Annotated[int, typer.Option(help="k of the word clusters; 0: none")] = 200,
    dice_rows: int = 658,
    clusters_from: Annotated[
        Path | None, typer.Option(help="reuse a word_clusters.json (same k) instead of k-means")
    ] = None,
    tune: Annotated[bool, typer.Option(help="grid c1/c2 by grouped CV on train")] = False,
    grid_c1: Annotated[str, typer.Option(help="c1 values tried by --tune")] = "0.02,0.05,0.1",
    grid_c2: Annotated[str, typer.Option(help="c2 values tried by --tune")] = "0.01,0.03,0.1",
    limit: Annotated[int | None, typer.Option(help="train sentences (smoke runs)")] = None,
) -> None:
    started = time.perf_counter()
    vocab = get_vocabulary()
    if clusters_from is not None:
        table = {str(k): int(v) for k, v in json.loads(clusters_from.read_text()).items()}
    else:
        table = word_clusters(clusters, dice_rows) if clusters else {}
    train = load_sequences(SHARED / "skillspan" / "train.json", vocab, table, limit)
    typer.echo(f"{len(train)} train sentences, {len(table)} clustered words")
    base: dict[str, Any] = {
        "c1": c1,
        "c2": c2,
        "max_iterations": iterations,
        "feature.possible_transitions": True,
    }
    chosen: dict[str, dict[str, Any]] = {kind: dict(base) for kind in KINDS}
    tuning: dict[str, Any] = {}
    if tune:
        folds = posting_folds(train)
        grid = [(float(a), float(b)) for a in grid_c1.split(",") for b in grid_c2.split(",")]
        with tempfile.TemporaryDirectory() as tmp:
            for kind in KINDS:
                scores: dict[str, float] = {}
                for a, b in track(grid, f"tune {kind}"):
                    params = {**base, "c1": a, "c2": b}
                    scores[f"{a},{b}"] = cv_span_f1(train, kind, params, folds, Path(tmp))
                best = max(scores, key=lambda key: scores[key])
                a, b = (float(x) for x in best.split(","))
                chosen[kind] = {**base, "c1": a, "c2": b}
                tuning[kind] = {f"cv{FOLDS}_exact_f1": scores, "best": best}
                typer.echo(f"{kind}: best c1,c2 = {best} ({scores[best]:.3f} CV F1)")
    out.mkdir(parents=True, exist_ok=True)
    for kind in track(KINDS, "train"):
        train_crf(train, kind, chosen[kind], out / f"{kind}.crfsuite")
    (out / "word_clusters.json").write_text(
        json.dumps(table, sort_keys=True, separators=(",", ":")), encoding="utf-8"
    )
    files = ["knowledge.crfsuite", "skill.crfsuite", "word_clusters.json"]
    meta: dict[str, Any] = {
        "version": VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "files": {name: sha256_file(out / name) for name in files},
        "training_data": {
            "skillspan_train": "SkillSpan train.json (Zhang et al., NAACL 2022, MIT)",
            "sentences": len(train),
            "word_clusters": f"k-means k={clusters} over all-MiniLM-L6-v2 vectors of words "
            f"seen twice in SkillSpan train + {dice_rows} Dice postings",
        },
        "params": {"seed": SEED, "per_kind": chosen, "features": "see tagger.token_features"},
        "tuning": tuning,
    }
    (out / "metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    dev = evaluate_dev(out)
    meta["dev_metrics"] = dev
    meta["train_seconds"] = round(time.perf_counter() - started, 1)
    (out / "metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    for line in prf_lines(dev["per_label"], KINDS):
        typer.echo(line)
    typer.echo(f"wrote {out} in {meta['train_seconds']}s")


if __name__ == "__main__":
    app()
