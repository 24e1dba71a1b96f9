"""Applications: the company's inbox per job, stage moves, and a talent's own lists (its
applications, and the companies that contacted it).

An application is a talent's standing `apply` on a job (app.decisions); withdrawing (`undo`
of the apply) ends it, and applying again starts a new one at `new`. Its stage history is
append-only (`application_stage_changes`, who and when) and keyed by the apply row, so it never
outlives the application it belongs to. A move to `contacted` or `rejected` also records the
company's `contact` / `reject` through the feedback path in the same transaction, so the match
lists and the learning loop see the decision a stage stands for; `interviewing` and `hired`
keep the `contact` before them. A move that is not allowed, on a closed job or on a pair
without an application, raises before anything is written.

Scores are computed for the pairs on the page by the serving scorer (app.matching.pairs), so
an applicant the job's ranking never showed has one too, and it is as current as the model.
"""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from app.applications.errors import ApplicationNotFoundError, StageNotAllowedError
from app.applications.repository import (
    append_stage_change,
    application_of_pair,
    job_applications,
    job_is_closed,
    job_stage_changes,
    lock_talent,
    stage_changes,
    talent_applications,
    talent_contacts,
)
from app.applications.stages import DECISION_OF_STAGE, current_stage, is_allowed
from app.auth.ownership import ensure_job_access, ensure_talent_access
from app.auth.principal import Principal
from app.core.enums import ApplicationStage, Decision, FeedbackSide, JobStatus
from app.db.models import ApplicationStageChange
from app.decisions.service import CurrentDecision, current_decisions
from app.directory.service import Label, labels
from app.feedback.errors import JobClosedError
from app.feedback.service import record_feedback
from app.matching.pairs import score_job_talents
from app.matching.service import MatchingState
from app.ml.types import MatchResult

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StageChange:
    stage: ApplicationStage
    changed_at: datetime
    actor_user_id: uuid.UUID | None
    actor_role: str | None


@dataclass(frozen=True, slots=True)
class Application:
    id: uuid.UUID
    talent_id: uuid.UUID
    job_id: uuid.UUID
    applied_at: datetime
    stage: ApplicationStage
    stage_since: datetime
    history: list[StageChange]


@dataclass(frozen=True, slots=True)
class Applicant:
    application: Application
    label: Label | None
    match: MatchResult | None
    """None only when the talent row vanished between the reads (deleted meanwhile)."""


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    total: int
    limit: int
    offset: int
    items: list[T]


@dataclass(frozen=True, slots=True)
class Inbox:
    page: Page[Applicant]
    stage_counts: dict[ApplicationStage, int]
    """All of the job's applications by stage, whatever the filter."""


@dataclass(frozen=True, slots=True)
class TalentApplication:
    application: Application
    job_title: str
    job_status: JobStatus
    company_name: str
    location_name: str | None
    remote_policy: str


@dataclass(frozen=True, slots=True)
class TalentContact:
    """A job whose company stands at `contact` on the talent, with the talent's own answer."""

    job_id: uuid.UUID
    contacted_at: datetime
    job_title: str
    job_status: JobStatus
    company_name: str
    location_name: str | None
    remote_policy: str
    decision: Decision | None
    """The talent's standing decision on the job (applied or dismissed), or None."""
    application: Application | None
    """Its application while the decision is `applied`, for the status the talent sees."""


@dataclass(frozen=True, slots=True)
class StageMove:
    application: Application
    created: bool


def _application(
    application_id: uuid.UUID,
    talent_id: uuid.UUID,
    job_id: uuid.UUID,
    applied_at: datetime,
    changes: Sequence[ApplicationStageChange],
    decision: CurrentDecision | None,
) -> Application:
    history = [
        StageChange(ApplicationStage(c.stage), c.created_at, c.actor_user_id, c.actor_role)
        for c in changes
    ]
    stage = current_stage(
        [h.stage for h in history], decision.decision if decision is not None else None
    )
    recorded = history[-1] if history else None
    if recorded is not None and stage == recorded.stage:
        since = recorded.changed_at
    elif decision is not None and stage != ApplicationStage.NEW:  # the decision set the stage
        since = max(decision.decided_at, applied_at)
    else:
        since = applied_at
    return Application(application_id, talent_id, job_id, applied_at, stage, since, history)


def _applications(
    rows: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID, datetime]],
    changes: Sequence[ApplicationStageChange],
    decisions: Sequence[CurrentDecision],
) -> list[Application]:
    """Applications of (application_id, talent_id, job_id, applied_at) rows, from (at least)
    their stage changes and their companies' standing decisions."""
    by_application: dict[uuid.UUID, list[ApplicationStageChange]] = defaultdict(list)
    for change in changes:
        by_application[change.application_id].append(change)
    by_pair = {(d.talent_id, d.job_id): d for d in decisions}
    return [
        _application(
            app_id,
            talent_id,
            job_id,
            applied_at,
            by_application[app_id],
            by_pair.get((talent_id, job_id)),
        )
        for app_id, talent_id, job_id, applied_at in rows
    ]


def _listed(
    session: Session, rows: Sequence[tuple[uuid.UUID, uuid.UUID, uuid.UUID, datetime]]
) -> list[Application]:
    """Applications of a few rows (a page, one pair): their histories and decisions by id."""
    if not rows:
        return []
    decisions = current_decisions(
        session,
        FeedbackSide.COMPANY,
        talent_ids={r[1] for r in rows},
        job_ids={r[2] for r in rows},
    )
    return _applications(rows, stage_changes(session, [r[0] for r in rows]), decisions)


def list_applicants(
    session: Session,
    principal: Principal,
    job_id: uuid.UUID,
    *,
    stage: ApplicationStage | None = None,
    limit: int,
    offset: int,
    state: MatchingState,
) -> Inbox:
    """A job's applicants (those at `stage`, or all), newest application first, each with its
    stage and its score and explanation for the job, and how many are at each stage: for the
    job's company or an admin, open or closed jobs.

    A stage follows from the history and the company's decision together, so the job's
    applications are read whole (three statements scoped by the job, no id lists) and only
    the page is scored."""
    ensure_job_access(session, principal, job_id)
    applications = _applications(
        [(r[0], r[1], job_id, r[2]) for r in job_applications(session, job_id)],
        job_stage_changes(session, job_id),
        current_decisions(session, FeedbackSide.COMPANY, job_ids=[job_id]),
    )
    counts = Counter(a.stage for a in applications)
    chosen = [a for a in applications if stage is None or a.stage == stage]
    page = chosen[offset : offset + limit]
    talent_ids = [a.talent_id for a in page]
    scores = score_job_talents(session, job_id, talent_ids, state=state)
    names = labels(session, "talent", talent_ids)
    items = [Applicant(a, names.get(a.talent_id), scores.get(a.talent_id)) for a in page]
    return Inbox(
        page=Page(len(chosen), limit, offset, items),
        stage_counts={s: counts.get(s, 0) for s in ApplicationStage},
    )


def _one(session: Session, talent_id: uuid.UUID, job_id: uuid.UUID) -> Application:
    found = application_of_pair(session, talent_id, job_id)
    if found is None:
        raise ApplicationNotFoundError(f"talent {talent_id} has no application to job {job_id}")
    return _listed(session, [(found[0], talent_id, job_id, found[1])])[0]


def get_applicant(
    session: Session,
    principal: Principal,
    job_id: uuid.UUID,
    talent_id: uuid.UUID,
    *,
    state: MatchingState,
) -> Applicant:
    """One application of the job with its whole stage history, score and explanation."""
    ensure_job_access(session, principal, job_id)
    application = _one(session, talent_id, job_id)
    scores = score_job_talents(session, job_id, [talent_id], state=state)
    names = labels(session, "talent", [talent_id])
    return Applicant(application, names.get(talent_id), scores.get(talent_id))


def move_stage(
    session: Session,
    principal: Principal,
    job_id: uuid.UUID,
    talent_id: uuid.UUID,
    stage: ApplicationStage,
) -> StageMove:
    """Move an application to `stage` (the job's company or an admin). The current stage again
    writes nothing and answers `created: false`; a move the machine forbids, a closed job or
    a pair without an application raise before anything is written."""
    stage = ApplicationStage(stage)
    ensure_job_access(session, principal, job_id)
    if job_is_closed(session, job_id):
        raise JobClosedError(f"job {job_id} is closed: its applications are final")
    lock_talent(session, talent_id)
    application = _one(session, talent_id, job_id)
    if stage == application.stage:
        return StageMove(application, created=False)
    if not is_allowed(application.stage, stage):
        raise StageNotAllowedError(
            f"an application cannot move from {application.stage} to {stage}"
        )
    decision = DECISION_OF_STAGE.get(stage)
    if decision is not None:
        record_feedback(session, principal, talent_id, job_id, decision)
    append_stage_change(
        session,
        application_id=application.id,
        talent_id=talent_id,
        job_id=job_id,
        stage=stage,
        actor_user_id=principal.sub,
        actor_role=principal.role,
    )
    return StageMove(_one(session, talent_id, job_id), created=True)


def applications_of_talent(
    session: Session, principal: Principal, talent_id: uuid.UUID, *, limit: int, offset: int
) -> Page[TalentApplication]:
    """A talent's own standing applications, newest first, with each job's title, company and
    status (closed jobs included, so the talent still sees how it ended)."""
    ensure_talent_access(session, principal, talent_id)
    total, rows = talent_applications(session, talent_id, limit=limit, offset=offset)
    applications = _listed(session, [(r.id, talent_id, r.job_id, r.created_at) for r in rows])
    items = [
        TalentApplication(
            application=a,
            job_title=r.title,
            job_status=JobStatus(r.status),
            company_name=r.name,
            location_name=r.location_name,
            remote_policy=r.remote_policy,
        )
        for a, r in zip(applications, rows, strict=True)
    ]
    return Page(total, limit, offset, items)


def contacts_of_talent(
    session: Session, principal: Principal, talent_id: uuid.UUID, *, limit: int, offset: int
) -> Page[TalentContact]:
    """The jobs whose company currently stands at `contact` on the talent, newest contact
    first, so a talent learns of a contact whether or not it applied. Each carries the
    talent's own decision and, when it applied, its application (for the status it may see).
    An undone contact is gone, and a reject is never listed: the talent reads it only as
    `not_selected` on an application."""
    ensure_talent_access(session, principal, talent_id)
    total, rows = talent_contacts(session, talent_id, limit=limit, offset=offset)
    own = (
        {
            d.job_id: d
            for d in current_decisions(
                session,
                FeedbackSide.TALENT,
                talent_ids=[talent_id],
                job_ids=[r.job_id for r in rows],
            )
        }
        if rows
        else {}
    )
    applications = {
        a.job_id: a
        for a in _listed(
            session,
            [
                (d.feedback_id, talent_id, d.job_id, d.decided_at)
                for d in own.values()
                if d.decision == Decision.APPLIED
            ],
        )
    }
    items = [
        TalentContact(
            job_id=r.job_id,
            contacted_at=r.created_at,
            job_title=r.title,
            job_status=JobStatus(r.status),
            company_name=r.name,
            location_name=r.location_name,
            remote_policy=r.remote_policy,
            decision=own[r.job_id].decision if r.job_id in own else None,
            application=applications.get(r.job_id),
        )
        for r in rows
    ]
    return Page(total, limit, offset, items)
