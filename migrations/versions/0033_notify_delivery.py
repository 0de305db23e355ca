"""messages sent through GOV.UK Notify by email, text and letter, with their delivery receipts

Revision ID: 0033_notify_delivery
Revises: 0032_staff_list_indexes
Create Date: 2026-12-03 19:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033_notify_delivery'
down_revision = '0032_staff_list_indexes'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
