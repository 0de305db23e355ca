"""the governance pack: the annual report's self-assessment and governance response, equality monitoring

Revision ID: 0042_governance_pack
Revises: 0041_take_part
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0042_governance_pack'
down_revision = '0041_take_part'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('annual_report_pack',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('ombudsman_received', sa.Integer(), nullable=True),
    sa.Column('ombudsman_decided', sa.Integer(), nullable=True),
    sa.Column('ombudsman_upheld', sa.Integer(), nullable=True),
    sa.Column('ombudsman_uphold_rate', sa.Integer(), nullable=True),
    sa.Column('ombudsman_compliance_rate', sa.Integer(), nullable=True),
    sa.Column('ombudsman_note', sa.Text(), nullable=True),
    sa.Column('analysis', sa.Text(), nullable=True),
    sa.Column('member_responsible', sa.String(length=120), nullable=True),
    sa.Column('meeting', sa.String(length=120), nullable=True),
    sa.Column('meeting_on', sa.Date(), nullable=True),
    sa.Column('governance_response', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_annual_report_pack_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report_pack')),
    sa.UniqueConstraint('year', name=op.f('uq_annual_report_pack_year'))
    )
    op.create_table('annual_report_assessment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pack_id', sa.Integer(), nullable=False),
    sa.Column('section', sa.String(length=30), nullable=False),
    sa.Column('compliance', sa.String(length=12), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=False),
    sa.Column('actions', sa.Text(), nullable=True),
    sa.CheckConstraint("section IN ('definitions', 'exclusions', 'accessibility', 'staff', 'process', 'stage_1', 'stage_2', 'putting_right', 'self_assessment', 'scrutiny')", name=op.f('ck_annual_report_assessment_section_known')),
    sa.CheckConstraint("compliance IN ('met', 'partly_met', 'not_met')", name=op.f('ck_annual_report_assessment_compliance_known')),
    sa.ForeignKeyConstraint(['pack_id'], ['annual_report_pack.id'], name=op.f('fk_annual_report_assessment_pack_id_annual_report_pack'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report_assessment')),
    sa.UniqueConstraint('pack_id', 'section', name=op.f('uq_annual_report_assessment_pack_id'))
    )
    op.create_table('annual_report_finding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pack_id', sa.Integer(), nullable=False),
    sa.Column('found', sa.Text(), nullable=False),
    sa.Column('council_action', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['pack_id'], ['annual_report_pack.id'], name=op.f('fk_annual_report_finding_pack_id_annual_report_pack'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report_finding'))
    )
    op.create_index(op.f('ix_annual_report_finding_pack_id'), 'annual_report_finding', ['pack_id'], unique=False)
    op.create_table('annual_report_local_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('said', sa.Text(), nullable=True),
    sa.Column('response', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['category_id'], ['category.id'], name=op.f('fk_annual_report_local_offer_category_id_category'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['theme_id'], ['learning_theme.id'], name=op.f('fk_annual_report_local_offer_theme_id_learning_theme'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user.id'], name=op.f('fk_annual_report_local_offer_updated_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_annual_report_local_offer')),
    sa.UniqueConstraint('year', name=op.f('uq_annual_report_local_offer_year'))
    )
    op.create_table('equality_response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=20), nullable=False),
    sa.Column('answered_on', sa.Date(), nullable=False),
    sa.Column('age_band', sa.String(length=20), nullable=True),
    sa.Column('disability', sa.String(length=20), nullable=True),
    sa.Column('ethnicity', sa.String(length=20), nullable=True),
    sa.Column('sex', sa.String(length=20), nullable=True),
    sa.Column('religion', sa.String(length=20), nullable=True),
    sa.Column('first_language_english', sa.String(length=20), nullable=True),
    sa.CheckConstraint("source IN ('feedback', 'consultation')", name=op.f('ck_equality_response_source_known')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_equality_response'))
    )
    op.create_index(op.f('ix_equality_response_answered_on'), 'equality_response', ['answered_on'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_equality_response_answered_on'), table_name='equality_response')
    op.drop_table('equality_response')
    op.drop_table('annual_report_local_offer')
    op.drop_index(op.f('ix_annual_report_finding_pack_id'), table_name='annual_report_finding')
    op.drop_table('annual_report_finding')
    op.drop_table('annual_report_assessment')
    op.drop_table('annual_report_pack')
