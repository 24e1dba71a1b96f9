"""Request and response bodies of the application endpoints: the company's inbox, a stage
move, and a talent's own applications and contacts."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonDict

from app.applications.service import (
    Applicant,
    Application,
    Inbox,
    Page,
    StageChange,
    StageMove,
    TalentApplication,
    TalentContact,
)
from app.applications.stages import STATUS_FOR_TALENT
from app.core.enums import (
    ApplicationStage,
    ApplicationStatus,
    Decision,
    JobStatus,
    MatchSource,
    RemotePolicy,
    Role,
)
from app.core.schemas import Score, Strict
from app.matching.schemas import MatchExplanation

_TALENT = "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11"
_JOB = "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
_APPLICATION = "0193f1a2-7c4d-7e5f-8a9b-0c1d2e3f4a5b"
_EXAMPLE_HISTORY: JsonDict = {
    "stage": "contacted",
    "changed_at": "2026-01-02T09:30:00Z",
    "changed_by": "5d7e8f90-1a2b-4c3d-8e4f-5a6b7c8d9e0f",
    "role": "company",
}


class StageRequest(Strict):
    stage: ApplicationStage = Field(
        description="The stage to move to: one step forward (new -> contacted -> interviewing "
        "-> hired), or rejected from any stage before hired. The current stage again is a "
        "no-op."
    )

    model_config = ConfigDict(json_schema_extra={"examples": [{"stage": "contacted"}]})


class StageChangeOut(BaseModel):
    stage: ApplicationStage
    changed_at: datetime
    changed_by: uuid.UUID | None = Field(description="The user who moved it.")
    role: Role | None = Field(description="That user's role at the time.")

    @classmethod
    def of(cls, change: StageChange) -> StageChangeOut:
        role = change.actor_role
        return cls(
            stage=change.stage,
            changed_at=change.changed_at,
            changed_by=change.actor_user_id,
            role=Role(role) if role in tuple(Role) else None,
        )


class ApplicantOut(BaseModel):
    application_id: uuid.UUID = Field(description="Stays the same until the talent withdraws.")
    talent_id: uuid.UUID
    job_id: uuid.UUID
    title: str | None = Field(description="The talent's name, as on a match card.")
    subtitle: str | None = Field(description="Headline, location and years of experience.")
    applied_at: datetime
    stage: ApplicationStage
    stage_since: datetime
    score: Score | None = Field(
        description="The talent's score for this job now, by the serving model (or the "
        "fallback rules); null only for a talent deleted meanwhile."
    )
    source: MatchSource | None = Field(description="What scored it: the model or the fallback.")
    model_version: str | None
    explanation: MatchExplanation | None

    @classmethod
    def of(cls, applicant: Applicant) -> ApplicantOut:
        a, label, match = applicant.application, applicant.label, applicant.match
        return cls(
            application_id=a.id,
            talent_id=a.talent_id,
            job_id=a.job_id,
            title=label.title if label else None,
            subtitle=label.subtitle if label else None,
            applied_at=a.applied_at,
            stage=a.stage,
            stage_since=a.stage_since,
            score=min(100.0, max(0.0, match.score)) if match else None,
            source=match.source if match else None,
            model_version=match.model_version if match else None,
            explanation=(
                MatchExplanation.of(match.explanation)
                if match is not None and match.explanation is not None
                else None
            ),
        )


_EXAMPLE_APPLICANT: JsonDict = {
    "application_id": _APPLICATION,
    "talent_id": _TALENT,
    "job_id": _JOB,
    "title": "Ada Lovelace",
    "subtitle": "Backend developer · London · 6 years",
    "applied_at": "2026-01-01T12:00:00Z",
    "stage": "contacted",
    "stage_since": "2026-01-02T09:30:00Z",
    "score": 84.2,
    "source": "ml",
    "model_version": "matching-20260101T000000Z",
    "explanation": {
        "sub_scores": {"skills": 88.0, "experience": 75.0},
        "top_factors": [
            {
                "factor": "required_skill_coverage",
                "category": "skills",
                "impact": 12.5,
                "description": "Covers 4 of 5 required skills (missing: Kubernetes)",
            }
        ],
        "summary": "Strong match: covers 4 of 5 required skills.",
    },
}


class ApplicantsResponse(BaseModel):
    job_id: uuid.UUID
    stage: ApplicationStage | None = Field(description="The stage asked for; null: all.")
    total: int = Field(ge=0, description="Standing applications to the job at that stage.")
    limit: int
    offset: int
    stage_counts: dict[ApplicationStage, int] = Field(
        description="The job's standing applications per stage, whatever `stage` asks for."
    )
    applications: list[ApplicantOut] = Field(description="Newest application first.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "job_id": _JOB,
                    "stage": None,
                    "total": 1,
                    "limit": 20,
                    "offset": 0,
                    "stage_counts": {
                        "new": 0,
                        "contacted": 1,
                        "interviewing": 0,
                        "hired": 0,
                        "rejected": 0,
                    },
                    "applications": [_EXAMPLE_APPLICANT],
                }
            ]
        }
    )

    @classmethod
    def of(
        cls, job_id: uuid.UUID, stage: ApplicationStage | None, inbox: Inbox
    ) -> ApplicantsResponse:
        page = inbox.page
        return cls(
            job_id=job_id,
            stage=stage,
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            stage_counts=inbox.stage_counts,
            applications=[ApplicantOut.of(a) for a in page.items],
        )


class ApplicantDetailResponse(ApplicantOut):
    history: list[StageChangeOut] = Field(
        description="Every stage move, oldest first (empty while new)."
    )

    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_EXAMPLE_APPLICANT, "history": [_EXAMPLE_HISTORY]}]}
    )

    @classmethod
    def detail(cls, applicant: Applicant) -> ApplicantDetailResponse:
        return cls(
            **ApplicantOut.of(applicant).model_dump(),
            history=[StageChangeOut.of(c) for c in applicant.application.history],
        )


class StageMoveResponse(BaseModel):
    application_id: uuid.UUID
    talent_id: uuid.UUID
    job_id: uuid.UUID
    stage: ApplicationStage = Field(description="The stage after this call.")
    stage_since: datetime
    created: bool = Field(
        description="False when the application already was at this stage (nothing recorded)."
    )
    history: list[StageChangeOut]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "application_id": _APPLICATION,
                    "talent_id": _TALENT,
                    "job_id": _JOB,
                    "stage": "contacted",
                    "stage_since": "2026-01-02T09:30:00Z",
                    "created": True,
                    "history": [_EXAMPLE_HISTORY],
                }
            ]
        }
    )

    @classmethod
    def of(cls, move: StageMove) -> StageMoveResponse:
        a = move.application
        return cls(
            application_id=a.id,
            talent_id=a.talent_id,
            job_id=a.job_id,
            stage=a.stage,
            stage_since=a.stage_since,
            created=move.created,
            history=[StageChangeOut.of(c) for c in a.history],
        )


def _status(application: Application) -> ApplicationStatus:
    return STATUS_FOR_TALENT[application.stage]


class TalentApplicationOut(BaseModel):
    application_id: uuid.UUID
    job_id: uuid.UUID
    job_title: str
    company_name: str
    job_status: JobStatus
    location_name: str | None
    remote_policy: RemotePolicy
    applied_at: datetime
    status: ApplicationStatus = Field(
        description="Where the application stands, as the talent sees it (the company's "
        "internal stage, with `rejected` shown as `not_selected`)."
    )
    status_since: datetime

    @classmethod
    def of(cls, item: TalentApplication) -> TalentApplicationOut:
        a = item.application
        return cls(
            application_id=a.id,
            job_id=a.job_id,
            job_title=item.job_title,
            company_name=item.company_name,
            job_status=item.job_status,
            location_name=item.location_name,
            remote_policy=RemotePolicy(item.remote_policy),
            applied_at=a.applied_at,
            status=_status(a),
            status_since=a.stage_since,
        )


class TalentApplicationsResponse(BaseModel):
    talent_id: uuid.UUID
    total: int = Field(ge=0, description="The talent's standing applications.")
    limit: int
    offset: int
    applications: list[TalentApplicationOut] = Field(description="Newest application first.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "talent_id": _TALENT,
                    "total": 1,
                    "limit": 20,
                    "offset": 0,
                    "applications": [
                        {
                            "application_id": _APPLICATION,
                            "job_id": _JOB,
                            "job_title": "Senior Data Engineer",
                            "company_name": "Acme Analytics",
                            "job_status": "open",
                            "location_name": "Berlin",
                            "remote_policy": "hybrid",
                            "applied_at": "2026-01-01T12:00:00Z",
                            "status": "interviewing",
                            "status_since": "2026-01-05T15:00:00Z",
                        }
                    ],
                }
            ]
        }
    )

    @classmethod
    def of(cls, talent_id: uuid.UUID, page: Page[TalentApplication]) -> TalentApplicationsResponse:
        return cls(
            talent_id=talent_id,
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            applications=[TalentApplicationOut.of(a) for a in page.items],
        )


class TalentContactOut(BaseModel):
    job_id: uuid.UUID
    job_title: str
    company_name: str
    job_status: JobStatus
    location_name: str | None
    remote_policy: RemotePolicy
    contacted_at: datetime = Field(description="When the company's standing contact was made.")
    decision: Decision | None = Field(
        description="The talent's own standing decision on the job: `applied`, `dismissed`, "
        "or null when it has not answered."
    )
    application_id: uuid.UUID | None = Field(description="Set while the talent has applied.")
    application_status: ApplicationStatus | None = Field(
        description="Where its application stands, as on the talent's applications list; "
        "null unless it applied."
    )

    @classmethod
    def of(cls, item: TalentContact) -> TalentContactOut:
        a = item.application
        return cls(
            job_id=item.job_id,
            job_title=item.job_title,
            company_name=item.company_name,
            job_status=item.job_status,
            location_name=item.location_name,
            remote_policy=RemotePolicy(item.remote_policy),
            contacted_at=item.contacted_at,
            decision=item.decision,
            application_id=a.id if a else None,
            application_status=_status(a) if a else None,
        )


class TalentContactsResponse(BaseModel):
    talent_id: uuid.UUID
    total: int = Field(ge=0, description="Jobs whose company currently stands at `contact`.")
    limit: int
    offset: int
    contacts: list[TalentContactOut] = Field(description="Newest contact first.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "talent_id": _TALENT,
                    "total": 2,
                    "limit": 20,
                    "offset": 0,
                    "contacts": [
                        {
                            "job_id": _JOB,
                            "job_title": "Senior Data Engineer",
                            "company_name": "Acme Analytics",
                            "job_status": "open",
                            "location_name": "Berlin",
                            "remote_policy": "hybrid",
                            "contacted_at": "2026-01-03T10:00:00Z",
                            "decision": None,
                            "application_id": None,
                            "application_status": None,
                        },
                        {
                            "job_id": "4c2d1e0f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                            "job_title": "Analytics Engineer",
                            "company_name": "Borealis Data",
                            "job_status": "open",
                            "location_name": None,
                            "remote_policy": "remote",
                            "contacted_at": "2026-01-02T09:30:00Z",
                            "decision": "applied",
                            "application_id": _APPLICATION,
                            "application_status": "contacted",
                        },
                    ],
                }
            ]
        }
    )

    @classmethod
    def of(cls, talent_id: uuid.UUID, page: Page[TalentContact]) -> TalentContactsResponse:
        return cls(
            talent_id=talent_id,
            total=page.total,
            limit=page.limit,
            offset=page.offset,
            contacts=[TalentContactOut.of(c) for c in page.items],
        )
