"""feedback as decision history: a side per row, `undo`, repeats allowed

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 10:00:00.000000

Each side of a (talent, job) pair now has one current decision, its latest feedback row (none
when that row is an `undo`). So a type may repeat in a pair's history (apply, undo, apply), the
unique (talent, job, type) triple goes, and `side` says whose decision a row is, backfilled
from the type. Batch mode rebuilds the table on SQLite; nothing references `match_feedback`,
so the rebuild cascades nowhere.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_TYPES = "feedback_type IN ('apply', 'dismiss', 'contact', 'reject')"
NEW_TYPES = "feedback_type IN ('apply', 'dismiss', 'contact', 'reject', 'undo')"


def upgrade() -> None:
    op.add_column("match_feedback", sa.Column("side", sa.String(length=7), nullable=True))
    op.execute(
        "UPDATE match_feedback SET side = CASE WHEN feedback_type IN ('apply', 'dismiss') "
        "THEN 'talent' ELSE 'company' END"
    )
    with op.batch_alter_table("match_feedback", schema=None) as batch_op:
        batch_op.alter_column("side", existing_type=sa.String(length=7), nullable=False)
        batch_op.drop_constraint("uq_feedback_triple", type_="unique")
        batch_op.drop_constraint(batch_op.f("ck_match_feedback_type_valid"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_match_feedback_type_valid"), NEW_TYPES)
        batch_op.create_check_constraint(
            batch_op.f("ck_match_feedback_side_valid"), "side IN ('talent', 'company')"
        )
        batch_op.create_index(
            "ix_match_feedback_pair_side",
            ["talent_id", "job_id", "side", "created_at"],
            unique=False,
        )


def downgrade() -> None:
    # The old schema holds one row per type: keep each triple's latest row, drop undos.
    op.execute("DELETE FROM match_feedback WHERE feedback_type = 'undo'")
    op.execute(
        "DELETE FROM match_feedback WHERE EXISTS (SELECT 1 FROM match_feedback AS newer "
        "WHERE newer.talent_id = match_feedback.talent_id "
        "AND newer.job_id = match_feedback.job_id "
        "AND newer.feedback_type = match_feedback.feedback_type "
        "AND (newer.created_at > match_feedback.created_at "
        "OR (newer.created_at = match_feedback.created_at AND newer.id > match_feedback.id)))"
    )
    with op.batch_alter_table("match_feedback", schema=None) as batch_op:
        batch_op.drop_index("ix_match_feedback_pair_side")
        batch_op.drop_constraint(batch_op.f("ck_match_feedback_side_valid"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_match_feedback_type_valid"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_match_feedback_type_valid"), OLD_TYPES)
        batch_op.create_unique_constraint(
            "uq_feedback_triple", ["talent_id", "job_id", "feedback_type"]
        )
        batch_op.drop_column("side")
