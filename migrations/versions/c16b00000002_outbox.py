"""outbox: every email waits in a table until it is delivered

Revision ID: c16b00000002
Revises: c16a00000001
Create Date: 2026-12-01 02:40:00

Emails are written to ``outgoing_emails`` with the change that caused them and sent by
``flask mail deliver`` (issue 16), with retries; failed ones are shown to admins.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c16b00000002'
down_revision = 'c16a00000001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outgoing_emails',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient', sa.String(length=254), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('template', sa.String(length=60), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('message', sa.LargeBinary(), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_outgoing_emails_recipient_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outgoing_emails'))
    )
    with op.batch_alter_table('outgoing_emails', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outgoing_emails_recipient_id'), ['recipient_id'], unique=False)
        batch_op.create_index('ix_outgoing_emails_state_next_attempt_at', ['state', 'next_attempt_at'], unique=False)


def downgrade():
    with op.batch_alter_table('outgoing_emails', schema=None) as batch_op:
        batch_op.drop_index('ix_outgoing_emails_state_next_attempt_at')
        batch_op.drop_index(batch_op.f('ix_outgoing_emails_recipient_id'))

    op.drop_table('outgoing_emails')
