"""the improvement plan: areas of weakness, actions, milestones, measures

Revision ID: 0040_improvement_plan
Revises: 0039_case_page_versions
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0040_improvement_plan'
down_revision = '0039_case_page_versions'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
