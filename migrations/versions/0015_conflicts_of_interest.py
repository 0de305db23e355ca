"""the member of staff a complaint is about

Revision ID: 0015_conflicts_of_interest
Revises: 0014_stage_2_handlers
Create Date: 2026-12-02 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_conflicts_of_interest'
down_revision = '0014_stage_2_handlers'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('about_staff_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_feedback_case_about_staff_id_user'), 'user', ['about_staff_id'], ['id'], ondelete='SET NULL'
        )


def downgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_feedback_case_about_staff_id_user'), type_='foreignkey')
        batch_op.drop_column('about_staff_id')
