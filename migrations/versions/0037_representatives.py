"""who speaks for whom on a case, and their consent

Revision ID: 0037_representatives
Revises: 0036_mail_replies
Create Date: 2026-12-04 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0037_representatives'
down_revision = '0036_mail_replies'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
