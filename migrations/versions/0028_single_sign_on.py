"""staff single sign-on: the provider's subject for each staff user

Revision ID: 0028_single_sign_on
Revises: 0027_data_requests
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028_single_sign_on'
down_revision = '0027_data_requests'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
