"""volunteer roles: open to newcomers

Revision ID: c16f00000006
Revises: c16e00000005
Create Date: 2026-12-01 02:40:00

An administrator may open a role to newcomers (issue 16): a newcomer then applies for
it through the same pledge, training and certificate as a resident. Closed by default.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c16f00000006'
down_revision = 'c16e00000005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('volunteer_roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_to_newcomers', sa.Boolean(),
                                      server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('volunteer_roles', schema=None) as batch_op:
        batch_op.drop_column('open_to_newcomers')
