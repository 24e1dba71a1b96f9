"""Posting parsing: required vs nice-to-have skills, years, seniority, education, remote."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.enums import RemotePolicy, Seniority
from app.enrichment.cues import EDUCATION_LEVELS, years_statements
from app.enrichment.extractor import SkillExtractor
from app.enrichment.posting import job_profile, parse_posting

POSTING = """About us: We are a leading provider of widgets, in business for 30 years. We use Java.
Requirements:
- 3-5 years of experience with Python
- Bachelor's degree in Computer Science or equivalent
- Strong SQL skills
Preferred Qualifications:
- Kubernetes
- Master's degree
Nice to have: Go experience is a plus
This is a hybrid role (3 days in office).
Benefits: 401(k), free Excel training
"""


def test_a_full_posting(fast_extractor: SkillExtractor) -> None:
    parsed = parse_posting("Senior Backend Engineer", POSTING, fast_extractor)
    required = {s.name for s in parsed.required_skills}
    nice = {s.name for s in parsed.nice_to_have_skills}
    assert {"Python", "SQL"} <= required
    assert {"Kubernetes", "Go"} <= nice
    assert not required & nice
    assert "Java" not in required | nice  # only in the company pitch
    assert "Excel" not in required | nice  # only under benefits
    assert all(s.required for s in parsed.required_skills)
    assert not any(s.required for s in parsed.nice_to_have_skills)
    python = next(s for s in parsed.required_skills if s.name == "Python")
    assert python.years == 3.0
    assert parsed.min_years is not None
    assert parsed.min_years.value == 3.0
    assert parsed.max_years == 5.0
    assert parsed.seniority is not None
    assert parsed.seniority.value == "senior"
    assert parsed.education is not None
    assert parsed.education.value == "bachelor"
    assert parsed.education.confidence < 0.8  # "or equivalent"
    assert parsed.remote_policy is not None
    assert parsed.remote_policy.value == "hybrid"
    assert parsed.notes == []


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("5+ years of experience in Go", 5.0, None),
        ("At least 3 years of professional experience", 3.0, None),
        ("3-5 years experience", 3.0, 5.0),
        ("three to five years of relevant experience", 3.0, 5.0),
        ("Minimum of 2 years working with AWS", 2.0, None),
        ("1-year experience as a Consultant", 1.0, None),
        ("Two or more years of experience as an Analyst", 2.0, None),
        ("up to 4 years of experience", 0.0, 4.0),
    ],
)
def test_years_statements(text: str, low: float, high: float | None) -> None:
    (found,) = years_statements(text)
    assert (found.min_years, found.max_years) == (low, high)
    assert found.mentions_experience


@pytest.mark.parametrize(
    "text",
    ["Founded 30 years ago, we ship widgets.", "Children 5 years old and up."],
)
def test_counts_that_are_not_experience(text: str) -> None:
    assert years_statements(text) == []


def test_the_highest_required_minimum_wins(fast_extractor: SkillExtractor) -> None:
    text = "Requirements:\n- 5+ years of Java\n- 3+ years of AWS\n- 10 years of Rust is a plus"
    parsed = parse_posting("Backend Engineer", text, fast_extractor)
    assert parsed.min_years is not None
    assert parsed.min_years.value == 5.0
    assert parsed.max_years is None


def test_company_facts_are_not_min_years(fast_extractor: SkillExtractor) -> None:
    text = "About us: for over 20 years we have served clients worldwide.\nRequirements:\n- Python"
    parsed = parse_posting("Developer", text, fast_extractor)
    assert parsed.min_years is None
    assert any("no years" in n for n in parsed.notes)


@pytest.mark.parametrize(
    ("title", "text", "level"),
    [
        ("Junior Data Analyst", "Requirements: SQL", "junior"),
        ("Data Analyst", "We want an entry-level candidate. Requirements: SQL", "junior"),
        ("Data Analyst", "Requirements: 7+ years of experience with SQL", "senior"),
        ("Data Analyst", "Requirements: 12+ years of experience with SQL", "principal"),
        ("Engineering Intern", "Requirements: Python", "intern"),
    ],
)
def test_posting_seniority(
    fast_extractor: SkillExtractor, title: str, text: str, level: str
) -> None:
    parsed = parse_posting(title, text, fast_extractor)
    assert parsed.seniority is not None
    assert parsed.seniority.value == level


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Requirements: Bachelor's degree required; Master's preferred.", "bachelor"),
        ("Requirements: PhD in Statistics.", "doctorate"),
        ("Requirements: High school diploma or GED.", "high_school"),
        ("Requirements: no degree required, just Python.", "none"),
        ("Requirements: MBA or Master's degree.", "master"),
    ],
)
def test_education_requirement(fast_extractor: SkillExtractor, text: str, level: str) -> None:
    parsed = parse_posting("Analyst", text, fast_extractor)
    assert parsed.education is not None
    assert parsed.education.value == level
    assert parsed.education.value in EDUCATION_LEVELS


@pytest.mark.parametrize(
    ("text", "policy"),
    [
        ("This is a fully remote position.", "remote"),
        ("Work from home anywhere in the US.", "remote"),
        ("Hybrid: two days a week in our Berlin office.", "hybrid"),
        ("This role is on-site in Austin, TX.", "onsite"),
        ("No remote work; you will be in-office daily.", "onsite"),
        ("Experience with remote sensing and hybrid cloud.", None),
        ("Requirements: Python.", None),
    ],
)
def test_remote_policy(fast_extractor: SkillExtractor, text: str, policy: str | None) -> None:
    parsed = parse_posting("Engineer", text, fast_extractor)
    found = parsed.remote_policy.value if parsed.remote_policy else None
    assert found == policy
    if found is not None:
        assert found in list(RemotePolicy)


def test_another_language_is_low_confidence_with_a_note(fast_extractor: SkillExtractor) -> None:
    text = "Wir suchen eine engagierte Person für unser Team, die gerne mit Kunden arbeitet."
    parsed = parse_posting("Verkäuferin", text, fast_extractor)
    assert parsed.confidence <= 0.2
    assert any("little was recognised" in n for n in parsed.notes)


def test_job_profile_keeps_required_flags(fast_extractor: SkillExtractor) -> None:
    parsed = parse_posting("Senior Backend Engineer", POSTING, fast_extractor)
    profile = job_profile(parsed, POSTING)
    flags = {s.name: s.required for s in profile.skills}
    assert flags["Python"] is True
    assert flags["Kubernetes"] is False
    assert (profile.min_years, profile.max_years) == (3.0, 5.0)
    assert profile.seniority == "senior"
    assert profile.remote_policy == "hybrid"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300), st.text(max_size=40))
def test_any_text_parses_within_bounds(
    fast_extractor: SkillExtractor, text: str, title: str
) -> None:
    parsed = parse_posting(title, text, fast_extractor)
    assert 0.0 <= parsed.confidence <= 1.0
    if parsed.min_years is not None:
        assert parsed.min_years.value >= 0
        assert parsed.max_years is None or parsed.max_years >= parsed.min_years.value
    if parsed.seniority is not None:
        assert parsed.seniority.value in list(Seniority)


def test_company_history_is_not_a_requirement(fast_extractor: SkillExtractor) -> None:
    text = (
        "Requirements: 4+ years of experience with Citrix. A provider with an over 35-year "
        "history of success. We have been in business for 12 years of growth."
    )
    parsed = parse_posting("Citrix Engineer", text, fast_extractor)
    assert parsed.min_years is not None
    assert parsed.min_years.value == 4.0


def test_flattened_posting_keeps_cues_local(fast_extractor: SkillExtractor) -> None:
    text = (
        "Required Qualifications:Minimum 3 years with C++ programming language.Minimum 1 year "
        "with Linux systems.Desired Qualifications:RTOS experience is preferred."
    )
    parsed = parse_posting("Embedded Software Engineer", text, fast_extractor)
    assert {"C++", "Linux"} <= {s.name for s in parsed.required_skills}
    assert [s.name for s in parsed.nice_to_have_skills] == ["RTOS"]
    assert parsed.min_years is not None
    assert parsed.min_years.value == 3.0


def test_an_unstructured_posting_keeps_its_skills(fast_extractor: SkillExtractor) -> None:
    text = (
        "Hello, please reply with your resume or call 732-276-9933. 10+ years of IT "
        "experience, 5+ years with QlikView and SQL."
    )
    parsed = parse_posting("Qlikview Architect", text, fast_extractor)
    assert "SQL" in {s.name for s in parsed.required_skills}
    assert parsed.min_years is not None
    assert parsed.min_years.value == 10.0
