"""Detail views over HTTP: who may open which job and which candidate (role x object), what a
company sees of a candidate before and after an application or contact, and that a closed
job is indistinguishable from an unknown one for talents."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.db.models import Company, Talent
from tests.api.conftest import World
from tests.factories import make_feedback, make_job

FEEDBACK = "/api/v1/feedback"
J2T = "/api/v1/match/job-to-talents"
T2J = "/api/v1/match/talent-to-jobs"
PRIVATE = ("bio", "resume_text", "salary_min", "salary_max", "currency")


def job_url(job: str) -> str:
    return f"/api/v1/jobs/{job}"


def talent_url(talent: str) -> str:
    return f"/api/v1/talents/{talent}"


@pytest.fixture
def closed(world: World, pg_engine: Engine) -> dict[str, str]:
    """Two closed jobs of company_a: talent_a applied to `applied`, to `other` nobody did."""
    with Session(pg_engine) as session:
        owner = session.scalars(
            select(Company).where(Company.owner_user_id == world.company_a_user)
        ).one()
        talent = session.scalars(select(Talent).where(Talent.id == world.talent_a)).one()
        applied = make_job(session, company=owner, title="Old role", status="closed")
        other = make_job(session, company=owner, title="Older role", status="closed")
        make_feedback(session, talent, applied, "apply")
        session.commit()
        return {"applied": str(applied.id), "other": str(other.id)}


@pytest.mark.parametrize(
    ("who", "job", "expected"),
    [
        ("talent_a", "job_a", 200),
        ("talent_a", "job_b", 200),  # any open job
        ("talent_a", "applied", 200),  # closed, but it applied
        ("talent_a", "other", 404),  # closed: exactly like an unknown id
        ("talent_a", "unknown", 404),
        ("company_a", "job_a", 200),
        ("company_a", "other", 200),  # its own, closed
        ("company_a", "job_b", 403),
        ("company_b", "other", 403),
        ("company_a", "unknown", 403),
        ("admin", "other", 200),
        ("admin", "unknown", 404),
        ("norole", "job_a", 403),
        ("anonymous", "job_a", 401),
    ],
)
def test_job_detail_access(
    client: TestClient,
    world: World,
    closed: dict[str, str],
    who: str,
    job: str,
    expected: int,
) -> None:
    job_id = closed[job] if job in closed else world.id(job)
    response = client.get(job_url(job_id), headers=world.headers(who))
    assert response.status_code == expected, response.text
    if expected == 404 and who == "talent_a":
        error = response.json()["error"]
        assert (error["code"], error["field"]) == ("not_found", "job_id")
        assert error["message"] == f"job {job_id} not found"


def test_job_detail_shows_what_the_card_leads_to(client: TestClient, world: World) -> None:
    response = client.get(job_url(world.id("job_a")), headers=world.headers("talent_b"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == world.id("job_a")
    assert body["description"]
    assert body["skills"] == [{"name": "Python", "required": True, "min_proficiency": 3}]
    assert (body["salary_min"], body["salary_max"], body["remote_policy"]) == (
        65000,
        85000,
        "hybrid",
    )
    assert body["company"]["name"]
    assert body["status"] == "open"


@pytest.mark.parametrize(
    ("who", "target", "expected"),
    [
        ("talent_a", "talent_a", 200),
        ("talent_a", "talent_b", 403),
        ("talent_a", "unknown", 403),
        ("company_a", "talent_b", 403),  # never applied to, shown for or contacted by company_a
        ("company_a", "unknown", 403),
        ("admin", "talent_b", 200),
        ("admin", "unknown", 404),
        ("norole", "talent_a", 403),
        ("anonymous", "talent_a", 401),
    ],
)
def test_candidate_detail_access(
    client: TestClient, world: World, who: str, target: str, expected: int
) -> None:
    response = client.get(talent_url(world.id(target)), headers=world.headers(who))
    assert response.status_code == expected, response.text
    if expected == 200:
        assert response.json()["disclosed"] is True


def test_a_company_sees_a_matched_talent_and_its_private_parts_once_it_applied(
    client: TestClient, world: World
) -> None:
    url, company = talent_url(world.id("talent_a")), world.headers("company_a")
    # The talent's own match list showed it job_a: that is not the company's result.
    client.post(T2J, json={"talent_id": world.id("talent_a")}, headers=world.headers("talent_a"))
    assert client.get(url, headers=company).status_code == 403

    ranked = client.post(J2T, json={"job_id": world.id("job_a"), "limit": 20}, headers=company)
    assert ranked.status_code == 200, ranked.text
    seen = client.get(url, headers=company)
    assert seen.status_code == 200, seen.text
    body = seen.json()
    assert body["disclosed"] is False
    assert all(body[field] is None for field in PRIVATE)
    assert body["headline"]
    assert body["skills"] == [{"name": "Python", "proficiency": 4, "years": 5.0}]
    assert client.get(url, headers=world.headers("company_b")).status_code == 403

    applied = client.post(
        FEEDBACK,
        json={"talent_id": world.id("talent_a"), "job_id": world.id("job_a"), "type": "apply"},
        headers=world.headers("talent_a"),
    )
    assert applied.status_code == 200, applied.text
    body = client.get(url, headers=company).json()
    assert body["disclosed"] is True
    assert body["bio"]
    assert (body["salary_min"], body["salary_max"]) == (60000, 80000)


def test_a_contact_discloses_too(client: TestClient, world: World) -> None:
    company = world.headers("company_a")
    client.post(J2T, json={"job_id": world.id("job_a"), "limit": 20}, headers=company)
    contact = client.post(
        FEEDBACK,
        json={"talent_id": world.id("talent_b"), "job_id": world.id("job_a"), "type": "contact"},
        headers=company,
    )
    assert contact.status_code == 200, contact.text
    body = client.get(talent_url(world.id("talent_b")), headers=company).json()
    assert body["disclosed"] is True


@pytest.mark.parametrize("url", ["/api/v1/jobs/123", "/api/v1/talents/abc"])
def test_bad_ids_are_422_naming_the_parameter(client: TestClient, world: World, url: str) -> None:
    response = client.get(url, headers=world.headers("admin"))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] in ("job_id", "talent_id")


def test_unknown_query_parameters_are_refused(client: TestClient, world: World) -> None:
    response = client.get(
        job_url(world.id("job_a")), params={"fields": "all"}, headers=world.headers("admin")
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "fields"
