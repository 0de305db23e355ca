"""caseworkers marked to handle stage 2 reviews

Revision ID: 0014_stage_2_handlers
Revises: 0013_extensions
Create Date: 2026-12-02 16:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_stage_2_handlers'
down_revision = '0013_extensions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('caseworker_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handles_stage_2', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('caseworker_settings', schema=None) as batch_op:
        batch_op.drop_column('handles_stage_2')
