"""Zero-shot scoring from raw text (`resume_text` / `job_text`) on the real app."""

from __future__ import annotations

from fastapi.testclient import TestClient

from app.enrichment.occupation import occupation_model_version
from tests.api.conftest import World

SCORE = "/api/v1/match/score"
RESUME = """Jane Doe - Senior Backend Engineer
Experience
Senior Software Engineer, Acme Corp, Jan 2018 - Present
- Built REST APIs in Python and PostgreSQL, deployed on Kubernetes.
Software Engineer, Beta Ltd, Jun 2014 - Dec 2017
- Developed Java services and SQL reporting.
Education: BSc Computer Science
"""
POSTING = """We are hiring a Senior Python Developer.
Requirements:
- 5+ years of experience building backend services in Python
- PostgreSQL and Docker
Nice to have: Kubernetes
This is a remote position."""
NURSE = """Registered Nurse
Provide direct patient care in the intensive care unit, administer medications,
monitor vital signs and coordinate with physicians. 2016 - 2023 at City Hospital."""


def _score(client: TestClient, world: World, body: dict[str, object]) -> dict[str, object]:
    response = client.post(SCORE, json=body, headers=world.headers("talent_a"))
    assert response.status_code == 200, response.text
    return response.json()


def test_raw_text_on_both_sides_is_scored_and_says_what_was_inferred(
    client: TestClient, world: World
) -> None:
    body = _score(
        client, world, {"resume_text": RESUME, "job_text": POSTING, "job_title": "Python Dev"}
    )
    match = body["matches"][0]
    assert 0 <= match["score"] <= 100
    talent, job = body["inferred"]["talent"], body["inferred"]["job"]
    assert talent["fields"]["occupation_code"] == occupation_model_version()
    assert {"skills", "years_experience", "seniority"} <= set(talent["fields"])
    assert {"skills", "min_years"} <= set(job["fields"])
    assert talent["occupations"][0]["code"].startswith("15-")
    assert len(talent["occupations"]) <= 3


def test_fitting_text_scores_higher_than_text_of_another_occupation(
    client: TestClient, world: World
) -> None:
    fit = _score(client, world, {"resume_text": RESUME, "job_text": POSTING})
    other = _score(client, world, {"resume_text": NURSE, "job_text": POSTING})
    assert fit["matches"][0]["score"] > other["matches"][0]["score"]


def test_structured_fields_win_over_inferred_ones(client: TestClient, world: World) -> None:
    body = _score(
        client,
        world,
        {
            "resume_text": RESUME,
            "talent": {"years_experience": 1, "seniority": "junior"},
            "job": {"seniority": "senior", "occupation_code": "15-1252.00"},
            "job_text": POSTING,
        },
    )
    talent, job = body["inferred"]["talent"], body["inferred"]["job"]
    assert "years_experience" not in talent["fields"]
    assert "seniority" not in talent["fields"]
    assert "occupation_code" not in job["fields"]
    assert "seniority" not in job["fields"]


def test_without_text_the_missing_structured_field_is_named(
    client: TestClient, world: World
) -> None:
    response = client.post(
        SCORE,
        json={"talent": {"years_experience": 3, "seniority": "mid"}, "job": {}},
        headers=world.headers("talent_a"),
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "job.seniority"
    response = client.post(SCORE, json={"job_text": POSTING}, headers=world.headers("talent_a"))
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "talent.years_experience"


def test_empty_or_oversized_text_is_a_clear_4xx(client: TestClient, world: World) -> None:
    for text in ("", "x" * 200_000):
        response = client.post(
            SCORE,
            json={"resume_text": text, "job_text": POSTING},
            headers=world.headers("talent_a"),
        )
        assert 400 <= response.status_code < 500
        assert response.json()["error"]["code"] in {"validation_error", "payload_too_large"}


def test_text_in_another_language_says_little_was_recognised(
    client: TestClient, world: World
) -> None:
    german = "Ich bin ein freundlicher Mensch und wandere gern in den Bergen mit meinem Hund."
    body = _score(client, world, {"resume_text": german, "job_text": POSTING})
    talent = body["inferred"]["talent"]
    assert talent["notes"]
    assert "occupation_code" not in talent["fields"]
