"""families asked how their complaint was handled

Revision ID: 0038_satisfaction_survey
Revises: 0037_representatives
Create Date: 2026-12-04 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0038_satisfaction_survey'
down_revision = '0037_representatives'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('satisfaction_survey',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('stage', sa.SmallInteger(), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('invited_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('satisfaction', sa.SmallInteger(), nullable=True),
    sa.Column('listened', sa.String(length=10), nullable=True),
    sa.Column('comments', sa.Text(), nullable=True),
    sa.Column('tagged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('tagged_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("listened IN ('yes', 'partly', 'no')", name=op.f('ck_satisfaction_survey_listened_known')),
    sa.CheckConstraint('satisfaction BETWEEN 1 AND 5', name=op.f('ck_satisfaction_survey_satisfaction_range')),
    sa.ForeignKeyConstraint(['case_id'], ['feedback_case.id'], name=op.f('fk_satisfaction_survey_case_id_feedback_case'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['tagged_by_id'], ['user.id'], name=op.f('fk_satisfaction_survey_tagged_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_survey')),
    sa.UniqueConstraint('case_id', 'stage', name='uq_satisfaction_survey_once'),
    sa.UniqueConstraint('token_hash', name=op.f('uq_satisfaction_survey_token_hash'))
    )
    op.create_index(op.f('ix_satisfaction_survey_answered_at'), 'satisfaction_survey', ['answered_at'], unique=False)
    op.create_table('satisfaction_survey_theme',
    sa.Column('survey_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['survey_id'], ['satisfaction_survey.id'], name=op.f('fk_satisfaction_survey_theme_survey_id_satisfaction_survey'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['learning_theme.id'], name=op.f('fk_satisfaction_survey_theme_theme_id_learning_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('survey_id', 'theme_id', name=op.f('pk_satisfaction_survey_theme'))
    )
    op.create_index('ix_satisfaction_survey_theme_theme', 'satisfaction_survey_theme', ['theme_id', 'survey_id'], unique=False)


def downgrade():
    op.drop_index('ix_satisfaction_survey_theme_theme', table_name='satisfaction_survey_theme')
    op.drop_table('satisfaction_survey_theme')
    op.drop_index(op.f('ix_satisfaction_survey_answered_at'), table_name='satisfaction_survey')
    op.drop_table('satisfaction_survey')
