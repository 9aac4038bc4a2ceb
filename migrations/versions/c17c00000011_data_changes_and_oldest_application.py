"""the count of committed writes that kept figures watch; waiting applications by date

Revision ID: c17c00000011
Revises: c17b00000010
Create Date: 2026-12-01 15:30:00

Issue 17 (a second app server): every process counts the transactions that wrote and
committed in one row (mentorship/database.py, ``track_writes``), so figures kept in
memory by one server are counted again as soon as another server (or a command) changes
the database. SQLite has its own counter (PRAGMA data_version); the table is made on both
so the schema is the same.

The oldest waiting application (the coordinator's home) is read from an index of status
and date: walking the dates index until an open one turned up read most of 10,000 rows.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c17c00000011'
down_revision = 'c17b00000010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_changes',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_changes')),
    )
    op.create_index('ix_applications_status_submitted_at', 'applications',
                    ['status', 'submitted_at'])


def downgrade():
    op.drop_index('ix_applications_status_submitted_at', table_name='applications')
    op.drop_table('data_changes')
