"""Benchmark of the SkillSpan taggers: dev quality alone and merged, and their cost per posting.

    .venv/bin/python scripts/bench_skill_tagger.py              # dev + 100 Dice postings
    .venv/bin/python scripts/bench_skill_tagger.py --jobs 300 --skip-dev

Quality: SkillSpan dev exact and partial P/R/F1, knowledge and skill, for the taggers alone
in one run (the CRF baseline `crf`, the fine-tuned MiniLM unmixed `minilm_alone`, the served
mix of both `minilm_crf`), the extractor without a tagger (lexicon+alias+embedding) and with
the served one (+tagger). The extractor labels a span through its skill's category
(evaluation.eval_label), a tagger through its own kind.
Cost: ms per Dice posting (title + `jobdescription`, ~340 words) for the CRF and the served
tagger alone with torch on one and on two threads (the enrichment workers run one), and the
whole extractor without/with the tagger, best of 3 passes; the encoder is uncached ("cold",
every phrase embedded, as for a new posting) and cached ("warm", only the non-embedding work
remains). Reads ../shared/data; writes bench_results/skill_tagger_<timestamp>.json.
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
from app.enrichment.minilm_tagger import MiniLMTagger  # noqa: E402
from app.enrichment.tagger import CrfTagger, SpanTagger, get_tagger  # noqa: E402
from app.enrichment.vocabulary import get_vocabulary  # noqa: E402

SHARED = ROOT.parent / "shared" / "data"
BEFORE: tuple[Strategy, ...] = ("lexicon", "alias", "embedding")
AFTER: tuple[Strategy, ...] = ("lexicon", "alias", "embedding", "tagger")


def taggers(with_alone: bool = False) -> dict[str, SpanTagger]:
    """The CRF baseline, the served MiniLM+CRF mix and (dev only) the MiniLM unmixed."""
    out: dict[str, SpanTagger] = {"crf": CrfTagger(), "minilm_crf": get_tagger()}
    if with_alone:
        out["minilm_alone"] = MiniLMTagger(minilm_weight={"knowledge": 1.0, "skill": 1.0})
    return out


def dev_block(limit: int | None) -> dict[str, Any]:
    records = skillspan_records(SHARED / "skillspan" / "dev.json", limit)
    out: dict[str, Any] = {"sentences": len(records)}
    for name, tagger in taggers(with_alone=True).items():
        started = time.perf_counter()
        tagged = tagger.tag([r.text for r in records])
        predicted = [[GoldSpan(s.start, s.end, s.kind) for s in spans] for spans in tagged]
        out[f"tagger_{name}"] = score(
            records, predicted, ["knowledge", "skill"], time.perf_counter() - started
        ).as_dict()
        out[f"tagger_{name}"]["version"] = tagger.version
        _progress(f"tagger {name} on dev done")
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
    import torch

    from app.ml.embeddings import TextEmbedder, get_embedder

    vocab = get_vocabulary()
    tagger = get_tagger()
    model = get_embedder().model
    out: dict[str, Any] = {
        "jobs": len(texts),
        "mean_chars": sum(len(t) for t in texts) / len(texts),
        "mean_words": sum(len(t.split()) for t in texts) / len(texts),
    }
    threads = torch.get_num_threads()
    for name, each in taggers().items():
        for n in (1, 2):
            torch.set_num_threads(n)
            out[f"tagger_{name}_{n}thread_ms"] = best_ms_per_job(each.tag, texts)
        _progress(f"tagger {name} timing done")
    torch.set_num_threads(threads)
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
        names = ("tagger_crf", "tagger_minilm_alone", "tagger_minilm_crf")
        for name in (*names, "extractor_before", "extractor_after"):
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
        timing = Table(
            title=f"ms per Dice posting ({cost['jobs']} postings, "
            f"{cost['mean_words']:.0f} words on average, best of 3)"
        )
        timing.add_column("what")
        timing.add_column("ms / posting", justify="right")
        for name in ("crf", "minilm_crf"):
            for n in (1, 2):
                timing.add_row(
                    f"tagger {name} alone, {n} thread(s)",
                    f"{cost[f'tagger_{name}_{n}thread_ms']:.1f}",
                )
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
        "baseline_version": CrfTagger().version,
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
