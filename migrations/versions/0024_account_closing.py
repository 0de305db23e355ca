"""the device each session signed in from; a person closing their own account

Revision ID: 0024_account_closing
Revises: 0023_access_log
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024_account_closing'
down_revision = '0023_access_log'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signed_in_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('device', sa.String(length=200), nullable=True))
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
    with op.batch_alter_table('signed_in_session', schema=None) as batch_op:
        batch_op.drop_column('device')
