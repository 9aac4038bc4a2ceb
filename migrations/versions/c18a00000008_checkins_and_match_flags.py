"""check-ins, their questions in versions, answers, and flags on matches

Revision ID: c18a00000008
Revises: c16g00000007
Create Date: 2026-12-01 06:00:00

Issue 18: the newcomer and the volunteer of each match answer a short check-in at its
start, after three months and at its end; what they answer can flag the match for a
coordinator.
"""
import sqlalchemy as sa
from alembic import op

revision = 'c18a00000008'
down_revision = 'c16g00000007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'checkin_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=30), nullable=False),
        sa.Column('audience', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_questions')),
        sa.UniqueConstraint('key', name=op.f('uq_checkin_questions_key')),
    )
    op.create_table(
        'checkin_question_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('texts', sa.JSON(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['question_id'], ['checkin_questions.id'],
                                name=op.f('fk_checkin_question_versions_question_id_checkin_questions'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'],
                                name=op.f('fk_checkin_question_versions_created_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_question_versions')),
        sa.UniqueConstraint('question_id', 'version',
                            name=op.f('uq_checkin_question_versions_question_id_version')),
    )
    op.create_index(op.f('ix_checkin_question_versions_question_id'),
                    'checkin_question_versions', ['question_id'])
    op.create_table(
        'checkins',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('match_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('audience', sa.String(length=20), nullable=False),
        sa.Column('moment', sa.String(length=20), nullable=False),
        sa.Column('opens_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('answered_at', sa.DateTime(), nullable=True),
        sa.Column('answered_by_id', sa.Integer(), nullable=True),
        sa.Column('on_behalf', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['match_id'], ['matches.id'],
                                name=op.f('fk_checkins_match_id_matches'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['users.id'],
                                name=op.f('fk_checkins_person_id_users'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'],
                                name=op.f('fk_checkins_answered_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkins')),
        sa.UniqueConstraint('match_id', 'audience', 'moment',
                            name=op.f('uq_checkins_match_id_audience_moment')),
    )
    op.create_index(op.f('ix_checkins_match_id'), 'checkins', ['match_id'])
    op.create_index(op.f('ix_checkins_person_id'), 'checkins', ['person_id'])
    op.create_index(op.f('ix_checkins_answered_at'), 'checkins', ['answered_at'])
    op.create_index('ix_checkins_status_due_on', 'checkins', ['status', 'due_on'])
    op.create_table(
        'checkin_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('checkin_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('question_version_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=True),
        sa.Column('text', sa.Text(), nullable=True),
        sa.Column('skipped', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'],
                                name=op.f('fk_checkin_answers_checkin_id_checkins'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['question_id'], ['checkin_questions.id'],
                                name=op.f('fk_checkin_answers_question_id_checkin_questions')),
        sa.ForeignKeyConstraint(
            ['question_version_id'], ['checkin_question_versions.id'],
            name=op.f('fk_checkin_answers_question_version_id_checkin_question_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_answers')),
        sa.UniqueConstraint('checkin_id', 'question_id',
                            name=op.f('uq_checkin_answers_checkin_id_question_id')),
    )
    op.create_index(op.f('ix_checkin_answers_checkin_id'), 'checkin_answers', ['checkin_id'])
    op.create_index(op.f('ix_checkin_answers_question_id'), 'checkin_answers', ['question_id'])
    op.create_table(
        'match_flags',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('match_id', sa.Integer(), nullable=False),
        sa.Column('reason', sa.String(length=20), nullable=False),
        sa.Column('checkin_id', sa.Integer(), nullable=True),
        sa.Column('raised_at', sa.DateTime(), nullable=False),
        sa.Column('resolved_at', sa.DateTime(), nullable=True),
        sa.Column('resolved_by_id', sa.Integer(), nullable=True),
        sa.Column('resolution', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['match_id'], ['matches.id'],
                                name=op.f('fk_match_flags_match_id_matches'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['checkin_id'], ['checkins.id'],
                                name=op.f('fk_match_flags_checkin_id_checkins'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'],
                                name=op.f('fk_match_flags_resolved_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_match_flags')),
        sa.UniqueConstraint('checkin_id', 'reason',
                            name=op.f('uq_match_flags_checkin_id_reason')),
    )
    op.create_index(op.f('ix_match_flags_match_id'), 'match_flags', ['match_id'])
    op.create_index(op.f('ix_match_flags_checkin_id'), 'match_flags', ['checkin_id'])
    op.create_index(op.f('ix_match_flags_raised_at'), 'match_flags', ['raised_at'])
    op.create_index(op.f('ix_match_flags_resolved_at'), 'match_flags', ['resolved_at'])


def downgrade():
    op.drop_table('match_flags')
    op.drop_table('checkin_answers')
    op.drop_table('checkins')
    op.drop_table('checkin_question_versions')
    op.drop_table('checkin_questions')
