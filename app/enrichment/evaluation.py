"""Span-level precision / recall / F1 of the skills extractor against labelled text.

Dataset: JSONL, one record per line: {"id": ..., "text": ..., "spans": [{"start", "end",
"label"}]}. SkillSpan's BIO files convert to it (`skillspan_records`), with "knowledge" and
"skill" spans as separate labels. Predicted skills get a label through their category
(`eval_label`): soft skills are SkillSpan "skill", everything else "knowledge".

Exact match: same start, end and label. Partial match: overlapping spans with the same label;
partial precision counts predictions that overlap a gold span, partial recall gold spans that
some prediction overlaps. Macro = unweighted mean over the labels evaluated.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.db.enrichment_models import EvaluationResult
from app.enrichment import repository
from app.enrichment.extractor import ExtractionResult, SkillExtractor

SKILL_CATEGORIES = frozenset({"soft_skill"})


def eval_label(category: str) -> str:
    return "skill" if category in SKILL_CATEGORIES else "knowledge"


@dataclass(frozen=True, slots=True)
class GoldSpan:
    start: int
    end: int
    label: str


@dataclass(frozen=True, slots=True)
class EvalRecord:
    id: str
    text: str
    spans: tuple[GoldSpan, ...]


def load_records(path: Path) -> list[EvalRecord]:
    records: list[EvalRecord] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                spans = tuple(
                    GoldSpan(int(s["start"]), int(s["end"]), str(s["label"])) for s in raw["spans"]
                )
                records.append(EvalRecord(str(raw.get("id", number)), str(raw["text"]), spans))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{number}: bad evaluation record: {exc}") from exc
    return records


def _bio_spans(tags: Sequence[str]) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    begin: int | None = None
    for i, tag in enumerate([*tags, "O"]):
        if tag.startswith("B") or tag == "O" or (tag.startswith("I") and begin is None):
            if begin is not None:
                spans.append((begin, i))
                begin = None
            if tag.startswith(("B", "I")):
                begin = i
    return spans


def skillspan_records(path: Path, limit: int | None = None) -> list[EvalRecord]:
    """SkillSpan sentences (tokens joined by spaces) with knowledge and skill spans."""
    records: list[EvalRecord] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if limit is not None and len(records) >= limit:
                break
            raw = json.loads(line)
            tokens: list[str] = raw["tokens"]
            offsets: list[tuple[int, int]] = []
            cursor = 0
            for token in tokens:
                offsets.append((cursor, cursor + len(token)))
                cursor += len(token) + 1
            spans = [
                GoldSpan(offsets[a][0], offsets[b - 1][1], label)
                for label, key in (("knowledge", "tags_knowledge"), ("skill", "tags_skill"))
                for a, b in _bio_spans(raw[key])
            ]
            records.append(EvalRecord(f"{raw['idx']}:{number}", " ".join(tokens), tuple(spans)))
    return records


def write_records(records: Iterable[EvalRecord], path: Path) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for r in records:
            spans = [{"start": s.start, "end": s.end, "label": s.label} for s in r.spans]
            handle.write(json.dumps({"id": r.id, "text": r.text, "spans": spans}) + "\n")


def predicted_spans(result: ExtractionResult) -> list[GoldSpan]:
    return [
        GoldSpan(span.start, span.end, eval_label(skill.category))
        for skill in result.skills
        for span in skill.spans
    ]


@dataclass
class Counts:
    gold: int = 0
    predicted: int = 0
    tp_exact: int = 0
    tp_partial_pred: int = 0
    tp_partial_gold: int = 0


def _prf(tp_p: int, pred: int, tp_g: int, gold: int) -> dict[str, float]:
    precision = tp_p / pred if pred else 0.0
    recall = tp_g / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


@dataclass
class EvaluationReport:
    labels: list[str]
    counts: dict[str, Counts]
    sample_count: int
    seconds: float
    per_label: dict[str, dict[str, Any]] = field(default_factory=dict)
    macro: dict[str, dict[str, float]] = field(default_factory=dict)

    def finalize(self) -> EvaluationReport:
        for label in self.labels:
            c = self.counts[label]
            self.per_label[label] = {
                "exact": _prf(c.tp_exact, c.predicted, c.tp_exact, c.gold),
                "partial": _prf(c.tp_partial_pred, c.predicted, c.tp_partial_gold, c.gold),
                "gold": c.gold,
                "predicted": c.predicted,
            }
        for mode in ("exact", "partial"):
            self.macro[mode] = {
                metric: sum(self.per_label[lb][mode][metric] for lb in self.labels)
                / max(1, len(self.labels))
                for metric in ("precision", "recall", "f1")
            }
        return self

    def f1(self, mode: str = "exact") -> float:
        return self.macro[mode]["f1"]

    def as_dict(self) -> dict[str, Any]:
        return {
            "labels": self.labels,
            "sample_count": self.sample_count,
            "seconds": round(self.seconds, 3),
            "macro": self.macro,
            "per_label": self.per_label,
        }


def score(
    records: Sequence[EvalRecord],
    predictions: Sequence[Sequence[GoldSpan]],
    labels: Sequence[str] | None = None,
    seconds: float = 0.0,
) -> EvaluationReport:
    chosen = sorted(set(labels) if labels else {s.label for r in records for s in r.spans})
    counts = {label: Counts() for label in chosen}
    for record, predicted in zip(records, predictions, strict=True):
        for label in chosen:
            gold = {(s.start, s.end) for s in record.spans if s.label == label}
            pred = {(s.start, s.end) for s in predicted if s.label == label}
            c = counts[label]
            c.gold += len(gold)
            c.predicted += len(pred)
            c.tp_exact += len(gold & pred)
            c.tp_partial_pred += sum(
                1 for p in pred if any(p[0] < g[1] and g[0] < p[1] for g in gold)
            )
            c.tp_partial_gold += sum(
                1 for g in gold if any(p[0] < g[1] and g[0] < p[1] for p in pred)
            )
    return EvaluationReport(chosen, counts, len(records), seconds).finalize()


def prf_lines(per_label: dict[str, Any], labels: Sequence[str]) -> list[str]:
    """One line per label, exact and partial P/R/F1, as the training scripts print them."""

    def prf(values: dict[str, float]) -> str:
        return "/".join(f"{values[m]:.3f}" for m in ("precision", "recall", "f1"))

    return [
        f"dev {label:9s} exact P/R/F1 {prf(per_label[label]['exact'])}"
        f"  partial P/R/F1 {prf(per_label[label]['partial'])}"
        for label in labels
    ]


def evaluate(
    extractor: SkillExtractor,
    records: Sequence[EvalRecord],
    labels: Sequence[str] | None = None,
    batch_size: int = 256,
) -> EvaluationReport:
    started = time.perf_counter()
    predictions: list[list[GoldSpan]] = []
    for i in range(0, len(records), batch_size):
        batch = records[i : i + batch_size]
        for result in extractor.extract_many([r.text for r in batch]):
            predictions.append(predicted_spans(result))
    return score(records, predictions, labels, time.perf_counter() - started)


def dataset_version(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"{path.stem}@{digest}"


def store_result(
    session: Session,
    report: EvaluationReport,
    *,
    model_id: str,
    model_version: str,
    strategies: Sequence[str],
    dataset_path: Path,
    mode: str = "exact",
    min_f1: float | None = None,
    is_ci_run: bool = False,
) -> EvaluationResult:
    macro = report.macro[mode]
    row = EvaluationResult(
        model_id=model_id,
        model_version=model_version,
        strategies=list(strategies),
        dataset_version=dataset_version(dataset_path),
        dataset_path=str(dataset_path),
        sample_count=report.sample_count,
        gold_count=sum(c.gold for c in report.counts.values()),
        predicted_count=sum(c.predicted for c in report.counts.values()),
        overall_precision=macro["precision"],
        overall_recall=macro["recall"],
        overall_f1=macro["f1"],
        category_metrics={"match": mode, **report.as_dict()},
        execution_time_seconds=report.seconds,
        is_ci_run=is_ci_run,
        min_f1=min_f1,
        threshold_passed=None if min_f1 is None else macro["f1"] >= min_f1,
    )
    return repository.add_evaluation_result(session, row)
