"""occupation source, model version and candidates on jobs and talents

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 12:10:00.000000

Rows that already carry an occupation code got it from their creator, so they become 'given';
the inferrer (`app enrich --stale`) fills the rest and never overwrites a 'given' code.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ('jobs', 'talents')


CHECK = "occupation_source IS NULL OR occupation_source IN ('given', 'inferred')"


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: batch mode would rebuild `jobs` / `talents` on
    # SQLite, and dropping the old table cascades (ON DELETE CASCADE) to every child row.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in TABLES:
        if sqlite:
            op.execute(f'ALTER TABLE {table} ADD COLUMN occupation_source VARCHAR(16) CONSTRAINT ck_{table}_occupation_source_valid CHECK ({CHECK})')
        else:
            op.add_column(table, sa.Column('occupation_source', sa.String(length=16), nullable=True))
            op.create_check_constraint(op.f(f'ck_{table}_occupation_source_valid'), table, CHECK)
        op.add_column(table, sa.Column('occupation_model_version', sa.String(length=64), nullable=True))
        op.add_column(table, sa.Column('occupation_candidates', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True))
        rows = sa.table(table, sa.column('occupation_code', sa.String), sa.column('occupation_source', sa.String))
        op.execute(rows.update().where(rows.c.occupation_code.is_not(None)).values(occupation_source='given'))


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == 'sqlite'
    for table in TABLES:
        if not sqlite:
            op.drop_constraint(op.f(f'ck_{table}_occupation_source_valid'), table, type_='check')
        for column in ('occupation_candidates', 'occupation_model_version', 'occupation_source'):
            if sqlite:
                # DROP COLUMN in place (SQLite >= 3.35); batch mode would cascade as above.
                op.execute(f'ALTER TABLE {table} DROP COLUMN {column}')
            else:
                op.drop_column(table, column)
