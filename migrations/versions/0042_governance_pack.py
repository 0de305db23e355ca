"""the governance pack: the annual report's self-assessment and governance response, equality monitoring

Revision ID: 0042_governance_pack
Revises: 0041_take_part
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0042_governance_pack'
down_revision = '0041_take_part'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
