"""indexes for the staff lists at a city's scale

Revision ID: 0032_staff_list_indexes
Revises: 0031_closed_period_figures
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032_staff_list_indexes'
down_revision = '0031_closed_period_figures'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
