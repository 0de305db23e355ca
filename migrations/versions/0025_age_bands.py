"""a youth forum member's age band

Revision ID: 0025_age_bands
Revises: 0024_account_closing
Create Date: 2026-12-03 12:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025_age_bands'
down_revision = '0024_account_closing'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('age_band', sa.String(length=20), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('age_band')
