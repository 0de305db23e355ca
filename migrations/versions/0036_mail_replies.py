"""family email replies received into their case

Revision ID: 0036_mail_replies
Revises: 0035_track_by_phone
Create Date: 2026-12-04 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036_mail_replies'
down_revision = '0035_track_by_phone'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
