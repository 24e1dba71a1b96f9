"""CRF vs MiniLM vs their word-level ensemble on a held-out fifth of SkillSpan *train*.

    .venv/bin/python scripts/train_minilm_tagger.py --holdout --out /tmp/minilm_fold
    .venv/bin/python scripts/compare_skill_taggers.py --minilm /tmp/minilm_fold

The fold is the one `train_minilm_tagger.py --holdout` holds out (postings shuffled with the
same seed, every fifth one held out). A CRF (the shipped features and c1/c2, the shipped word
clusters, which use no labels) is trained on the other four fifths. Both taggers read the
held-out sentences as the runtime does (tokenize_words, chunks); the ensemble mixes their
per-word O/B/I probabilities, `w * MiniLM + (1 - w) * CRF marginal`, and decodes with the
constrained Viterbi. Prints exact-span P/R/F1 per kind for each, so the served tagger and the
weight are chosen on train, never on dev.
"""

from __future__ import annotations

import json
import random
import sys
import tempfile
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pycrfsuite
import torch
import typer

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from train_minilm_tagger import FOLDS, SEED, SHARED, load_units  # noqa: E402
from train_skill_tagger import load_sequences, train_crf  # noqa: E402

from app.enrichment.minilm_tagger import TAGS, MiniLMTagger, decode, word_log_probs  # noqa: E402
from app.enrichment.tagger import (  # noqa: E402
    CRF_DIR,
    KINDS,
    lexicon_flags,
    spans_from_tags,
    token_features,
)
from app.enrichment.text import Token  # noqa: E402
from app.enrichment.vocabulary import get_vocabulary  # noqa: E402


def prf(tp: int, pred: int, gold: int) -> dict[str, float]:
    precision, recall = tp / max(1, pred), tp / max(1, gold)
    return {
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / max(1e-9, precision + recall), 4),
    }


def main(
    minilm: Annotated[Path, typer.Option(help="MiniLM artifact trained on the 4/5")],
    weights: str = "0.3,0.5,0.7",
    threads: int = 2,
) -> None:
    torch.set_num_threads(threads)
    vocab = get_vocabulary()
    clusters = {
        str(k): int(v) for k, v in json.loads((CRF_DIR / "word_clusters.json").read_text()).items()
    }
    crf_meta = json.loads((CRF_DIR / "metadata.json").read_text())
    train_path = SHARED / "skillspan" / "train.json"
    sequences = load_sequences(train_path, vocab, clusters)
    postings = sorted({p for _, _, p in sequences})
    random.Random(SEED).shuffle(postings)
    held = set(postings[0::FOLDS])
    units = [u for u in load_units(train_path) if u[2] in held]
    crf_probs: dict[str, list[np.ndarray]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for kind in KINDS:
            path = Path(tmp) / f"{kind}.crfsuite"
            train_crf(
                [s for s in sequences if s[2] not in held],
                kind,
                crf_meta["params"]["per_kind"][kind],
                path,
            )
            tagger = pycrfsuite.Tagger()
            tagger.open(str(path))
            labels = set(tagger.labels())
            crf_probs[kind] = []
            for words, _, _ in units:
                text = " ".join(words)
                tokens, cursor = [], 0
                for word in words:
                    tokens.append(Token(word, cursor, cursor + len(word)))
                    cursor += len(word) + 1
                feats = token_features(words, lexicon_flags(text, tokens, vocab), clusters)
                tagger.set(feats)
                crf_probs[kind].append(
                    np.array(
                        [
                            [tagger.marginal(t, i) if t in labels else 0.0 for t in TAGS]
                            for i in range(len(words))
                        ]
                    )
                )
            typer.echo(f"CRF {kind} trained and applied", err=True)
    model = MiniLMTagger(minilm)
    nn_logp = word_log_probs(model.model, model.tokenizer, [u[0] for u in units])
    results: dict[str, Any] = {}
    candidates = ["crf", "minilm"] + [f"ensemble_w{w}" for w in weights.split(",")]
    for name in candidates:
        results[name] = {}
        for k, kind in enumerate(KINDS):
            tp = pred = gold = 0
            for u, (_, tags, _) in enumerate(units):
                p_crf = np.clip(crf_probs[kind][u], 1e-9, 1.0)
                p_nn = np.exp(nn_logp[u][:, k, :])
                if name == "crf":
                    mixed = p_crf
                elif name == "minilm":
                    mixed = p_nn
                else:
                    w = float(name.removeprefix("ensemble_w"))
                    mixed = w * p_nn + (1 - w) * p_crf
                p = set(spans_from_tags(decode(np.log(np.clip(mixed, 1e-12, 1.0)))))
                g = set(spans_from_tags(tags[kind]))
                tp, pred, gold = tp + len(p & g), pred + len(p), gold + len(g)
            results[name][kind] = prf(tp, pred, gold)
        typer.echo(
            f"{name:16s} "
            + "  ".join(
                f"{kind} P/R/F1 {r['precision']:.3f}/{r['recall']:.3f}/{r['f1']:.3f}"
                for kind, r in results[name].items()
            )
        )
    typer.echo(json.dumps({"heldout_units": len(units), "results": results}))


if __name__ == "__main__":
    typer.run(main)
