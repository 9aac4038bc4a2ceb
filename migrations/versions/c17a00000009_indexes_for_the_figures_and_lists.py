"""indexes for the figures and the hour lists at five years of history

Revision ID: c17a00000009
Revises: c18a00000008
Create Date: 2026-12-01 10:00:00

Issue 17: with 200,000 hour entries, the approved minutes of a period (dashboard,
/impact) and the approved list read an index instead of the table; the coordinator's
hour queue filters volunteers by neighbourhood.
"""
from alembic import op

revision = 'c17a00000009'
down_revision = 'c18a00000008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_hour_entries_status_day', 'hour_entries',
                    ['status', 'day', 'user_id', 'minutes'])
    op.create_index('ix_hour_entries_status_reversal_day', 'hour_entries',
                    ['status', 'reversal_of_id', 'day'])
    op.create_index('ix_users_neighbourhood_id', 'users', ['neighbourhood_id'])


def downgrade():
    op.drop_index('ix_users_neighbourhood_id', table_name='users')
    op.drop_index('ix_hour_entries_status_reversal_day', table_name='hour_entries')
    op.drop_index('ix_hour_entries_status_day', table_name='hour_entries')
