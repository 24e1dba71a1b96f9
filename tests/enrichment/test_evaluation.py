from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from app.enrichment.evaluation import (
    EvalRecord,
    GoldSpan,
    dataset_version,
    load_records,
    prf_lines,
    score,
    skillspan_records,
    store_result,
)
from app.enrichment.repository import list_evaluation_results


def test_exact_and_partial_matching() -> None:
    record = EvalRecord(
        "1",
        "Java and Spring Boot on AWS",
        (GoldSpan(0, 4, "knowledge"), GoldSpan(9, 20, "knowledge"), GoldSpan(24, 27, "knowledge")),
    )
    predicted = [
        GoldSpan(0, 4, "knowledge"),
        GoldSpan(9, 15, "knowledge"),
        GoldSpan(5, 8, "knowledge"),
    ]
    report = score([record], [predicted])
    exact = report.per_label["knowledge"]["exact"]
    partial = report.per_label["knowledge"]["partial"]
    assert exact["precision"] == pytest.approx(1 / 3)
    assert exact["recall"] == pytest.approx(1 / 3)
    assert partial["precision"] == pytest.approx(2 / 3)
    assert partial["recall"] == pytest.approx(2 / 3)
    assert report.f1("exact") == pytest.approx(1 / 3)


def test_labels_are_scored_separately_and_macro_averaged() -> None:
    record = EvalRecord(
        "1", "Python, teamwork", (GoldSpan(0, 6, "knowledge"), GoldSpan(8, 16, "skill"))
    )
    report = score([record], [[GoldSpan(0, 6, "knowledge"), GoldSpan(8, 16, "knowledge")]])
    assert report.per_label["knowledge"]["exact"]["precision"] == pytest.approx(0.5)
    assert report.per_label["skill"]["exact"]["recall"] == 0.0
    assert report.macro["exact"]["recall"] == pytest.approx(0.5)


def test_skillspan_bio_tags_become_character_spans(tmp_path: Path) -> None:
    path = tmp_path / "dev.json"
    row = {
        "idx": 7,
        "tokens": ["Strong", "Java", "Spring", "Boot", "and", "team", "spirit"],
        "tags_knowledge": ["O", "B", "B", "I", "O", "O", "O"],
        "tags_skill": ["O", "O", "O", "O", "O", "B", "I"],
        "source": "tech",
    }
    path.write_text(json.dumps(row) + "\n")
    (record,) = skillspan_records(path)
    spans = {(record.text[s.start : s.end], s.label) for s in record.spans}
    assert spans == {("Java", "knowledge"), ("Spring Boot", "knowledge"), ("team spirit", "skill")}


def test_bad_dataset_line_is_reported_with_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "ok", "spans": []}\n{"text": "x"}\n')
    with pytest.raises(ValueError, match=r"bad.jsonl:2"):
        load_records(path)


def test_results_are_stored_and_listed(session: Session, tmp_path: Path) -> None:
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "Java", "spans": [{"start": 0, "end": 4, "label": "knowledge"}]}\n')
    records = load_records(path)
    report = score(records, [[GoldSpan(0, 4, "knowledge")]], seconds=0.5)
    row = store_result(
        session,
        report,
        model_id="skills_extractor",
        model_version="skills_extraction_v1.0",
        strategies=["lexicon"],
        dataset_path=path,
        min_f1=0.9,
    )
    session.commit()
    assert row.overall_f1 == 1.0
    assert row.threshold_passed is True
    assert row.dataset_version == dataset_version(path)
    listed = list_evaluation_results(session, model_id="skills_extractor")
    assert [r.id for r in listed] == [row.id]
    assert listed[0].category_metrics["per_label"]["knowledge"]["gold"] == 1


def test_prf_lines_print_each_label_exact_then_partial_in_the_order_asked() -> None:
    per_label = {
        kind: {
            "exact": {"precision": p, "recall": r, "f1": 2 * p * r / (p + r)},
            "partial": {"precision": p + 0.1, "recall": r + 0.1, "f1": 0.5},
        }
        for kind, p, r in (("knowledge", 0.5, 0.25), ("skill", 0.4, 0.2))
    }
    lines = prf_lines(per_label, ["skill", "knowledge"])
    assert lines == [
        "dev skill     exact P/R/F1 0.400/0.200/0.267  partial P/R/F1 0.500/0.300/0.500",
        "dev knowledge exact P/R/F1 0.500/0.250/0.333  partial P/R/F1 0.600/0.350/0.500",
    ]
