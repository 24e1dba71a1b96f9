"""Who may open which detail page, and what it shows.

Job: an admin any job (404 when missing); a company its own jobs, open or closed (403 for
another's, existing or not, as for matches); a talent any open job and the closed jobs it
applied to, and a closed job it did not apply to answers exactly like an unknown id (404), so
closed postings cannot be probed.

Candidate: a talent itself and an admin the whole profile; a company only a talent tied to one
of its jobs, by an application, a contact, or the company's own match results while the match
log keeps that showing (403 for any other id, existing or not; a talent's own match list
showing it the job does not count). What a match card already shows (name, headline,
location, years) and what the model matched on (skills, seniority, preferences) is always
shown to such a company; the free text where contact details live (bio, résumé) and the
salary expectation only once the talent applied to one of its jobs or the company contacted
it (`disclosed`).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.auth.errors import PermissionDeniedError
from app.auth.ownership import ensure_job_access
from app.auth.principal import Principal
from app.core.enums import JobStatus, Role
from app.core.errors import NotFoundError
from app.db.models import Job, Talent
from app.details.errors import JobNotVisibleError
from app.details.repository import company_ties, load_job, load_talent, owner_applied_to_job


@dataclass(frozen=True, slots=True)
class CandidateView:
    talent: Talent
    disclosed: bool
    """Whether bio, résumé and salary expectation may be shown to the caller."""


def job_detail(session: Session, principal: Principal, job_id: uuid.UUID) -> Job:
    """The job with company and skills, if the caller may see it."""
    if principal.role in (Role.COMPANY, Role.ADMIN):
        ensure_job_access(session, principal, job_id)
    elif principal.role != Role.TALENT:
        raise PermissionDeniedError("requires role talent, company or admin")
    job = load_job(session, job_id)
    if job is None:
        raise JobNotVisibleError(f"job {job_id} not found")
    if (
        principal.role == Role.TALENT
        and job.status != JobStatus.OPEN
        and not owner_applied_to_job(session, principal.sub, job_id)
    ):
        raise JobNotVisibleError(f"job {job_id} not found")
    return job


def candidate_detail(session: Session, principal: Principal, talent_id: uuid.UUID) -> CandidateView:
    """The talent's profile and whether its private parts are disclosed to the caller."""
    talent = load_talent(session, talent_id)
    if principal.is_admin:
        if talent is None:
            raise NotFoundError(f"talent {talent_id} not found", field="talent_id")
        return CandidateView(talent, disclosed=True)
    if principal.role == Role.TALENT:
        if talent is None or talent.owner_user_id != principal.sub:
            raise PermissionDeniedError("a talent may open only its own profile")
        return CandidateView(talent, disclosed=True)
    if principal.role != Role.COMPANY or talent is None:
        raise PermissionDeniedError("not allowed to view this talent")
    ties = company_ties(session, principal.sub, talent_id)
    if not (ties.applied or ties.contacted or ties.shown):
        raise PermissionDeniedError(
            "this talent did not apply to and was not matched with your jobs"
        )
    return CandidateView(talent, disclosed=ties.applied or ties.contacted)
