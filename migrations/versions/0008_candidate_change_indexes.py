"""indexes for incremental candidate indexes: jobs/talents by updated_at, embeddings by write

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07 23:40:00.000000

The matching service asks every few seconds which candidates changed since its index was
built (`app.matching.delta`): rows updated at or after a time, and vectors written at or
after one. Without these indexes each ask (and each change stamp's max()) scans the table,
which at a million rows costs more than the delta it finds. Plain CREATE INDEX: no table is
rebuilt.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_jobs_updated_at", "jobs", ["updated_at"], unique=False)
    op.create_index("ix_talents_updated_at", "talents", ["updated_at"], unique=False)
    op.create_index(
        "ix_embeddings_kind_created", "embeddings", ["owner_kind", "created_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_embeddings_kind_created", table_name="embeddings")
    op.drop_index("ix_talents_updated_at", table_name="talents")
    op.drop_index("ix_jobs_updated_at", table_name="jobs")
