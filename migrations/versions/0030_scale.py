"""indexes and kept counts for a city's number of cases

Revision ID: 0030_scale
Revises: 0029_published_documents
Create Date: 2026-12-03 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_scale'
down_revision = '0029_published_documents'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
