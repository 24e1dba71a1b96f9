"""Benchmark of the enrichment pipeline: quality targets and speed, printed and saved as JSON.

    python scripts/bench_enrichment.py                 # everything (a few minutes on 2 cores)
    python scripts/bench_enrichment.py --skip-skillspan --jobs 100

Measures (issue 7 / seed targets):
  SC-002  SkillSpan dev span P/R/F1, knowledge and skill separately, exact and partial, for the
          merged extractor and the lexicon baseline (+ lexicon+alias as an ablation)
  SC-003  alias resolution accuracy on tests/enrichment/data/alias_cases.jsonl (real postings)
  SC-004  section classification accuracy on tests/enrichment/data/dice_sections.jsonl: rules,
          and the trained hybrid (grouped 5-fold CV by posting; also grouped by shared template),
          7 labels and skills-relevance, recall per label and confusion matrix (in the JSON)
  SC-006  wall time to evaluate 100 SkillSpan samples
  latency one job at a time (p50/p95/max) and batch throughput (jobs/s) on Dice postings
  SC-008  processing-time cost of section awareness (embedding cache off, best of 3)
Reads ../shared/data (SkillSpan, Dice); writes bench_results/enrichment_<timestamp>.json.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
DATA = ROOT / "tests" / "enrichment" / "data"


def skillspan_block(extractor_cls: Any, vocab: Any, limit: int | None) -> dict[str, Any]:
    from app.enrichment.evaluation import evaluate, skillspan_records

    records = skillspan_records(SHARED / "skillspan" / "dev.json", limit)
    out: dict[str, Any] = {"dataset": "skillspan/dev.json", "sentences": len(records)}
    for name, strategies in (
        ("lexicon_baseline", ("lexicon",)),
        ("lexicon_alias", ("lexicon", "alias")),
        ("merged", ("lexicon", "alias", "embedding")),
    ):
        report = evaluate(extractor_cls(vocab, strategies), records)
        out[name] = report.as_dict()
    base = out["lexicon_baseline"]
    merged = out["merged"]
    out["relative_f1_gain"] = {
        f"{label}_{mode}": _gain(merged, base, label, mode)
        for label in ("knowledge", "skill")
        for mode in ("exact", "partial")
    }
    out["relative_f1_gain"]["macro_exact"] = _rel(
        merged["macro"]["exact"]["f1"], base["macro"]["exact"]["f1"]
    )
    return out


def _rel(new: float, old: float) -> float | None:
    return (new - old) / old if old else None


def _gain(merged: dict[str, Any], base: dict[str, Any], label: str, mode: str) -> float | None:
    return _rel(merged["per_label"][label][mode]["f1"], base["per_label"][label][mode]["f1"])


def eval_100_block(extractor_cls: Any, vocab: Any) -> dict[str, Any]:
    from app.enrichment.evaluation import evaluate, skillspan_records

    records = skillspan_records(SHARED / "skillspan" / "dev.json")[-100:]
    started = time.perf_counter()
    report = evaluate(extractor_cls(vocab), records)
    return {
        "samples": 100,
        "seconds": round(time.perf_counter() - started, 3),
        "macro_f1_exact": report.f1("exact"),
    }


def alias_block(extractor: Any) -> dict[str, Any]:
    cases = [json.loads(line) for line in (DATA / "alias_cases.jsonl").open()]
    results = extractor.extract_many([c["context"] for c in cases])
    correct = 0
    misses: list[dict[str, Any]] = []
    for case, result in zip(cases, results, strict=True):
        predicted = None
        for skill in result.skills:
            for span in skill.spans:
                if span.start < case["end"] and case["start"] < span.end:
                    predicted = skill.name
        ok = predicted in case["expected"] if case["expected"] else predicted is None
        correct += ok
        if not ok:
            misses.append(
                {"surface": case["surface"], "expected": case["expected"], "predicted": predicted}
            )
    negatives = sum(1 for c in cases if not c["expected"])
    return {
        "cases": len(cases),
        "non_skill_cases": negatives,
        "correct": correct,
        "accuracy": correct / len(cases),
        "misses": misses,
    }


def sections_block() -> dict[str, Any]:
    """Rules alone and the trained hybrid (section_model.cross_validated_labels: GroupKFold by
    posting, the hybrid's own decision rule) on the labelled Dice sections. Position features
    use each posting's real section count when the Dice sample is there (a few postings have
    unlabelled sections), else the highest labelled index + 1."""
    import dataclasses

    from app.enrichment.section_model import (
        cross_validated_labels,
        examples_matrix,
        load_annotations,
    )
    from app.enrichment.sections import (
        LABEL_RELEVANCE,
        RELEVANT_THRESHOLD,
        SECTION_LABELS,
        classify_rule,
        split_sections,
    )
    from app.ml.embeddings import get_embedder

    examples = load_annotations(DATA / "dice_sections.jsonl")
    dice = SHARED / "dice" / "dice_com-job_us_sample.csv"
    count_source = "highest labelled index + 1"
    if dice.exists():
        with dice.open(encoding="utf-8") as handle:
            descriptions = [r["jobdescription"] for r in csv.DictReader(handle)]
        counts = {
            p: len(split_sections(descriptions[int(p)])) for p in {str(e.posting) for e in examples}
        }
        examples = [dataclasses.replace(e, count=counts[str(e.posting)]) for e in examples]
        count_source = "split_sections of the Dice posting"
    gold = [e.label for e in examples]

    def relevant(label: str) -> bool:
        return LABEL_RELEVANCE[label] >= RELEVANT_THRESHOLD

    def scores(predicted: list[str]) -> dict[str, Any]:
        pairs = list(zip(predicted, gold, strict=True))
        labels = [lb for lb in SECTION_LABELS if lb in gold]
        return {
            "accuracy_7_labels": sum(p == g for p, g in pairs) / len(pairs),
            "accuracy_relevance": sum(relevant(p) == relevant(g) for p, g in pairs) / len(pairs),
            "recall": {
                lb: sum(p == g for p, g in pairs if g == lb) / gold.count(lb) for lb in labels
            },
            # confusion[gold][predicted]
            "confusion": {
                lb: {q: sum(1 for p, g in pairs if g == lb and p == q) for q in SECTION_LABELS}
                for lb in labels
            },
        }

    rule = [classify_rule(e.section).label for e in examples]
    x = examples_matrix(examples, get_embedder())
    hybrid, alone, folds = cross_validated_labels(examples, x, folds=5)
    # Stricter: postings that share a near-identical section (a recruiter's "About us", an EEO
    # paragraph) are one group, so a template never sits in both train and test.
    templates = _template_groups(examples)
    by_template = [
        dataclasses.replace(e, posting=t) for e, t in zip(examples, templates, strict=True)
    ]
    hybrid_t, _, _ = cross_validated_labels(by_template, x, folds=5)
    return {
        "sections": len(examples),
        "postings": len({e.posting for e in examples}),
        "label_counts": {lb: gold.count(lb) for lb in sorted(set(gold))},
        "section_count_source": count_source,
        "cv": f"GroupKFold({folds}) by posting",
        "rules": scores(rule),
        "trained_hybrid_grouped_5fold": scores(hybrid),
        "trained_model_alone_grouped_5fold": scores(alone),
        "template_groups": len(set(templates)),
        "trained_hybrid_grouped_by_template_5fold": scores(hybrid_t),
    }


def _template_groups(examples: list[Any]) -> list[str]:
    """Connected components of postings linked by a section with the same first 80 letters
    and digits."""
    import re

    parent: dict[str, str] = {}

    def root(p: str) -> str:
        while parent.setdefault(p, p) != p:
            p = parent[p]
        return p

    first_seen: dict[str, str] = {}
    for e in examples:
        key = re.sub(r"\W+", "", e.text.lower())[:80]
        if key in first_seen:
            parent[root(str(e.posting))] = root(first_seen[key])
        else:
            first_seen[key] = str(e.posting)
    return [root(str(e.posting)) for e in examples]


def dice_texts(n: int) -> list[str]:
    with (SHARED / "dice" / "dice_com-job_us_sample.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [f"{r['jobtitle']}.\n{r['jobdescription']}" for r in rows[:n]]


def speed_block(extractor_cls: Any, vocab: Any, texts: list[str], singles: int) -> dict[str, Any]:
    """Cold numbers use an encoder without cache (every phrase embedded, as for new postings).

    Section awareness does not change which phrases are embedded, so its cost is measured on
    warm runs (every phrase cached, so only tokenising, sections and merging remain) and
    reported both against that warm time (worst case) and against the cold per-job time.
    """
    from app.ml.embeddings import TextEmbedder, get_embedder

    model = get_embedder().model
    uncached = TextEmbedder(cache_size=0)
    uncached._model = model  # the same loaded weights, without the LRU cache
    cold = extractor_cls(vocab, encoder=uncached)
    index = cold.index
    single: list[float] = []
    for text in texts[:singles]:
        started = time.perf_counter()
        cold.extract(text)
        single.append(time.perf_counter() - started)
    _progress(f"single-job latency on {len(single)} postings done")
    started = time.perf_counter()
    for i in range(0, len(texts), 32):
        cold.extract_many(texts[i : i + 32])
    batch_seconds = time.perf_counter() - started
    _progress(f"batch throughput on {len(texts)} postings done")

    warm_encoder = TextEmbedder(cache_size=1_000_000)
    warm_encoder._model = model

    def timed(section_aware: bool) -> float:
        ex = extractor_cls(vocab, encoder=warm_encoder, section_aware=section_aware)
        ex._index = index
        started = time.perf_counter()
        for i in range(0, len(texts), 32):
            ex.extract_many(texts[i : i + 32])
        return time.perf_counter() - started

    from app.enrichment.sections import classify_rule, split_sections

    started = time.perf_counter()
    for text in texts:
        [classify_rule(s) for s in split_sections(text)]
    sections_only_s = time.perf_counter() - started

    timed(True)  # fills the cache
    plain, aware = [], []
    for _ in range(3):
        plain.append(timed(False))
        aware.append(timed(True))
    _progress("section-awareness timing done")
    overhead_s = min(aware) - min(plain)
    return {
        "jobs": len(texts),
        "mean_chars": statistics.fmean(len(t) for t in texts),
        "single_job_seconds_cold": {
            "p50": statistics.median(single),
            "p95": sorted(single)[int(0.95 * (len(single) - 1))],
            "max": max(single),
            "n": len(single),
        },
        "batch_throughput_jobs_per_s_cold": len(texts) / batch_seconds,
        "section_awareness": {
            "warm_without_s": min(plain),
            "warm_with_s": min(aware),
            "overhead_ms_per_job": 1000 * overhead_s / len(texts),
            "overhead_vs_warm": overhead_s / min(plain),
            "overhead_vs_cold": overhead_s / batch_seconds,
            "split_and_classify_ms_per_job": 1000 * sections_only_s / len(texts),
            "split_and_classify_vs_cold": sections_only_s / batch_seconds,
        },
    }


def _progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def print_table(result: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="enrichment benchmark")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_column("target")
    ss = result.get("skillspan")
    if ss:
        for name in ("lexicon_baseline", "lexicon_alias", "merged"):
            for label in ("knowledge", "skill"):
                per = ss[name]["per_label"][label]
                table.add_row(
                    f"SkillSpan dev {label} F1 exact/partial ({name})",
                    f"{per['exact']['f1']:.3f} / {per['partial']['f1']:.3f}",
                    "",
                )
        gain = ss["relative_f1_gain"]
        table.add_row(
            "SC-002 rel. F1 gain knowledge exact", f"{gain['knowledge_exact']:+.1%}", ">= +10%"
        )
        table.add_row("SC-002 rel. F1 gain macro exact", f"{gain['macro_exact']:+.1%}", ">= +10%")
    if "eval_100" in result:
        table.add_row(
            "SC-006 evaluate 100 samples (s)", f"{result['eval_100']['seconds']:.1f}", "< 120"
        )
    if "aliases" in result:
        a = result["aliases"]
        table.add_row(
            "SC-003 alias accuracy", f"{a['accuracy']:.1%} ({a['correct']}/{a['cases']})", ">= 95%"
        )
    if "sections" in result:
        s = result["sections"]
        for name in (
            "rules",
            "trained_hybrid_grouped_5fold",
            "trained_hybrid_grouped_by_template_5fold",
        ):
            if name not in s:  # results saved before this measure existed
                continue
            table.add_row(
                f"SC-004 sections 7-label acc ({name})",
                f"{s[name]['accuracy_7_labels']:.1%}",
                ">= 85%",
            )
            table.add_row(
                f"SC-004 skills-relevance acc ({name})",
                f"{s[name]['accuracy_relevance']:.1%}",
                ">= 85%",
            )
            if "recall" in s[name]:
                table.add_row(
                    f"SC-004 recall per label ({name})",
                    " ".join(f"{lb[:4]} {r:.0%}" for lb, r in s[name]["recall"].items()),
                    "",
                )
    if "speed" in result:
        sp = result["speed"]
        one = sp["single_job_seconds_cold"]
        table.add_row(
            "one job p50 / p95 / max (s, cold)",
            f"{one['p50']:.2f} / {one['p95']:.2f} / {one['max']:.2f}",
            "< 5",
        )
        table.add_row(
            "batch throughput (jobs/s, cold)", f"{sp['batch_throughput_jobs_per_s_cold']:.2f}", ""
        )
        aw = sp["section_awareness"]
        table.add_row(
            "SC-008 section cost vs cold processing", f"{aw['overhead_vs_cold']:+.1%}", "< 10%"
        )
        table.add_row(
            "SC-008 section cost vs warm (worst case)", f"{aw['overhead_vs_warm']:+.1%}", "< 10%"
        )
        table.add_row("section cost per job (ms)", f"{aw['overhead_ms_per_job']:.1f}", "")
        table.add_row(
            "split + classify alone per job (ms) / vs cold",
            f"{aw['split_and_classify_ms_per_job']:.2f} / {aw['split_and_classify_vs_cold']:.2%}",
            "< 10%",
        )
    Console().print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-skillspan", action="store_true")
    parser.add_argument("--speed-only", action="store_true", help="latency/throughput only")
    parser.add_argument("--skillspan-limit", type=int, default=None)
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--single-jobs", type=int, default=20)
    parser.add_argument("--store", action="store_true", help="record SkillSpan runs in the DB")
    parser.add_argument("--print", dest="print_only", type=Path, help="only render a saved result")
    args = parser.parse_args(argv)
    if args.print_only is not None:
        print_table(json.loads(args.print_only.read_text(encoding="utf-8")))
        return 0

    from app.enrichment.extractor import SkillExtractor
    from app.enrichment.vocabulary import get_vocabulary
    from app.logging import configure_logging

    configure_logging("WARNING")
    vocab = get_vocabulary()
    result: dict[str, Any] = {
        "started_at": datetime.now(UTC).isoformat(),
        "cpu_note": "2 shared cores",
    }
    full = SkillExtractor(vocab)
    _ = full.index
    if args.speed_only:
        result["speed"] = speed_block(
            SkillExtractor, vocab, dice_texts(args.jobs), args.single_jobs
        )
        print_table(result)
        print(json.dumps(result["speed"], indent=2))
        return 0
    result["eval_100"] = eval_100_block(SkillExtractor, vocab)
    _progress(f"100-sample evaluation: {result['eval_100']['seconds']:.1f}s")
    if not args.skip_skillspan:
        result["skillspan"] = skillspan_block(SkillExtractor, vocab, args.skillspan_limit)
        _progress("SkillSpan dev done")
    result["aliases"] = alias_block(full)
    result["sections"] = sections_block()
    _progress("alias and section accuracy done")
    result["speed"] = speed_block(SkillExtractor, vocab, dice_texts(args.jobs), args.single_jobs)
    if args.store and "skillspan" in result:
        _store(result["skillspan"])

    out_dir = ROOT / "bench_results"
    out_dir.mkdir(exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    path = out_dir / f"enrichment_{stamp}.json"
    path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print_table(result)
    print(f"wrote {path}")
    return 0


def _store(skillspan: dict[str, Any]) -> None:
    from app.db.enrichment_models import EvaluationResult
    from app.db.session import session_scope
    from app.enrichment.config import get_model_registry
    from app.enrichment.evaluation import dataset_version

    entry = get_model_registry().entry("skills_extraction")
    path = SHARED / "skillspan" / "dev.json"
    with session_scope() as session:
        for name, strategies in (
            ("lexicon_baseline", ["lexicon"]),
            ("merged", ["lexicon", "alias", "embedding"]),
        ):
            report: dict[str, Any] = skillspan[name]
            macro = report["macro"]["exact"]
            session.add(
                EvaluationResult(
                    model_id=entry.model_id,
                    model_version=entry.version,
                    strategies=strategies,
                    dataset_version=dataset_version(path),
                    dataset_path=str(path),
                    sample_count=report["sample_count"],
                    gold_count=sum(v["gold"] for v in report["per_label"].values()),
                    predicted_count=sum(v["predicted"] for v in report["per_label"].values()),
                    overall_precision=macro["precision"],
                    overall_recall=macro["recall"],
                    overall_f1=macro["f1"],
                    category_metrics={"match": "exact", **report},
                    execution_time_seconds=report["seconds"],
                )
            )


if __name__ == "__main__":
    sys.exit(main())
