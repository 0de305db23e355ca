"""case access grants kept server-side

Revision ID: 0010_case_access_grants
Revises: 0009_outbox_delivery
Create Date: 2026-12-01 23:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_case_access_grants'
down_revision = '0009_outbox_delivery'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('case_access_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['case_id'], ['feedback_case.id'], name=op.f('fk_case_access_grant_case_id_feedback_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_access_grant')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_case_access_grant_token_hash'))
    )
    with op.batch_alter_table('case_access_grant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_access_grant_case_id'), ['case_id'], unique=False)


def downgrade():
    with op.batch_alter_table('case_access_grant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_access_grant_case_id'))
    op.drop_table('case_access_grant')
