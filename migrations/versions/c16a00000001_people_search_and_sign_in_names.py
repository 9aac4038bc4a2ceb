"""people: email optional, sign-in names, folded search text

Revision ID: c16a00000001
Revises: a7c41d2f9e10
Create Date: 2026-12-01 02:30:00

A coordinator registers a newcomer without an email address (issue 16): such a person
signs in with a sign-in name. ``search_text`` holds the folded name, email and phone for
the people search (mentorship.search); existing rows are filled here.
"""
from alembic import op
import sqlalchemy as sa

from mentorship.search import person_search_text


revision = 'c16a00000001'
down_revision = 'a7c41d2f9e10'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('name', sa.String),
                 sa.column('email', sa.String), sa.column('phone', sa.String),
                 sa.column('search_text', sa.Text))


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=True)
        batch_op.add_column(sa.Column('sign_in_name', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('search_text', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.create_unique_constraint('uq_users_sign_in_name', ['sign_in_name'])
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c.name, users.c.email, users.c.phone)).all()
    for user_id, name, email, phone in rows:
        conn.execute(users.update().where(users.c.id == user_id).values(
            search_text=person_search_text(name, email, phone)))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_constraint('uq_users_sign_in_name', type_='unique')
        batch_op.drop_column('search_text')
        batch_op.drop_column('sign_in_name')
        batch_op.alter_column('email', existing_type=sa.String(length=254), nullable=False)
