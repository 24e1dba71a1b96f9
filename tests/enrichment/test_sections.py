from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.enrichment.section_model import (
    SectionModelError,
    load_annotations,
    load_section_model,
    save_section_model,
    train_section_model,
)
from app.enrichment.sections import classify_rule, split_sections

FLAT = (
    "Looking for a Java developer. POSITION PURPOSE - Build great tools. "
    "MAJOR TASKS, RESPONSIBILITIES AND KEY ACCOUNTABILITIES - Design frameworks. "
    "PREFERRED QUALIFICATIONS • Hands on Java • SQL. "
    "We are an equal opportunity employer and consider applicants without regard to race."
)
DATA = Path(__file__).parent / "data"


def test_inline_caps_headers_split_a_flattened_posting() -> None:
    sections = split_sections(FLAT)
    headers = [s.header for s in sections]
    assert headers[:4] == [
        None,
        "POSITION PURPOSE",
        "MAJOR TASKS, RESPONSIBILITIES AND KEY ACCOUNTABILITIES",
        "PREFERRED QUALIFICATIONS",
    ]
    labels = [classify_rule(s).label for s in sections]
    assert labels[2] == "responsibilities"
    assert labels[3] == "requirements"
    for section in sections:
        assert FLAT[section.start : section.end] == section.text


def test_line_headers_and_content_cues() -> None:
    text = (
        "About Us\nWe are a leading provider of payroll software, founded in 1999.\n\n"
        "What you'll do:\nDesign and build APIs.\n\n"
        "Perks\n401(k), dental and vision, unlimited PTO.\n"
    )
    sections = split_sections(text)
    got = [(s.header, classify_rule(s).label) for s in sections]
    assert got == [
        ("About Us", "about_company"),
        ("What you'll do", "responsibilities"),
        ("Perks", "benefits"),
    ]
    relevance = [classify_rule(s).relevance for s in sections]
    assert relevance[1] > 0.5 > relevance[0] > relevance[2]


def test_legal_boilerplate_without_header_is_irrelevant() -> None:
    section = split_sections(
        "We are an equal opportunity employer; all qualified applicants receive consideration "
        "without regard to race, color, religion, sexual orientation or veteran status."
    )[0]
    label = classify_rule(section)
    assert label.label == "legal"
    assert not label.is_skills_relevant


@pytest.fixture(scope="module")
def annotations() -> list:
    return load_annotations(DATA / "dice_sections.jsonl")


def test_trained_model_round_trips_and_detects_tampering(annotations, tmp_path: Path) -> None:
    model, metrics = train_section_model(annotations[:30], folds=2)
    assert metrics["n_samples"] == 30
    path = tmp_path / "section_classifier.json"
    save_section_model(model, path, metrics)
    loaded = load_section_model(path)
    sections = split_sections(FLAT)
    assert [x.label for x in loaded(sections)] == [x.label for x in model(sections)]
    methods = [x.method for x in loaded(sections)]
    assert methods[0] == "ml_model"  # untitled: the model decides
    assert methods[3] == "rule_based"  # "PREFERRED QUALIFICATIONS": the header decides
    payload = json.loads(path.read_text())
    payload["intercept"][0] += 1.0
    path.write_text(json.dumps(payload))
    with pytest.raises(SectionModelError, match="sha256"):
        load_section_model(path)


def test_bad_annotation_label_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "export.jsonl"
    path.write_text('{"text": "x", "label": "nonsense"}\n')
    with pytest.raises(ValueError, match="nonsense"):
        load_annotations(path)
