"""published documents frozen at publication, each correction a new dated version

Revision ID: 0029_published_documents
Revises: 0028_single_sign_on
Create Date: 2026-12-03 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_published_documents'
down_revision = '0028_single_sign_on'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
