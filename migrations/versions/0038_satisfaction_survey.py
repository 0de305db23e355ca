"""families asked how their complaint was handled

Revision ID: 0038_satisfaction_survey
Revises: 0037_representatives
Create Date: 2026-12-04 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0038_satisfaction_survey'
down_revision = '0037_representatives'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
