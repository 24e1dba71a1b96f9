"""Benchmark of the SkillSpan tagger: dev quality alone and merged, and its cost per posting.

    .venv/bin/python scripts/bench_skill_tagger.py              # dev + 100 Dice postings
    .venv/bin/python scripts/bench_skill_tagger.py --jobs 300 --skip-dev

Quality: SkillSpan dev exact and partial P/R/F1, knowledge and skill, for the tagger alone,
today's extractor (lexicon+alias+embedding) and the merged one (+tagger). The extractor labels
a span through its skill's category (evaluation.eval_label), the tagger through its own kind.
Cost: ms per Dice posting (title + `jobdescription`) for the tagger alone and the whole
extractor before/after, best of 3 passes; the encoder is uncached ("cold", every phrase
embedded, as for a new posting) and cached ("warm", only the non-embedding work remains).
Reads ../shared/data; writes bench_results/skill_tagger_<timestamp>.json.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.enrichment.evaluation import GoldSpan, evaluate, score, skillspan_records  # noqa: E402
from app.enrichment.extractor import SkillExtractor  # noqa: E402
from app.enrichment.mentions import Strategy  # noqa: E402
from app.enrichment.tagger import get_tagger  # noqa: E402
from app.enrichment.vocabulary import get_vocabulary  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
BEFORE: tuple[Strategy, ...] = ("lexicon", "alias", "embedding")
AFTER: tuple[Strategy, ...] = ("lexicon", "alias", "embedding", "tagger")


def dev_block(limit: int | None) -> dict[str, Any]:
    records = skillspan_records(SHARED / "skillspan" / "dev.json", limit)
    tagger = get_tagger()
    started = time.perf_counter()
    tagged = tagger.tag([r.text for r in records])
    predicted = [[GoldSpan(s.start, s.end, s.kind) for s in spans] for spans in tagged]
    out: dict[str, Any] = {
        "sentences": len(records),
        "tagger": score(
            records, predicted, ["knowledge", "skill"], time.perf_counter() - started
        ).as_dict(),
    }
    vocab = get_vocabulary()
    for name, strategies in (("extractor_before", BEFORE), ("extractor_after", AFTER)):
        report = evaluate(SkillExtractor(vocab, strategies), records, ["knowledge", "skill"])
        out[name] = report.as_dict()
        _progress(f"{name} on dev done")
    return out


def dice_texts(n: int) -> list[str]:
    with (SHARED / "dice" / "dice_com-job_us_sample.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [f"{r['jobtitle']}.\n{r['jobdescription']}" for r in rows[:n]]


def best_ms_per_job(run: Callable[[Sequence[str]], object], texts: list[str]) -> float:
    times: list[float] = []
    for _ in range(3):
        started = time.perf_counter()
        for i in range(0, len(texts), 32):
            run(texts[i : i + 32])
        times.append(time.perf_counter() - started)
    return 1000 * min(times) / len(texts)


def cost_block(texts: list[str]) -> dict[str, Any]:
    from app.ml.embeddings import TextEmbedder, get_embedder

    vocab = get_vocabulary()
    tagger = get_tagger()
    model = get_embedder().model
    out: dict[str, Any] = {
        "jobs": len(texts),
        "mean_chars": sum(len(t) for t in texts) / len(texts),
        "tagger_ms": best_ms_per_job(tagger.tag, texts),
    }
    for mode, cache in (("cold", 0), ("warm", 1_000_000)):
        encoder = TextEmbedder(cache_size=cache)
        encoder._model = model  # the loaded weights, with or without the LRU cache
        for name, strategies in (("before", BEFORE), ("after", AFTER)):
            ex = SkillExtractor(vocab, strategies, encoder=encoder, tagger=tagger)
            _ = ex.index
            out[f"extractor_{name}_{mode}_ms"] = best_ms_per_job(ex.extract_many, texts)
        _progress(f"{mode} extractor timing done")
    return out


def _progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def print_table(result: dict[str, Any]) -> None:
    table = Table(title="skill tagger benchmark (SkillSpan dev, Dice postings)")
    table.add_column("measure")
    table.add_column("exact P / R / F1", justify="right")
    table.add_column("partial P / R / F1", justify="right")
    dev = result.get("dev")
    if dev:
        for name in ("tagger", "extractor_before", "extractor_after"):
            for label in ("knowledge", "skill"):
                per = dev[name]["per_label"][label]
                table.add_row(
                    f"{label} ({name})",
                    *(
                        " / ".join(f"{per[mode][m]:.3f}" for m in ("precision", "recall", "f1"))
                        for mode in ("exact", "partial")
                    ),
                )
    Console().print(table)
    cost = result.get("cost")
    if cost:
        timing = Table(title=f"ms per Dice posting ({cost['jobs']} postings, best of 3)")
        timing.add_column("what")
        timing.add_column("ms / posting", justify="right")
        timing.add_row("tagger alone", f"{cost['tagger_ms']:.1f}")
        for mode in ("cold", "warm"):
            for name in ("before", "after"):
                timing.add_row(
                    f"extractor {name} ({mode} encoder)",
                    f"{cost[f'extractor_{name}_{mode}_ms']:.1f}",
                )
        Console().print(timing)


def main(
    jobs: Annotated[int, typer.Option(help="Dice postings timed")] = 100,
    skip_dev: bool = False,
    dev_limit: Annotated[int | None, typer.Option(help="dev sentences (smoke runs)")] = None,
) -> None:
    from app.logging import configure_logging

    configure_logging("WARNING")
    result: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(),
        "cpu_note": "2 shared cores",
        "tagger_version": get_tagger().version,
    }
    if not skip_dev:
        result["dev"] = dev_block(dev_limit)
    result["cost"] = cost_block(dice_texts(jobs))
    out_dir = ROOT / "bench_results"
    out_dir.mkdir(exist_ok=True)
    path = out_dir / f"skill_tagger_{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print_table(result)
    print(f"wrote {path}")


if __name__ == "__main__":
    typer.run(main)
