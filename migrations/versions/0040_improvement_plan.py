"""the improvement plan: areas of weakness, actions, milestones, measures

Revision ID: 0040_improvement_plan
Revises: 0039_case_page_versions
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0040_improvement_plan'
down_revision = '0039_case_page_versions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('improvement_area',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('finding', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_area'))
    )
    op.create_table('improvement_action',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('owner', sa.String(length=12), nullable=False),
    sa.Column('lead_name', sa.String(length=120), nullable=False),
    sa.Column('lead_role', sa.String(length=150), nullable=False),
    sa.CheckConstraint("owner IN ('council', 'nhs', 'schools', 'partnership')", name=op.f('ck_improvement_action_owner_known')),
    sa.ForeignKeyConstraint(['area_id'], ['improvement_area.id'], name=op.f('fk_improvement_action_area_id_improvement_area'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_action'))
    )
    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_action_area_id'), ['area_id'], unique=False)

    op.create_table('improvement_area_theme',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['improvement_area.id'], name=op.f('fk_improvement_area_theme_area_id_improvement_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['learning_theme.id'], name=op.f('fk_improvement_area_theme_theme_id_learning_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('area_id', 'theme_id', name=op.f('pk_improvement_area_theme'))
    )
    op.create_table('improvement_measure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('baseline', sa.Float(), nullable=False),
    sa.Column('target', sa.Float(), nullable=False),
    sa.Column('higher_is_better', sa.Boolean(), nullable=False),
    sa.Column('source_key', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['area_id'], ['improvement_area.id'], name=op.f('fk_improvement_measure_area_id_improvement_area'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_measure'))
    )
    with op.batch_alter_table('improvement_measure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_measure_area_id'), ['area_id'], unique=False)

    op.create_table('improvement_measure_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('measure_id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=60), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('term', sa.String(length=20), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['measure_id'], ['improvement_measure.id'], name=op.f('fk_improvement_measure_value_measure_id_improvement_measure'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_measure_value')),
    sa.UniqueConstraint('measure_id', 'term', name='uq_improvement_measure_value_term')
    )
    with op.batch_alter_table('improvement_measure_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_measure_value_measure_id'), ['measure_id'], unique=False)

    op.create_table('improvement_milestone',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('action_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('horizon_months', sa.SmallInteger(), nullable=False),
    sa.Column('target_on', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.CheckConstraint("status IN ('not_started', 'on_track', 'at_risk', 'off_track', 'done')", name=op.f('ck_improvement_milestone_status_known')),
    sa.CheckConstraint('horizon_months IN (3, 6, 12)', name=op.f('ck_improvement_milestone_horizon_known')),
    sa.ForeignKeyConstraint(['action_id'], ['improvement_action.id'], name=op.f('fk_improvement_milestone_action_id_improvement_action'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_milestone'))
    )
    with op.batch_alter_table('improvement_milestone', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_milestone_action_id'), ['action_id'], unique=False)

    op.create_table('improvement_plan_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('plan', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_improvement_plan_version_published_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_plan_version')),
    sa.UniqueConstraint('number', name=op.f('uq_improvement_plan_version_number'))
    )
    op.create_table('improvement_area_consultation',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['improvement_area.id'], name=op.f('fk_improvement_area_consultation_area_id_improvement_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultation.id'], name=op.f('fk_improvement_area_consultation_consultation_id_consultation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('area_id', 'consultation_id', name=op.f('pk_improvement_area_consultation'))
    )
    op.create_table('improvement_area_you_said',
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['improvement_area.id'], name=op.f('fk_improvement_area_you_said_area_id_improvement_area'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['entry_id'], ['you_said_entry.id'], name=op.f('fk_improvement_area_you_said_entry_id_you_said_entry'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('area_id', 'entry_id', name=op.f('pk_improvement_area_you_said'))
    )
    op.create_table('improvement_milestone_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('milestone_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('changed_on', sa.Date(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user.id'], name=op.f('fk_improvement_milestone_change_changed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['milestone_id'], ['improvement_milestone.id'], name=op.f('fk_improvement_milestone_change_milestone_id_improvement_milestone'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_improvement_milestone_change'))
    )
    with op.batch_alter_table('improvement_milestone_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_improvement_milestone_change_milestone_id'), ['milestone_id'], unique=False)



def downgrade():
    with op.batch_alter_table('improvement_milestone_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_milestone_change_milestone_id'))

    op.drop_table('improvement_milestone_change')
    op.drop_table('improvement_area_you_said')
    op.drop_table('improvement_area_consultation')
    op.drop_table('improvement_plan_version')
    with op.batch_alter_table('improvement_milestone', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_milestone_action_id'))

    op.drop_table('improvement_milestone')
    with op.batch_alter_table('improvement_measure_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_measure_value_measure_id'))

    op.drop_table('improvement_measure_value')
    with op.batch_alter_table('improvement_measure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_measure_area_id'))

    op.drop_table('improvement_measure')
    op.drop_table('improvement_area_theme')
    with op.batch_alter_table('improvement_action', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_improvement_action_area_id'))

    op.drop_table('improvement_action')
    op.drop_table('improvement_area')
