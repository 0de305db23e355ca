"""how a case arrived, when the family knew of the problem, and the decision on a late complaint

Revision ID: 0012_channels
Revises: 0011_settings
Create Date: 2026-12-02 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012_channels'
down_revision = '0011_settings'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), server_default='online', nullable=False))
        batch_op.add_column(sa.Column('logged_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('problem_known_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('late_decision', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('late_decision_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_feedback_case_logged_by_id_user'), 'user', ['logged_by_id'], ['id'], ondelete='SET NULL'
        )


def downgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feedback_case_logged_by_id_user'), type_='foreignkey')
        batch_op.drop_column('late_decision_reason')
        batch_op.drop_column('late_decision')
        batch_op.drop_column('problem_known_on')
        batch_op.drop_column('logged_by_id')
        batch_op.drop_column('channel')
