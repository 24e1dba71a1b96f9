from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from app.enrichment.errors import SectionModelError
from app.enrichment.section_model import (
    POSITION_FEATURES,
    AnnotatedSection,
    SectionModel,
    cross_validated_labels,
    load_annotations,
    load_section_model,
    position_features,
    save_section_model,
    train_section_model,
)
from app.enrichment.sections import (
    Section,
    classify_rule,
    decisive_rule,
    inline_header_label,
    split_sections,
)

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
    assert metrics["features"] == ["embedding", "position"]
    assert metrics["cv_grouped_by"] == "posting"
    assert 0.0 <= metrics["cv_accuracy"] <= 1.0
    assert model.coef.shape[1] == 384 + len(POSITION_FEATURES)
    path = tmp_path / "section_classifier.json"
    save_section_model(model, path, metrics)
    payload = json.loads(path.read_text())
    assert payload["format"] == "section-logreg-v2"
    assert payload["features"] == ["embedding", "position"]
    loaded = load_section_model(path)
    sections = split_sections(FLAT)
    assert [x.label for x in loaded(sections)] == [x.label for x in model(sections)]
    np.testing.assert_allclose(loaded.probabilities(sections), model.probabilities(sections))
    methods = [x.method for x in loaded(sections)]
    assert methods[0] == "ml_model"  # untitled: the model decides
    assert methods[3] == "rule_based"  # "PREFERRED QUALIFICATIONS": the header decides
    payload["intercept"][0] += 1.0
    path.write_text(json.dumps(payload))
    with pytest.raises(SectionModelError, match="sha256"):
        load_section_model(path)


class _ConstantEncoder:
    """Three zeros per text: only the position features can move the model."""

    def encode(self, texts):
        return np.zeros((len(texts), 3), dtype=np.float32)


def _position_model(encoder: _ConstantEncoder | None = None) -> SectionModel:
    # columns: 3 embedding dims, then first, last, relative_position, has_header
    coef = np.array(
        [
            [0, 0, 0, 0.0, 4.0, 0, 0],  # about_company: the last section
            [0, 0, 0, 4.0, 0.0, 0, 0],  # overview: the first section
            [0, 0, 0, 0.0, 0.0, 0, 0],  # responsibilities: the rest
        ]
    )
    return SectionModel(
        "section_classification_v1.2-test",
        ["about_company", "overview", "responsibilities"],
        coef,
        np.array([0.0, 0.0, 1.0]),
        encoder or _ConstantEncoder(),
    )


def test_position_features_place_a_section_in_its_posting() -> None:
    assert position_features(0, 4, False) == [1.0, 0.0, 0.0, 0.0]
    assert position_features(3, 4, True) == [0.0, 1.0, 1.0, 1.0]
    assert position_features(1, 3, True) == [0.0, 0.0, 0.5, 1.0]
    assert position_features(0, 1, False) == [1.0, 1.0, 0.0, 0.0]
    assert position_features(2, 1, False)[1] == 1.0  # a count below index + 1 is raised


def test_model_reads_position_and_the_count_of_the_posting() -> None:
    model = _position_model()
    plain = [Section(i, None, "Teams, tools and a friendly office.", 0, 10) for i in range(3)]
    assert [x.label for x in model(plain)] == ["overview", "responsibilities", "about_company"]
    assert {x.method for x in model(plain)} == {"ml_model"}
    # the same three sections as the head of a posting of five: none is last
    assert [x.label for x in model(plain, count=5)][2] == "responsibilities"


def test_legacy_embedding_only_model_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    payload = {
        "format": "section-logreg-v1",
        "version": "section_classification_v1.1-logreg",
        "classes": ["overview", "responsibilities"],
        "coef": [[0.0, 0.0, 1.0]],
        "intercept": [0.0],
    }
    path.write_text(json.dumps(payload))
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    (tmp_path / "old.meta.json").write_text(json.dumps({"sha256": digest}))
    model = load_section_model(path, encoder=_ConstantEncoder())
    assert model.features == ("embedding",)
    assert model.probabilities([Section(0, None, "x", 0, 1)]).shape == (1, 2)


def test_model_with_unknown_features_or_wrong_shapes_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    good = _position_model()
    save_section_model(good, path, {})
    payload = json.loads(path.read_text())
    for change, message in (
        ({"features": ["embedding", "mood"]}, "features"),
        ({"position_features": ["first"]}, "position features"),
        ({"intercept": [0.0]}, "shapes"),
    ):
        path.write_text(json.dumps({**payload, **change}))
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        meta = json.loads((tmp_path / "model.meta.json").read_text())
        (tmp_path / "model.meta.json").write_text(json.dumps({**meta, "sha256": digest}))
        with pytest.raises(SectionModelError, match=message):
            load_section_model(path)


def test_annotations_know_their_position_in_the_posting(annotations) -> None:
    first = [a for a in annotations if a.posting == "0"]
    assert [(a.index, a.count) for a in first] == [(i, 6) for i in range(6)]
    assert all(a.count > a.index for a in annotations)


def test_cross_validation_keeps_each_posting_in_one_fold() -> None:
    """The only legal sections are four in one posting, and trivially separable: a fold that
    trained on some of them would predict the others; grouped folds never predict legal."""
    examples = [
        AnnotatedSection(
            "x", "overview" if i % 2 else "responsibilities", None, i % 2, 2, f"p{i // 2}"
        )
        for i in range(20)
    ] + [AnnotatedSection("y", "legal", None, i, 4, "only") for i in range(4)]
    x = np.zeros((len(examples), 2))
    x[-4:, 0] = 5.0
    _, alone, folds = cross_validated_labels(examples, x, folds=5)
    assert folds == 5
    assert "legal" not in alone


def test_header_left_inside_a_body_decides_when_it_opens_and_covers_it() -> None:
    glued = "Technician-IIIDuration: 1 yearResponsibilities:" + "Work with planning teams. " * 4
    assert inline_header_label(glued) == "responsibilities"
    assert inline_header_label("Company Overview: a staffing firm with offices in 12 states.") == (
        "about_company"
    )
    # it starts late, or covers only the tail of the body: no decision
    late = "A long opening paragraph about the team and the product. " * 4 + "Skills: Java, SQL"
    assert inline_header_label(late) is None
    assert inline_header_label("Location: Tampa, FL. Description: a BA role in risk.") is None
    # a field ("Rate: hourly") ends at the next colon, whatever that colon's phrase looks like
    fields = (
        "Travel: 80%Rate: Hourly + expensesRoles and responsibilities: " + "attend meetings " * 9
    )
    assert inline_header_label(fields) is None
    # the section's own header still wins over one inside its body
    own = Section(1, "Responsibilities", "Build APIs. Requirements: " + "Java, SQL, " * 20, 0, 1)
    assert classify_rule(own).label == "responsibilities"


def test_contact_and_work_authorisation_cues() -> None:
    contact = Section(0, None, "If interested, please call me at (630) 555-0190 today.", 0, 1)
    assert classify_rule(contact).label == "application"
    assert not classify_rule(contact).is_skills_relevant
    legal = Section(
        2, "Position logistics", "Candidates must be authorized to work in the US.", 0, 1
    )
    assert classify_rule(legal).label == "legal"
    # "vision" inside "supervision" or "division" is not a benefit
    work = Section(1, None, "Work under supervision in the division; assemble parts.", 0, 1)
    assert classify_rule(work).label != "benefits"
    assert classify_rule(
        Section(1, None, "Medical, dental and vision from day one.", 0, 1)
    ).label == ("benefits")


def test_decisive_rule_is_none_where_the_rules_only_guess() -> None:
    assert (
        decisive_rule(Section(1, "Description", "Develop and maintain strong APIs.", 0, 1)) is None
    )
    assert decisive_rule(Section(0, None, "Our team needs a lead.", 0, 1)) is None
    assert decisive_rule(Section(3, "Benefits", "Good ones.", 0, 1)) is not None
    eeo = Section(4, None, "We are an equal opportunity employer, without regard to race.", 0, 1)
    decided = decisive_rule(eeo)
    assert decided is not None
    assert decided.label == "legal"
    # the hybrid takes that decision; the model (which always says overview/responsibilities
    # or about_company here) reads the rest
    labels = _position_model()([Section(0, None, "Teams and tools.", 0, 1), eeo])
    assert [x.label for x in labels] == ["overview", "legal"]
    assert [x.method for x in labels] == ["ml_model", "rule_based"]
