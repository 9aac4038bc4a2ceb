"""matching: a buddy request closed with a reason

Revision ID: c16e00000005
Revises: c16d00000004
Create Date: 2026-12-01 03:00:00

A coordinator (or the newcomer) closes a request with a reason: moved away, no longer
needed, unreachable, matched elsewhere (issue 16). A proposal withdrawn by the team is a
match in the new state "withdrawn", which needs no schema change (status is text).
"""
import sqlalchemy as sa
from alembic import op

revision = 'c16e00000005'
down_revision = 'c16d00000004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('buddy_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('close_reason', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('close_note', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('buddy_requests', schema=None) as batch_op:
        batch_op.drop_column('close_note')
        batch_op.drop_column('close_reason')
