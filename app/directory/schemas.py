"""Response bodies of `/me`: who the caller is and what it owns."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from app.core.enums import JobStatus, Role
from app.directory.service import JobSummary, Me, TalentSummary


class TalentSummaryOut(BaseModel):
    id: uuid.UUID
    full_name: str
    headline: str
    location_name: str | None

    @classmethod
    def of(cls, talent: TalentSummary) -> TalentSummaryOut:
        return cls(
            id=talent.id,
            full_name=talent.full_name,
            headline=talent.headline,
            location_name=talent.location_name,
        )


class JobSummaryOut(BaseModel):
    id: uuid.UUID
    title: str
    status: JobStatus
    company_name: str
    location_name: str | None

    @classmethod
    def of(cls, job: JobSummary) -> JobSummaryOut:
        return cls(
            id=job.id,
            title=job.title,
            status=JobStatus.OPEN if job.status == JobStatus.OPEN else JobStatus.CLOSED,
            company_name=job.company_name,
            location_name=job.location_name,
        )


class MeResponse(BaseModel):
    sub: uuid.UUID
    role: Role | None
    talent: TalentSummaryOut | None = Field(description="A talent's own profile; else null.")
    jobs: list[JobSummaryOut] = Field(description="A company's own jobs, newest first.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "sub": "3f1c2b7a-9d4e-4f5a-8b6c-7d8e9f0a1b2c",
                    "role": "company",
                    "talent": None,
                    "jobs": [
                        {
                            "id": "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                            "title": "Senior Data Engineer",
                            "status": "open",
                            "company_name": "Acme Analytics",
                            "location_name": "Berlin",
                        }
                    ],
                }
            ]
        }
    )

    @classmethod
    def of(cls, me: Me) -> MeResponse:
        return cls(
            sub=me.principal.sub,
            role=me.principal.role,
            talent=TalentSummaryOut.of(me.talent) if me.talent else None,
            jobs=[JobSummaryOut.of(j) for j in me.jobs],
        )
