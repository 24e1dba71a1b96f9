"""application stages: the append-only history of where a company has each applicant

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 22:00:00.000000

One new table, `application_stage_changes`; nothing existing changes. Plain CREATE TABLE /
CREATE INDEX (no batch mode), so SQLite rebuilds no table and no delete cascades anywhere.
`application_id` names the `match_feedback` apply row of the application without a foreign
key: a batch rebuild of `match_feedback` (0005's downgrade) must not cascade into this history.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STAGES = "stage IN ('new', 'contacted', 'interviewing', 'hired', 'rejected')"


def upgrade() -> None:
    op.create_table(
        "application_stage_changes",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("application_id", sa.Uuid(), nullable=False),
        sa.Column("talent_id", sa.Uuid(), nullable=False),
        sa.Column("job_id", sa.Uuid(), nullable=False),
        sa.Column("stage", sa.String(length=12), nullable=False),
        sa.Column("actor_user_id", sa.Uuid(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(STAGES, name=op.f("ck_application_stage_changes_stage_valid")),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["jobs.id"],
            name=op.f("fk_application_stage_changes_job_id_jobs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["talent_id"],
            ["talents.id"],
            name=op.f("fk_application_stage_changes_talent_id_talents"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_application_stage_changes")),
        sa.UniqueConstraint("application_id", "stage", name="uq_application_stage_once"),
    )
    op.create_index(
        "ix_application_stage_changes_job",
        "application_stage_changes",
        ["job_id", "created_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_application_stage_changes_talent_id"),
        "application_stage_changes",
        ["talent_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_application_stage_changes_talent_id"), table_name="application_stage_changes"
    )
    op.drop_index("ix_application_stage_changes_job", table_name="application_stage_changes")
    op.drop_table("application_stage_changes")
