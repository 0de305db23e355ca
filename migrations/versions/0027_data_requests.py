"""requests to see, correct or delete personal data

Revision ID: 0027_data_requests
Revises: 0026_retention
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_data_requests'
down_revision = '0026_retention'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
