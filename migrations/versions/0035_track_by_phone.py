"""codes that open a case by text message

Revision ID: 0035_track_by_phone
Revises: 0034_consultation_alerts
Create Date: 2026-12-04 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035_track_by_phone'
down_revision = '0034_consultation_alerts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_access_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('wrong_tries', sa.Integer(), server_default='0', nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['feedback_case.id'], name=op.f('fk_case_access_code_case_id_feedback_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_access_code')),
    sa.UniqueConstraint('case_id', name=op.f('uq_case_access_code_case_id'))
    )


def downgrade():
    op.drop_table('case_access_code')
