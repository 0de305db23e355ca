"""ways to take part: opportunities and sign-ups, offline answers, consultation documents

Revision ID: 0041_take_part
Revises: 0040_improvement_plan
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0041_take_part'
down_revision = '0040_improvement_plan'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
