"""Tables of the enrichment lifecycle.

Every row carries the version of the model that produced it, so re-enrichment after a model
change is a query, and one active cluster assignment per job is a partial unique index that
the database itself enforces.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from app.db.base import Base, utcnow

CLASSIFICATION_METHODS = ("rule_based", "ml_model")


class JobEnrichment(Base):
    __tablename__ = "job_enrichments"
    __table_args__ = (
        UniqueConstraint("job_id", "enrichment_version", name="uq_job_enrichment_version"),
        Index("ix_job_enrichments_version", "enrichment_version"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    enrichment_version: Mapped[str] = mapped_column(String(64))
    skills_model_version: Mapped[str] = mapped_column(String(64))
    section_model_version: Mapped[str] = mapped_column(String(64))
    skills: Mapped[list[Any]] = mapped_column(default=list)
    alias_stats: Mapped[dict[str, Any]] = mapped_column(default=dict)
    duration_ms: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SectionClassification(Base):
    __tablename__ = "section_classifications"
    __table_args__ = (
        CheckConstraint(
            "relevance_probability >= 0 AND relevance_probability <= 1", name="probability_range"
        ),
        CheckConstraint("section_index >= 0", name="index_positive"),
        CheckConstraint(
            "classification_method IN ({})".format(
                ", ".join(f"'{m}'" for m in CLASSIFICATION_METHODS)
            ),
            name="method_valid",
        ),
        UniqueConstraint(
            "job_id", "classifier_version", "section_index", name="uq_section_job_version_index"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    section_index: Mapped[int] = mapped_column(Integer)
    section_header: Mapped[str | None] = mapped_column(String(200))
    section_text: Mapped[str] = mapped_column(Text)
    label: Mapped[str] = mapped_column(String(40))
    is_skills_relevant: Mapped[bool] = mapped_column(Boolean)
    relevance_probability: Mapped[float] = mapped_column(Float)
    classifier_version: Mapped[str] = mapped_column(String(64))
    classification_method: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ClusterRun(Base):
    __tablename__ = "cluster_runs"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    cluster_model_id: Mapped[str] = mapped_column(String(64))
    cluster_version: Mapped[int] = mapped_column(Integer)
    n_clusters: Mapped[int] = mapped_column(Integer)
    n_jobs: Mapped[int] = mapped_column(Integer)
    clusters: Mapped[list[Any]] = mapped_column(default=list)
    previous_run_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    adjusted_rand_index: Mapped[float | None] = mapped_column(Float)
    changed_share: Mapped[float | None] = mapped_column(Float)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class JobClusterAssignment(Base):
    """One row per (job, run); only the newest run's row is active for a job."""

    __tablename__ = "job_cluster_assignments"
    __table_args__ = (
        UniqueConstraint("job_id", "cluster_run_id", name="uq_assignment_job_run"),
        CheckConstraint("cluster_id >= 0", name="cluster_id_positive"),
        CheckConstraint("cluster_version >= 1", name="version_positive"),
        Index(
            "uq_job_cluster_assignments_one_active",
            "job_id",
            unique=True,
            sqlite_where=text("is_active"),
            postgresql_where=text("is_active"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), index=True)
    cluster_run_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("cluster_runs.id", ondelete="CASCADE"), index=True
    )
    cluster_model_id: Mapped[str] = mapped_column(String(64))
    cluster_version: Mapped[int] = mapped_column(Integer)
    cluster_id: Mapped[int] = mapped_column(Integer)
    cluster_name: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EvaluationResult(Base):
    __tablename__ = "evaluation_results"
    __table_args__ = (
        CheckConstraint("sample_count > 0", name="sample_count_positive"),
        CheckConstraint("overall_f1 >= 0 AND overall_f1 <= 1", name="f1_range"),
        CheckConstraint("execution_time_seconds >= 0", name="time_positive"),
        Index("ix_evaluation_results_model_created", "model_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    model_id: Mapped[str] = mapped_column(String(64))
    model_version: Mapped[str] = mapped_column(String(64))
    strategies: Mapped[list[str]] = mapped_column(default=list)
    dataset_version: Mapped[str] = mapped_column(String(120))
    dataset_path: Mapped[str | None] = mapped_column(String(500))
    sample_count: Mapped[int] = mapped_column(Integer)
    gold_count: Mapped[int] = mapped_column(Integer)
    predicted_count: Mapped[int] = mapped_column(Integer)
    overall_precision: Mapped[float] = mapped_column(Float)
    overall_recall: Mapped[float] = mapped_column(Float)
    overall_f1: Mapped[float] = mapped_column(Float)
    category_metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    execution_time_seconds: Mapped[float] = mapped_column(Float)
    is_ci_run: Mapped[bool] = mapped_column(Boolean, default=False)
    min_f1: Mapped[float | None] = mapped_column(Float)
    threshold_passed: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
