"""indexes for the coordinators' lists at five years of history

Revision ID: c17b00000010
Revises: c17a00000009
Create Date: 2026-12-01 13:20:00

Issue 17 (throughput): each list reads the rows it shows, in the order it shows them, and
counts them, from an index instead of the table: the people lists sorted by name, the
coordinators among the roles, /thanks, active and ending commitments, who still needs a
training module, attendance per session, certificates newest first, the hour queue's
counts by role, open requests and matches by date.
"""
from alembic import op

revision = 'c17b00000010'
down_revision = 'c17a00000009'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_users_name', 'users', ['name']),
    ('ix_users_public_thanks_name', 'users', ['public_thanks', 'name']),
    ('ix_user_roles_role', 'user_roles', ['role']),
    ('ix_commitments_status_user_id', 'commitments', ['status', 'user_id']),
    ('ix_commitments_role_status_user_id', 'commitments', ['role', 'status', 'user_id']),
    ('ix_commitments_status_ended_on', 'commitments', ['status', 'ended_on', 'end_reason']),
    ('ix_commitments_renewed_from_id', 'commitments', ['renewed_from_id']),
    ('ix_enrollments_session_id_status', 'enrollments', ['session_id', 'status']),
    ('ix_certificates_issued_on', 'certificates', ['issued_on']),
    ('ix_hour_entries_status_commitment_id_user_id', 'hour_entries',
     ['status', 'commitment_id', 'user_id']),
    ('ix_buddy_requests_status_created_at', 'buddy_requests', ['status', 'created_at', 'id']),
    ('ix_matches_status_activated_at', 'matches', ['status', 'activated_at', 'id']),
    ('ix_matches_status_created_at', 'matches', ['status', 'created_at', 'id']),
)


def upgrade():
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
