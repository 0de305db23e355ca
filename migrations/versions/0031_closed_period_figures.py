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
    pass


def downgrade():
    pass
