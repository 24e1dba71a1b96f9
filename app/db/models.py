"""Core tables of talent-match.

Constraints live here (and so in the database through the migration), not only in Python:
a bad feedback type or side, or a second active model version is refused
by the database itself. Relationships are `lazy="raise"`: a query states what it loads
(`selectinload`/`joinedload`), so a lazy load per row (N+1 queries) fails loudly instead.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.enums import (
    ApplicationStage,
    CompanySize,
    FeedbackSide,
    FeedbackType,
    JobStatus,
    MatchSource,
    ModelStatus,
    OccupationSource,
    OwnerKind,
    PairSplit,
    RemotePolicy,
    RemotePreference,
    RunStatus,
    Seniority,
    WorkStyle,
)
from app.db.base import Base, JSONType, utcnow, uuid7


def _in(column: str, values: type[StrEnum]) -> str:
    """SQL of a check that `column` holds one of the enum's values, in declaration order."""
    quoted = ", ".join(f"'{v.value}'" for v in values)
    return f"{column} IN ({quoted})"


class Company(Base):
    __tablename__ = "companies"
    __table_args__ = (
        CheckConstraint(_in("size", CompanySize), name="size_valid"),
        CheckConstraint(_in("work_style", WorkStyle), name="work_style_valid"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, index=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(100))
    size: Mapped[str] = mapped_column(String(20))
    work_style: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    jobs: Mapped[list[Job]] = relationship(
        back_populates="company", lazy="raise", passive_deletes=True
    )


class Skill(Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    aliases: Mapped[list[str]] = mapped_column(default=list)
    category: Mapped[str] = mapped_column(String(80))
    hot: Mapped[bool] = mapped_column(Boolean, default=False)


class Talent(Base):
    __tablename__ = "talents"
    __table_args__ = (
        CheckConstraint("years_experience >= 0 AND years_experience <= 70", name="years_range"),
        Index("ix_talents_updated_at", "updated_at"),
        CheckConstraint(_in("seniority", Seniority), name="seniority_valid"),
        CheckConstraint(_in("remote_preference", RemotePreference), name="remote_valid"),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="lat"),
        CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="lon"
        ),
        CheckConstraint(
            "salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max",
            name="salary_order",
        ),
        CheckConstraint("salary_min IS NULL OR salary_min >= 0", name="salary_positive"),
        CheckConstraint(
            "preferred_company_size IS NULL OR " + _in("preferred_company_size", CompanySize),
            name="pref_size_valid",
        ),
        CheckConstraint(
            "preferred_work_style IS NULL OR " + _in("preferred_work_style", WorkStyle),
            name="pref_style_valid",
        ),
        CheckConstraint(
            "occupation_source IS NULL OR " + _in("occupation_source", OccupationSource),
            name="occupation_source_valid",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    owner_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    headline: Mapped[str] = mapped_column(String(200))
    occupation_code: Mapped[str | None] = mapped_column(String(12))
    occupation_source: Mapped[str | None] = mapped_column(String(16))
    occupation_model_version: Mapped[str | None] = mapped_column(String(64))
    occupation_candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    years_experience: Mapped[float] = mapped_column(Float)
    seniority: Mapped[str] = mapped_column(String(20))
    location_name: Mapped[str | None] = mapped_column(String(120))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    timezone: Mapped[str | None] = mapped_column(String(64))
    remote_preference: Mapped[str] = mapped_column(String(10), default="any")
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    preferred_company_size: Mapped[str | None] = mapped_column(String(20))
    preferred_industries: Mapped[list[str]] = mapped_column(default=list)
    preferred_work_style: Mapped[str | None] = mapped_column(String(20))
    bio: Mapped[str] = mapped_column(Text, default="")
    resume_text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    skills: Mapped[list[TalentSkill]] = relationship(
        back_populates="talent", cascade="all, delete-orphan", lazy="raise", passive_deletes=True
    )


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        CheckConstraint(_in("seniority", Seniority), name="seniority_valid"),
        CheckConstraint(_in("remote_policy", RemotePolicy), name="remote_valid"),
        CheckConstraint(_in("status", JobStatus), name="status_valid"),
        CheckConstraint("min_years >= 0", name="min_years_positive"),
        CheckConstraint("max_years IS NULL OR max_years >= min_years", name="years_order"),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)", name="lat"),
        CheckConstraint(
            "longitude IS NULL OR (longitude >= -180 AND longitude <= 180)", name="lon"
        ),
        CheckConstraint(
            "salary_min IS NULL OR salary_max IS NULL OR salary_min <= salary_max",
            name="salary_order",
        ),
        CheckConstraint("salary_min IS NULL OR salary_min >= 0", name="salary_positive"),
        Index("ix_jobs_status_company", "status", "company_id"),
        Index("ix_jobs_updated_at", "updated_at"),
        CheckConstraint(
            "occupation_source IS NULL OR " + _in("occupation_source", OccupationSource),
            name="occupation_source_valid",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    company_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    occupation_code: Mapped[str | None] = mapped_column(String(12))
    occupation_source: Mapped[str | None] = mapped_column(String(16))
    occupation_model_version: Mapped[str | None] = mapped_column(String(64))
    occupation_candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(JSONType)
    seniority: Mapped[str] = mapped_column(String(20))
    min_years: Mapped[float] = mapped_column(Float, default=0)
    max_years: Mapped[float | None] = mapped_column(Float)
    location_name: Mapped[str | None] = mapped_column(String(120))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    timezone: Mapped[str | None] = mapped_column(String(64))
    remote_policy: Mapped[str] = mapped_column(String(10))
    salary_min: Mapped[int | None] = mapped_column(Integer)
    salary_max: Mapped[int | None] = mapped_column(Integer)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    status: Mapped[str] = mapped_column(String(10), default="open")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    company: Mapped[Company] = relationship(back_populates="jobs", lazy="raise")
    skills: Mapped[list[JobSkill]] = relationship(
        back_populates="job", cascade="all, delete-orphan", lazy="raise", passive_deletes=True
    )


class TalentSkill(Base):
    __tablename__ = "talent_skills"
    __table_args__ = (
        CheckConstraint("proficiency BETWEEN 1 AND 5", name="proficiency_range"),
        CheckConstraint("years >= 0", name="years_positive"),
    )

    talent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("talents.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    proficiency: Mapped[int] = mapped_column(Integer)
    years: Mapped[float] = mapped_column(Float, default=0)

    talent: Mapped[Talent] = relationship(back_populates="skills", lazy="raise")
    skill: Mapped[Skill] = relationship(lazy="raise")


class JobSkill(Base):
    __tablename__ = "job_skills"
    __table_args__ = (
        CheckConstraint("min_proficiency BETWEEN 1 AND 5", name="min_proficiency_range"),
    )

    job_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("jobs.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(
        ForeignKey("skills.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    required: Mapped[bool] = mapped_column(Boolean, default=True)
    min_proficiency: Mapped[int] = mapped_column(Integer, default=3)

    job: Mapped[Job] = relationship(back_populates="skills", lazy="raise")
    skill: Mapped[Skill] = relationship(lazy="raise")


class Match(Base):
    """A match that was shown to someone: the impression log the learning loop reads."""

    __tablename__ = "matches"
    __table_args__ = (
        CheckConstraint("ml_score >= 0 AND ml_score <= 100", name="score_range"),
        CheckConstraint(_in("source", MatchSource), name="source_valid"),
        Index("ix_matches_talent_created", "talent_id", "created_at"),
        Index("ix_matches_job_created", "job_id", "created_at"),
        # Pruning the log (app.matching.repository): a showing's siblings, and rows by age.
        Index("ix_matches_request_created", "request_id", "created_at"),
        Index("ix_matches_created", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    talent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("talents.id", ondelete="CASCADE"))
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    ml_score: Mapped[float] = mapped_column(Float)
    ml_version: Mapped[str | None] = mapped_column(String(64))
    explanation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    source: Mapped[str] = mapped_column(String(10))
    position: Mapped[int | None] = mapped_column(Integer)
    request_id: Mapped[str | None] = mapped_column(String(64))
    subject_side: Mapped[str | None] = mapped_column(
        String(6), doc="'talent' or 'job': whose match request showed this row (None: older rows)."
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def _feedback_side(context: DefaultExecutionContext) -> str | None:
    """A row's side follows from its type; an `undo` must be given one (None fails NOT NULL)."""
    kind = context.get_current_parameters()["feedback_type"]  # type: ignore[no-untyped-call]
    if kind in (FeedbackType.APPLY, FeedbackType.DISMISS):
        return FeedbackSide.TALENT
    if kind in (FeedbackType.CONTACT, FeedbackType.REJECT):
        return FeedbackSide.COMPANY
    return None


class MatchFeedback(Base):
    """The history of decisions on a pair, append-only: each side's current decision is its
    latest row (none when that row is an `undo`)."""

    __tablename__ = "match_feedback"
    __table_args__ = (
        CheckConstraint(_in("feedback_type", FeedbackType), name="type_valid"),
        CheckConstraint(_in("side", FeedbackSide), name="side_valid"),
        Index("ix_match_feedback_pair_side", "talent_id", "job_id", "side", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    talent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("talents.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    feedback_type: Mapped[str] = mapped_column(String(10))
    side: Mapped[str] = mapped_column(String(7), default=_feedback_side)
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ApplicationStageChange(Base):
    """The history of an application's stage, append-only: its current stage is its latest
    row (`new` while it has none).

    An application is a talent's standing `apply` on a job, and `application_id` is the id of
    that apply row in `match_feedback`: a withdrawn and renewed application starts again at
    `new`. It is deliberately no foreign key: SQLite rebuilds `match_feedback` in batch
    migrations, and a cascading key would empty this history with it; talent and job keys
    cascade as every other table's do. Stages only move forward, so one application reaches
    each stage at most once, which the unique key makes the database enforce.
    """

    __tablename__ = "application_stage_changes"
    __table_args__ = (
        CheckConstraint(_in("stage", ApplicationStage), name="stage_valid"),
        UniqueConstraint("application_id", "stage", name="uq_application_stage_once"),
        Index("ix_application_stage_changes_job", "job_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    application_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    talent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("talents.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(12))
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    actor_role: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MLModelVersion(Base):
    """One trained model artifact and its provenance.

    `is_active` is kept equal to `status = 'active'` by a check, and a partial unique index
    allows at most one active version per model id, on SQLite and Postgres alike.
    """

    __tablename__ = "ml_model_versions"
    __table_args__ = (
        CheckConstraint(_in("status", ModelStatus), name="status_valid"),
        CheckConstraint(
            "(is_active AND status = 'active') OR (NOT is_active AND status <> 'active')",
            name="active_matches_status",
        ),
        Index(
            "uq_ml_model_versions_one_active",
            "model_id",
            unique=True,
            sqlite_where=text("is_active"),
            postgresql_where=text("is_active"),
        ),
        Index("ix_ml_model_versions_is_active", "is_active"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(12), default="candidate")
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    feature_list: Mapped[list[str]] = mapped_column(default=list)
    training_window_start: Mapped[datetime | None] = mapped_column()
    training_window_end: Mapped[datetime | None] = mapped_column()
    train_rows: Mapped[int] = mapped_column(Integer, default=0)
    valid_rows: Mapped[int] = mapped_column(Integer, default=0)
    data_hash: Mapped[str | None] = mapped_column(String(64))
    artifact_path: Mapped[str] = mapped_column(String(500))
    artifact_sha256: Mapped[str] = mapped_column(String(64))
    parent_version: Mapped[str | None] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(100))
    trained_at: Mapped[datetime] = mapped_column(default=utcnow)


class ModelEvent(Base):
    """Append-only history of promotions, rejections and rollbacks: which version was live when."""

    __tablename__ = "model_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    model_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str | None] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class TrainingRun(Base):
    __tablename__ = "training_runs"
    __table_args__ = (CheckConstraint(_in("status", RunStatus), name="status_valid"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    status: Mapped[str] = mapped_column(String(12), default="running")
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    triggered_by: Mapped[str | None] = mapped_column(String(100))
    candidate_version: Mapped[str | None] = mapped_column(String(64))
    promoted: Mapped[bool] = mapped_column(Boolean, default=False)
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    message: Mapped[str] = mapped_column(Text, default="")
    started_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column()


class Embedding(Base):
    """Stored text embeddings: the same content hash and model id are never embedded twice."""

    __tablename__ = "embeddings"
    __table_args__ = (
        UniqueConstraint("owner_kind", "owner_id", "model_id", name="uq_embedding_owner_model"),
        CheckConstraint(_in("owner_kind", OwnerKind), name="owner_kind_valid"),
        Index("ix_embeddings_hash_model", "content_hash", "model_id"),
        Index("ix_embeddings_kind_created", "owner_kind", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    owner_kind: Mapped[str] = mapped_column(String(10))
    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid)
    content_hash: Mapped[str] = mapped_column(String(64))
    model_id: Mapped[str] = mapped_column(String(64))
    dim: Mapped[int] = mapped_column(Integer)
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LabelledPair(Base):
    """Synthetic (talent, job, label) pairs from the seed's hidden preference model."""

    __tablename__ = "labelled_pairs"
    __table_args__ = (
        UniqueConstraint("talent_id", "job_id", name="uq_labelled_pair"),
        CheckConstraint("label >= 0 AND label <= 100", name="label_range"),
        CheckConstraint(_in("split", PairSplit), name="split_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    talent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("talents.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    label: Mapped[float] = mapped_column(Float)
    split: Mapped[str] = mapped_column(String(5))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
