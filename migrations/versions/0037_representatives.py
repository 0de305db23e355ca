"""who speaks for whom on a case, and their consent

Revision ID: 0037_representatives
Revises: 0036_mail_replies
Create Date: 2026-12-04 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0037_representatives'
down_revision = '0036_mail_replies'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('speaker', sa.String(length=20), server_default='parent', nullable=False))
        batch_op.add_column(sa.Column('representative_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('representative_organisation', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('representative_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('consent_state', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('consent_method', sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column('consent_given_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('consent_withdrawn_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('young_person', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('young_person_contact_directly', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('young_person_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('young_person_parent_acts', sa.Boolean(), nullable=True))
        batch_op.create_check_constraint(
            batch_op.f('ck_feedback_case_speaker_known'),
            "speaker IN ('parent', 'young_person', 'advocate', 'sendiass', 'elected_member', 'solicitor')",
        )

    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_document', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('attachment', schema=None) as batch_op:
        batch_op.drop_column('consent_document')

    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_feedback_case_speaker_known'), type_='check')
        batch_op.drop_column('young_person_parent_acts')
        batch_op.drop_column('young_person_email')
        batch_op.drop_column('young_person_contact_directly')
        batch_op.drop_column('young_person')
        batch_op.drop_column('consent_withdrawn_at')
        batch_op.drop_column('consent_given_on')
        batch_op.drop_column('consent_method')
        batch_op.drop_column('consent_state')
        batch_op.drop_column('representative_email')
        batch_op.drop_column('representative_organisation')
        batch_op.drop_column('representative_name')
        batch_op.drop_column('speaker')
