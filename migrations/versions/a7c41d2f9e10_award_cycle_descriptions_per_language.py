"""award cycles: a description in each language (descriptions JSON replaces description)

Revision ID: a7c41d2f9e10
Revises: e1b3aa64e0cf
Create Date: 2026-11-30 20:10:00

An existing description was written in the programme's default language: it moves there.
"""
import json

from alembic import op
import sqlalchemy as sa


revision = 'a7c41d2f9e10'
down_revision = 'e1b3aa64e0cf'
branch_labels = None
depends_on = None

cycles = sa.table('award_cycles', sa.column('id', sa.Integer), sa.column('description', sa.Text),
                  sa.column('descriptions', sa.JSON))
settings = sa.table('programme_settings', sa.column('default_locale', sa.String))


def upgrade():
    with op.batch_alter_table('award_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('descriptions', sa.JSON(), nullable=True))
    conn = op.get_bind()
    language = conn.execute(sa.select(settings.c.default_locale).limit(1)).scalar() or 'fr'
    for cycle_id, text in conn.execute(sa.select(cycles.c.id, cycles.c.description)).all():
        conn.execute(cycles.update().where(cycles.c.id == cycle_id).values(
            descriptions={language: text} if text else {}))
    with op.batch_alter_table('award_cycles', schema=None) as batch_op:
        batch_op.alter_column('descriptions', existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column('description')


def downgrade():
    with op.batch_alter_table('award_cycles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), nullable=False,
                                      server_default=''))
    conn = op.get_bind()
    language = conn.execute(sa.select(settings.c.default_locale).limit(1)).scalar() or 'fr'
    for cycle_id, texts in conn.execute(sa.select(cycles.c.id, cycles.c.descriptions)).all():
        texts = json.loads(texts) if isinstance(texts, str) else (texts or {})
        text = texts.get(language) or next(iter(texts.values()), '')
        conn.execute(cycles.update().where(cycles.c.id == cycle_id).values(description=text))
    with op.batch_alter_table('award_cycles', schema=None) as batch_op:
        batch_op.drop_column('descriptions')
