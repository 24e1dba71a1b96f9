"""drift monitoring and LLM calls: inference_log, drift_runs, llm_calls

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 22:30:00.000000

Three new tables and nothing existing changes: plain CREATE TABLE / CREATE INDEX, no batch
mode, so SQLite rebuilds no table and nothing cascades. None has a foreign key (see
app/db/monitoring_models.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "inference_log",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("features", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inference_log")),
    )
    op.create_index(
        op.f("ix_inference_log_created_at"), "inference_log", ["created_at"], unique=False
    )
    op.create_index(
        "ix_inference_log_version_time",
        "inference_log",
        ["model_version", "created_at"],
        unique=False,
    )
    op.create_table(
        "drift_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("triggered_by", sa.String(length=120), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=True),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reference_rows", sa.Integer(), nullable=False),
        sa.Column("current_rows", sa.Integer(), nullable=False),
        sa.Column("overall_score", sa.Float(), nullable=True),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("alerted", sa.Boolean(), nullable=False),
        sa.Column("alert_delivered", sa.Boolean(), nullable=True),
        sa.Column("metrics", JSON, nullable=False),
        sa.Column("report_path", sa.String(length=500), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('running', 'succeeded', 'failed', 'skipped')",
            name=op.f("ck_drift_runs_status_valid"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_drift_runs")),
    )
    op.create_index(op.f("ix_drift_runs_started_at"), "drift_runs", ["started_at"], unique=False)
    op.create_table(
        "llm_calls",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provider", sa.String(length=32), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("prompt_name", sa.String(length=64), nullable=False),
        sa.Column("prompt_version", sa.String(length=32), nullable=False),
        sa.Column("prompt_sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("input_tokens", sa.Integer(), nullable=False),
        sa.Column("output_tokens", sa.Integer(), nullable=False),
        sa.Column("latency_ms", sa.Float(), nullable=False),
        sa.Column("cost_usd", sa.Float(), nullable=False),
        sa.Column("error", sa.String(length=300), nullable=True),
        sa.CheckConstraint("status IN ('ok', 'error')", name=op.f("ck_llm_calls_status_valid")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_llm_calls")),
    )
    op.create_index(op.f("ix_llm_calls_created_at"), "llm_calls", ["created_at"], unique=False)
    op.create_index(
        "ix_llm_calls_prompt", "llm_calls", ["prompt_name", "prompt_version"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_llm_calls_prompt", table_name="llm_calls")
    op.drop_index(op.f("ix_llm_calls_created_at"), table_name="llm_calls")
    op.drop_table("llm_calls")
    op.drop_index(op.f("ix_drift_runs_started_at"), table_name="drift_runs")
    op.drop_table("drift_runs")
    op.drop_index("ix_inference_log_version_time", table_name="inference_log")
    op.drop_index(op.f("ix_inference_log_created_at"), table_name="inference_log")
    op.drop_table("inference_log")
