"""a team's own mailbox for families' replies, and the reply-to address of each email

Revision ID: 0019_reply_to
Revises: 0018_procedures
Create Date: 2026-12-02 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_reply_to'
down_revision = '0018_procedures'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mailbox', sa.String(length=254), nullable=True))
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_to', sa.String(length=254), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('reply_to')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_column('mailbox')
