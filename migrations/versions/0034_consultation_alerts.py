"""what signed-in families asked to be told about consultations

Revision ID: 0034_consultation_alerts
Revises: 0033_notify_delivery
Create Date: 2026-12-03 19:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034_consultation_alerts'
down_revision = '0033_notify_delivery'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
