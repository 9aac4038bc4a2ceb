"""certificates: a new one may be issued after a revocation

Revision ID: c16g00000007
Revises: c16f00000006
Create Date: 2026-12-01 03:00:00

A revoked certificate no longer blocks a new one (issue 16): the unique constraint on
(user_id, role) becomes a unique index on the certificates that are not revoked, so a
person holds at most one valid certificate per role and any number of revoked ones.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c16g00000007'
down_revision = 'c16f00000006'
branch_labels = None
depends_on = None

VALID = sa.text("revoked_at IS NULL")


def upgrade():
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_constraint('uq_certificates_user_id_role', type_='unique')
        batch_op.create_index('uq_certificates_valid_user_id_role', ['user_id', 'role'],
                              unique=True, sqlite_where=VALID, postgresql_where=VALID)


def downgrade():
    # Only possible while nobody holds a revoked and a new certificate for the same role.
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index('uq_certificates_valid_user_id_role')
        batch_op.create_unique_constraint('uq_certificates_user_id_role', ['user_id', 'role'])
