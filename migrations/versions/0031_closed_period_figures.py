"""figures counted once for a closed period

Revision ID: 0031_closed_period_figures
Revises: 0030_scale
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031_closed_period_figures'
down_revision = '0030_scale'
branch_labels = None
depends_on = None


def upgrade():
    # Each change says from when it can have changed figures, so a change to this year's
    # cases leaves the figures kept for the years before it in use.
    op.create_table(
        'figures_change',
        sa.Column('number', sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column('since', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('number', name=op.f('pk_figures_change')),
    )
    with op.batch_alter_table('kept_figures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True))
    # Figures kept before now say nothing of their period's end: count them again.
    op.execute(sa.text('DELETE FROM kept_figures'))


def downgrade():
    op.execute(sa.text('DELETE FROM kept_figures'))
    with op.batch_alter_table('kept_figures', schema=None) as batch_op:
        batch_op.drop_column('ends_at')
    op.drop_table('figures_change')
