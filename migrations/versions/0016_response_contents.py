"""the council's understanding of a complaint, and what a response leaves still to do

Revision ID: 0016_response_contents
Revises: 0015_conflicts_of_interest
Create Date: 2026-12-02 16:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_response_contents'
down_revision = '0015_conflicts_of_interest'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('complaint_understood', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('outcome_understood', sa.Text(), nullable=True))
    with op.batch_alter_table('case_outcome', schema=None) as batch_op:
        batch_op.add_column(sa.Column('still_to_do', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('case_outcome', schema=None) as batch_op:
        batch_op.drop_column('still_to_do')
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_column('outcome_understood')
        batch_op.drop_column('complaint_understood')
