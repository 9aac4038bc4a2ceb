"""messaging: messages to groups and their recipients

Revision ID: c16d00000004
Revises: c16c00000003
Create Date: 2026-12-01 02:45:00

A coordinator writes to a group (issue 16): the message in each language written, the
group as it was when sent, and one row per person it was for.
"""
from alembic import op
import sqlalchemy as sa


revision = 'c16d00000004'
down_revision = 'c16c00000003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('sender_id', sa.Integer(), nullable=True),
    sa.Column('group_kind', sa.String(length=20), nullable=False),
    sa.Column('group_params', sa.JSON(), nullable=False),
    sa.Column('group_names', sa.JSON(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('texts', sa.JSON(), nullable=False),
    sa.Column('default_locale', sa.String(length=8), nullable=False),
    sa.Column('recipient_count', sa.Integer(), nullable=False),
    sa.Column('emailed_count', sa.Integer(), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['sender_id'], ['users.id'], name=op.f('fk_messages_sender_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_messages')),
    sa.UniqueConstraint('token', name=op.f('uq_messages_token'))
    )
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_messages_sender_id'), ['sender_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_messages_sent_at'), ['sent_at'], unique=False)

    op.create_table('message_recipients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('emailed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['messages.id'], name=op.f('fk_message_recipients_message_id_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_message_recipients_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message_recipients')),
    sa.UniqueConstraint('message_id', 'user_id', name=op.f('uq_message_recipients_message_id_user_id'))
    )
    with op.batch_alter_table('message_recipients', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_recipients_message_id'), ['message_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_recipients_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('message_recipients', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_recipients_user_id'))
        batch_op.drop_index(batch_op.f('ix_message_recipients_message_id'))
    op.drop_table('message_recipients')
    with op.batch_alter_table('messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_messages_sent_at'))
        batch_op.drop_index(batch_op.f('ix_messages_sender_id'))
    op.drop_table('messages')
