"""codes that open a case by text message

Revision ID: 0035_track_by_phone
Revises: 0034_consultation_alerts
Create Date: 2026-12-04 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0035_track_by_phone'
down_revision = '0034_consultation_alerts'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
