"""the retention schedule and what retention has done

Revision ID: 0026_retention
Revises: 0025_age_bands
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_retention'
down_revision = '0025_age_bands'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
