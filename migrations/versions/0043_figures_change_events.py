"""the moment a change touched what happened, apart from what was waiting, for figures that count only events;
indexes on when each case was acknowledged and answered

Revision ID: 0043_figures_change_events
Revises: 0042_governance_pack
Create Date: 2026-12-07 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0043_figures_change_events'
down_revision = '0042_governance_pack'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('figures_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('events_since', sa.DateTime(timezone=True), nullable=True))
    # The report finds what was acknowledged and answered today by those moments.
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feedback_case_acknowledged_at'), ['acknowledged_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_feedback_case_responded_at'), ['responded_at'], unique=False)


def downgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_feedback_case_responded_at'))
        batch_op.drop_index(batch_op.f('ix_feedback_case_acknowledged_at'))
    with op.batch_alter_table('figures_change', schema=None) as batch_op:
        batch_op.drop_column('events_since')
