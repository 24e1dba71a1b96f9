"""Applications over HTTP: who may see and move what (role x object), the inbox with scores,
stage moves that agree with the match lists, refused moves that name `stage` and write
nothing, the talent's own list, and bad ids, fields and parameters as 4xx envelopes."""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

import app.applications.service as applications_service
from app.db.models import ApplicationStageChange, Job, MatchFeedback
from tests.api.conftest import TALENT_ACCESS, World

FEEDBACK = "/api/v1/feedback"
J2T = "/api/v1/match/job-to-talents"


def inbox(job: str) -> str:
    return f"/api/v1/jobs/{job}/applications"


def one(job: str, talent: str) -> str:
    return f"/api/v1/jobs/{job}/applications/{talent}"


def stage_url(job: str, talent: str) -> str:
    return f"/api/v1/jobs/{job}/applications/{talent}/stage"


def mine(talent: str) -> str:
    return f"/api/v1/talents/{talent}/applications"


def contacts(talent: str) -> str:
    return f"/api/v1/talents/{talent}/contacts"


def rows(engine: Engine) -> tuple[int, int]:
    """(stage changes, feedback rows)."""
    with Session(engine) as session:
        changes = session.scalar(select(func.count()).select_from(ApplicationStageChange))
        feedback = session.scalar(select(func.count()).select_from(MatchFeedback))
        return int(changes or 0), int(feedback or 0)


def decide(
    client: TestClient, world: World, who: str, talent: str, job: str, kind: str
) -> httpx.Response:
    body = {"talent_id": world.id(talent), "job_id": world.id(job), "type": kind}
    response = client.post(FEEDBACK, json=body, headers=world.headers(who))
    assert response.status_code == 200, response.text
    return response


def rank(client: TestClient, world: World) -> None:
    """company_a's match list for job_a, which ranks talent_a: what it may contact from."""
    body = {"job_id": world.id("job_a"), "limit": 20}
    response = client.post(J2T, json=body, headers=world.headers("company_a"))
    assert response.status_code == 200, response.text


def move(client: TestClient, world: World, who: str, stage: str) -> httpx.Response:
    url = stage_url(world.id("job_a"), world.id("talent_a"))
    return client.post(url, json={"stage": stage}, headers=world.headers(who))


@pytest.fixture
def applied(client: TestClient, world: World) -> World:
    """talent_a applied to job_a (company_a's), talent_b to job_b (company_b's)."""
    decide(client, world, "talent_a", "talent_a", "job_a", "apply")
    decide(client, world, "talent_b", "talent_b", "job_b", "apply")
    return world


# Who may read a job's inbox: its company and admins (403 for any other job, existing or not).
JOB_ACCESS = [
    ("company_a", "job_a", 200),
    ("company_a", "job_b", 403),
    ("company_b", "job_a", 403),
    ("company_a", "unknown", 403),
    ("talent_a", "job_a", 403),
    ("admin", "job_b", 200),
    ("admin", "unknown", 404),
    ("norole", "job_a", 403),
    ("anonymous", "job_a", 401),
]


@pytest.mark.parametrize(("who", "job", "expected"), JOB_ACCESS)
def test_inbox_access(
    client: TestClient, applied: World, who: str, job: str, expected: int
) -> None:
    response = client.get(inbox(applied.id(job)), headers=applied.headers(who))
    assert response.status_code == expected, response.text


@pytest.mark.parametrize(
    ("who", "job", "talent", "expected"),
    [
        *[
            (who, job, "talent_a" if job != "job_b" else "talent_b", code)
            for who, job, code in JOB_ACCESS
        ],
        ("company_a", "job_a", "talent_b", 404),  # talent_b did not apply to job_a
        ("company_a", "job_a", "unknown", 404),
        ("admin", "job_a", "talent_b", 404),
    ],
)
def test_one_application_and_stage_move_access(
    client: TestClient, applied: World, who: str, job: str, talent: str, expected: int
) -> None:
    headers = applied.headers(who)
    job_id, talent_id = applied.id(job), applied.id(talent)
    got = client.get(one(job_id, talent_id), headers=headers)
    assert got.status_code == expected, got.text
    moved = client.post(stage_url(job_id, talent_id), json={"stage": "contacted"}, headers=headers)
    assert moved.status_code == expected, moved.text
    if expected == 404 and job != "unknown":  # the job is there, the application is not
        assert moved.json()["error"]["code"] == "application_not_found"


@pytest.mark.parametrize(("who", "target", "expected"), TALENT_ACCESS)
def test_talent_list_access(
    client: TestClient, applied: World, who: str, target: str, expected: int
) -> None:
    response = client.get(mine(applied.id(target)), headers=applied.headers(who))
    assert response.status_code == expected, response.text


@pytest.mark.parametrize(("who", "target", "expected"), TALENT_ACCESS)
def test_talent_contacts_access(
    client: TestClient, applied: World, who: str, target: str, expected: int
) -> None:
    rank(client, applied)
    decide(client, applied, "company_a", "talent_a", "job_a", "contact")
    response = client.get(contacts(applied.id(target)), headers=applied.headers(who))
    assert response.status_code == expected, response.text
    if expected == 404:  # an admin asking for an unknown talent, as on the applications list
        assert response.json()["error"]["code"] == "not_found"


def test_a_talent_learns_of_a_contact_and_of_its_undo(client: TestClient, world: World) -> None:
    """A contact from the match list reaches a talent that never applied; an undo takes it
    back, a reject never shows, and a contact through the inbox carries the application."""
    headers = world.headers("talent_a")
    rank(client, world)
    decide(client, world, "company_a", "talent_a", "job_a", "contact")
    body = client.get(contacts(world.id("talent_a")), headers=headers).json()
    assert (body["total"], body["limit"], body["offset"]) == (1, 20, 0)
    (item,) = body["contacts"]
    assert (item["job_id"], item["job_status"], item["decision"]) == (
        world.id("job_a"),
        "open",
        None,
    )
    assert (item["application_id"], item["application_status"]) == (None, None)
    assert item["job_title"]
    assert item["company_name"]
    assert item["contacted_at"]
    admin = client.get(contacts(world.id("talent_a")), headers=world.headers("admin")).json()
    assert [c["job_id"] for c in admin["contacts"]] == [world.id("job_a")]
    other = client.get(contacts(world.id("talent_b")), headers=world.headers("talent_b")).json()
    assert other["total"] == 0

    decide(client, world, "company_a", "talent_a", "job_a", "undo")
    assert client.get(contacts(world.id("talent_a")), headers=headers).json()["total"] == 0
    decide(client, world, "company_a", "talent_a", "job_a", "reject")
    assert client.get(contacts(world.id("talent_a")), headers=headers).json()["contacts"] == []

    decide(client, world, "talent_a", "talent_a", "job_a", "apply")
    decide(client, world, "company_a", "talent_a", "job_a", "undo")
    assert move(client, world, "company_a", "contacted").status_code == 200
    (item,) = client.get(contacts(world.id("talent_a")), headers=headers).json()["contacts"]
    assert (item["decision"], item["application_status"]) == ("applied", "contacted")
    assert item["application_id"]


def test_inbox_scores_and_explains_each_applicant(client: TestClient, applied: World) -> None:
    response = client.get(inbox(applied.id("job_a")), headers=applied.headers("company_a"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["total"], body["limit"], body["offset"]) == (1, 20, 0)
    (item,) = body["applications"]
    assert item["talent_id"] == applied.id("talent_a")
    assert item["stage"] == "new"
    assert 0 <= item["score"] <= 100
    assert item["explanation"]["top_factors"]
    assert item["title"]
    served = client.post(
        J2T, json={"job_id": applied.id("job_a"), "limit": 20}, headers=applied.headers("company_a")
    ).json()["matches"]
    assert {m["id"]: m["score"] for m in served}[applied.id("talent_a")] == item["score"]


def test_the_pipeline_end_to_end(client: TestClient, applied: World, pg_engine: Engine) -> None:
    """Contacted shows as the company's decision in its match list, the talent follows its
    status, a repeat is a no-op, and the history says who moved it when."""
    contacted = move(client, applied, "company_a", "contacted")
    assert contacted.status_code == 200, contacted.text
    assert (contacted.json()["stage"], contacted.json()["created"]) == ("contacted", True)
    again = move(client, applied, "company_a", "contacted")
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert rows(pg_engine) == (1, 3)  # one stage row; two applies and one contact

    served = client.post(
        J2T, json={"job_id": applied.id("job_a"), "limit": 20}, headers=applied.headers("company_a")
    ).json()["matches"]
    assert {m["id"]: m["decision"] for m in served}[applied.id("talent_a")] == "contacted"

    assert move(client, applied, "company_a", "interviewing").status_code == 200
    status = client.get(mine(applied.id("talent_a")), headers=applied.headers("talent_a")).json()
    (application,) = status["applications"]
    assert (application["job_id"], application["status"]) == (applied.id("job_a"), "interviewing")
    assert application["job_title"]
    assert application["company_name"]

    assert move(client, applied, "company_a", "rejected").status_code == 200
    status = client.get(mine(applied.id("talent_a")), headers=applied.headers("talent_a")).json()
    assert status["applications"][0]["status"] == "not_selected"
    detail = client.get(
        one(applied.id("job_a"), applied.id("talent_a")), headers=applied.headers("company_a")
    ).json()
    assert [h["stage"] for h in detail["history"]] == ["contacted", "interviewing", "rejected"]
    assert {(h["changed_by"], h["role"]) for h in detail["history"]} == {
        (str(applied.company_a_user), "company")
    }
    decisions = client.get(
        "/api/v1/feedback/decisions",
        params={"job_id": applied.id("job_a")},
        headers=applied.headers("company_a"),
    ).json()["decisions"]
    assert [d["decision"] for d in decisions] == ["rejected"]


@pytest.mark.parametrize(
    ("path", "refused"),
    [([], "hired"), ([], "interviewing"), (["contacted"], "new"), (["rejected"], "contacted")],
)
def test_a_refused_move_is_409_naming_stage_and_writes_nothing(
    client: TestClient, applied: World, pg_engine: Engine, path: list[str], refused: str
) -> None:
    for stage in path:
        assert move(client, applied, "company_a", stage).status_code == 200
    before = rows(pg_engine)
    response = move(client, applied, "company_a", refused)
    assert response.status_code == 409, response.text
    error = response.json()["error"]
    assert (error["code"], error["field"]) == ("stage_not_allowed", "stage")
    assert rows(pg_engine) == before


def test_a_closed_job_is_409_naming_job_id_and_writes_nothing(
    client: TestClient, applied: World, pg_engine: Engine
) -> None:
    with Session(pg_engine) as session:
        session.execute(update(Job).where(Job.id == applied.job_a).values(status="closed"))
        session.commit()
    before = rows(pg_engine)
    response = move(client, applied, "company_a", "contacted")
    assert response.status_code == 409, response.text
    assert response.json()["error"]["field"] == "job_id"
    assert rows(pg_engine) == before
    listed = client.get(inbox(applied.id("job_a")), headers=applied.headers("company_a"))
    assert listed.json()["total"] == 1  # the closed job's applications stay readable


def test_a_failure_after_the_decision_leaves_neither(
    client: TestClient, applied: World, pg_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The contact decision and the stage row commit together or not at all."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(applications_service, "append_stage_change", broken)
    before = rows(pg_engine)
    client_no_raise = TestClient(client.app, raise_server_exceptions=False)
    response = client_no_raise.post(
        stage_url(applied.id("job_a"), applied.id("talent_a")),
        json={"stage": "contacted"},
        headers=applied.headers("company_a"),
    )
    assert response.status_code == 500
    assert rows(pg_engine) == before


def test_withdrawing_removes_the_application(client: TestClient, applied: World) -> None:
    decide(client, applied, "talent_a", "talent_a", "job_a", "undo")
    listed = client.get(inbox(applied.id("job_a")), headers=applied.headers("company_a")).json()
    assert (listed["total"], listed["applications"]) == (0, [])
    response = move(client, applied, "company_a", "contacted")
    assert response.status_code == 404
    assert response.json()["error"] == {
        **response.json()["error"],
        "code": "application_not_found",
        "field": "talent_id",
    }


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/jobs/not-a-uuid/applications", None, "job_id"),
        ("/api/v1/jobs/{job}/applications?limit=0", None, "limit"),
        ("/api/v1/jobs/{job}/applications?limit=101", None, "limit"),
        ("/api/v1/jobs/{job}/applications?offset=-1", None, "offset"),
        ("/api/v1/jobs/{job}/applications?page=2", None, "page"),
        ("/api/v1/jobs/{job}/applications?stage=hiring", None, "stage"),
        ("/api/v1/jobs/{job}/applications/nope", None, "talent_id"),
        ("/api/v1/jobs/{job}/applications/{talent}/stage", {"stage": "promoted"}, "stage"),
        ("/api/v1/jobs/{job}/applications/{talent}/stage", {}, "stage"),
        (
            "/api/v1/jobs/{job}/applications/{talent}/stage",
            {"stage": "contacted", "note": "hi"},
            "note",
        ),
        ("/api/v1/talents/xyz/applications", None, "talent_id"),
        ("/api/v1/talents/xyz/contacts", None, "talent_id"),
        ("/api/v1/talents/{talent}/contacts?limit=0", None, "limit"),
        ("/api/v1/talents/{talent}/contacts?limit=101", None, "limit"),
        ("/api/v1/talents/{talent}/contacts?offset=-1", None, "offset"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient,
    applied: World,
    pg_engine: Engine,
    url: str,
    body: dict[str, object] | None,
    field: str,
) -> None:
    who = "talent_a" if url.startswith("/api/v1/talents") else "company_a"
    target = url.format(job=applied.id("job_a"), talent=applied.id("talent_a"))
    before = rows(pg_engine)
    if body is None:
        response = client.get(target, headers=applied.headers(who))
    else:
        response = client.post(target, json=body, headers=applied.headers(who))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == field
    assert rows(pg_engine) == before


def test_pages_of_the_inbox(client: TestClient, world: World) -> None:
    decide(client, world, "talent_a", "talent_a", "job_a", "apply")
    decide(client, world, "talent_b", "talent_b", "job_a", "apply")
    headers = world.headers("company_a")
    first = client.get(inbox(world.id("job_a")), params={"limit": 1}, headers=headers).json()
    second = client.get(
        inbox(world.id("job_a")), params={"limit": 1, "offset": 1}, headers=headers
    ).json()
    assert (first["total"], second["total"]) == (2, 2)
    assert [a["talent_id"] for a in first["applications"] + second["applications"]] == [
        world.id("talent_b"),
        world.id("talent_a"),
    ]


def test_the_inbox_filters_by_stage(client: TestClient, world: World) -> None:
    decide(client, world, "talent_a", "talent_a", "job_a", "apply")
    decide(client, world, "talent_b", "talent_b", "job_a", "apply")
    assert move(client, world, "company_a", "contacted").status_code == 200
    headers = world.headers("company_a")
    contacted = client.get(
        inbox(world.id("job_a")), params={"stage": "contacted"}, headers=headers
    ).json()
    assert [a["talent_id"] for a in contacted["applications"]] == [world.id("talent_a")]
    assert (contacted["stage"], contacted["total"]) == ("contacted", 1)
    assert contacted["stage_counts"] == {
        "new": 1,
        "contacted": 1,
        "interviewing": 0,
        "hired": 0,
        "rejected": 0,
    }


def test_unknown_application_id_is_not_probe_able_by_other_companies(
    client: TestClient, applied: World
) -> None:
    """Another company learns nothing about job_a's applicants: 403 for real and made-up ids."""
    headers = applied.headers("company_b")
    for talent in (applied.id("talent_a"), str(uuid.uuid4())):
        assert client.get(one(applied.id("job_a"), talent), headers=headers).status_code == 403
