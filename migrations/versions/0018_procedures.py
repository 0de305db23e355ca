"""the complaints procedure each category's complaints and each case follow

Revision ID: 0018_procedures
Revises: 0017_adjustments
Create Date: 2026-12-02 17:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_procedures'
down_revision = '0017_adjustments'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.add_column(sa.Column('procedure', sa.String(length=30), server_default='complaint_code', nullable=False))
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('procedure', sa.String(length=30), nullable=True))
    # Every complaint so far followed the Code.
    op.execute("UPDATE feedback_case SET procedure = 'complaint_code' WHERE kind = 'complaint'")


def downgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_column('procedure')
    with op.batch_alter_table('category', schema=None) as batch_op:
        batch_op.drop_column('procedure')
