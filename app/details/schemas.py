"""Response bodies of the detail views: a job, and a candidate as the caller may see it."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from app.core.enums import (
    CompanySize,
    JobStatus,
    RemotePolicy,
    RemotePreference,
    Seniority,
    WorkStyle,
)
from app.db.models import Job, Talent
from app.details.service import CandidateView


class CompanyOut(BaseModel):
    id: uuid.UUID
    name: str
    industry: str
    size: CompanySize
    work_style: WorkStyle


class JobSkillOut(BaseModel):
    name: str
    required: bool = Field(description="Required, or nice to have.")
    min_proficiency: int = Field(ge=1, le=5)


class JobDetailResponse(BaseModel):
    id: uuid.UUID
    title: str
    description: str
    status: JobStatus
    seniority: Seniority
    min_years: float
    max_years: float | None
    location_name: str | None
    timezone: str | None
    remote_policy: RemotePolicy
    salary_min: int | None
    salary_max: int | None
    currency: str
    skills: list[JobSkillOut] = Field(description="Required skills first, then by name.")
    company: CompanyOut
    created_at: datetime

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "9b0f6a3e-1c2d-4e5f-8a9b-0c1d2e3f4a5b",
                    "title": "Senior Data Engineer",
                    "description": "Build our streaming pipelines in Python and SQL.",
                    "status": "open",
                    "seniority": "senior",
                    "min_years": 5.0,
                    "max_years": None,
                    "location_name": "Berlin",
                    "timezone": "Europe/Berlin",
                    "remote_policy": "hybrid",
                    "salary_min": 80000,
                    "salary_max": 100000,
                    "currency": "EUR",
                    "skills": [
                        {"name": "Python", "required": True, "min_proficiency": 4},
                        {"name": "Kubernetes", "required": False, "min_proficiency": 2},
                    ],
                    "company": {
                        "id": "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                        "name": "Acme Analytics",
                        "industry": "Software",
                        "size": "medium",
                        "work_style": "collaborative",
                    },
                    "created_at": "2026-01-01T12:00:00Z",
                }
            ]
        }
    )

    @classmethod
    def of(cls, job: Job) -> JobDetailResponse:
        skills = sorted(job.skills, key=lambda s: (not s.required, s.skill.name.casefold()))
        company = job.company
        return cls(
            id=job.id,
            title=job.title,
            description=job.description,
            status=JobStatus(job.status),
            seniority=Seniority(job.seniority),
            min_years=job.min_years,
            max_years=job.max_years,
            location_name=job.location_name,
            timezone=job.timezone,
            remote_policy=RemotePolicy(job.remote_policy),
            salary_min=job.salary_min,
            salary_max=job.salary_max,
            currency=job.currency,
            skills=[
                JobSkillOut(
                    name=s.skill.name, required=s.required, min_proficiency=s.min_proficiency
                )
                for s in skills
            ],
            company=CompanyOut(
                id=company.id,
                name=company.name,
                industry=company.industry,
                size=CompanySize(company.size),
                work_style=WorkStyle(company.work_style),
            ),
            created_at=job.created_at,
        )


class TalentSkillOut(BaseModel):
    name: str
    proficiency: int = Field(ge=1, le=5)
    years: float = Field(ge=0)


class CandidateDetailResponse(BaseModel):
    id: uuid.UUID
    full_name: str
    headline: str
    seniority: Seniority
    years_experience: float
    location_name: str | None
    timezone: str | None
    remote_preference: RemotePreference
    preferred_company_size: CompanySize | None
    preferred_work_style: WorkStyle | None
    preferred_industries: list[str]
    skills: list[TalentSkillOut] = Field(description="Strongest first.")
    disclosed: bool = Field(
        description="Whether the private parts below are shown: always to the talent itself "
        "and admins, to a company once the talent applied to one of its jobs or it contacted "
        "the talent."
    )
    bio: str | None = Field(description="Null unless `disclosed`.")
    resume_text: str | None = Field(description="Null unless `disclosed`.")
    salary_min: int | None = Field(description="Expected salary; null unless `disclosed`.")
    salary_max: int | None = Field(description="Null unless `disclosed`.")
    currency: str | None = Field(description="Null unless `disclosed`.")

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "3f1c2a9e-8a57-4d0e-9b1a-2f5f3f0f4c11",
                    "full_name": "Ada Lovelace",
                    "headline": "Backend developer",
                    "seniority": "senior",
                    "years_experience": 6.0,
                    "location_name": "London",
                    "timezone": "Europe/London",
                    "remote_preference": "hybrid",
                    "preferred_company_size": "medium",
                    "preferred_work_style": "autonomous",
                    "preferred_industries": ["Software"],
                    "skills": [{"name": "Python", "proficiency": 5, "years": 6.0}],
                    "disclosed": False,
                    "bio": None,
                    "resume_text": None,
                    "salary_min": None,
                    "salary_max": None,
                    "currency": None,
                }
            ]
        }
    )

    @classmethod
    def of(cls, view: CandidateView) -> CandidateDetailResponse:
        talent: Talent = view.talent
        skills = sorted(
            talent.skills, key=lambda s: (-s.proficiency, -s.years, s.skill.name.casefold())
        )
        shown = view.disclosed
        return cls(
            id=talent.id,
            full_name=talent.full_name,
            headline=talent.headline,
            seniority=Seniority(talent.seniority),
            years_experience=talent.years_experience,
            location_name=talent.location_name,
            timezone=talent.timezone,
            remote_preference=RemotePreference(talent.remote_preference),
            preferred_company_size=(
                CompanySize(talent.preferred_company_size)
                if talent.preferred_company_size
                else None
            ),
            preferred_work_style=(
                WorkStyle(talent.preferred_work_style) if talent.preferred_work_style else None
            ),
            preferred_industries=list(talent.preferred_industries),
            skills=[
                TalentSkillOut(name=s.skill.name, proficiency=s.proficiency, years=s.years)
                for s in skills
            ],
            disclosed=shown,
            bio=talent.bio if shown else None,
            resume_text=talent.resume_text if shown else None,
            salary_min=talent.salary_min if shown else None,
            salary_max=talent.salary_max if shown else None,
            currency=talent.currency if shown else None,
        )
