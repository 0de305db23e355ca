"""signed-in sessions end after a spell without use; what was sent after one ended is kept

Revision ID: 0020_idle_sessions
Revises: 0019_reply_to
Create Date: 2026-12-03 10:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_idle_sessions'
down_revision = '0019_reply_to'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('signed_in_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        'kept_form',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('page', sa.String(length=500), nullable=False),
        sa.Column('user_id', sa.String(length=40), nullable=True),
        sa.Column('sent', sa.JSON(), nullable=False),
        sa.Column('kept_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_form')),
        sa.UniqueConstraint('key_hash', name=op.f('uq_kept_form_key_hash')),
    )
    with op.batch_alter_table('kept_form', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kept_form_kept_at'), ['kept_at'], unique=False)


def downgrade():
    with op.batch_alter_table('kept_form', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kept_form_kept_at'))
    op.drop_table('kept_form')
    with op.batch_alter_table('signed_in_session', schema=None) as batch_op:
        batch_op.drop_column('last_seen_at')
