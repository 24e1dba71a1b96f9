"""bounded match log: the subject side of each impression, and indexes for pruning

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 10:00:00.000000

`subject_side` says whose match request showed a row ('talent' or 'job'), so the log can keep
the last N requests per subject; older rows stay NULL and are pruned by age only. The two
indexes serve the pruning queries (a showing's siblings by request id and time; rows by age).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN (no batch mode): on SQLite a rebuild of `matches` is not needed for a
    # nullable column, and on Postgres it is a catalogue-only change.
    op.add_column('matches', sa.Column('subject_side', sa.String(length=6), nullable=True))
    op.create_index('ix_matches_request_created', 'matches', ['request_id', 'created_at'], unique=False)
    op.create_index('ix_matches_created', 'matches', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_matches_created', table_name='matches')
    op.drop_index('ix_matches_request_created', table_name='matches')
    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE matches DROP COLUMN subject_side')
    else:
        op.drop_column('matches', 'subject_side')
