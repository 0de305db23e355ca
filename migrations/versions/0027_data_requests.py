"""requests to see, correct or delete personal data

Revision ID: 0027_data_requests
Revises: 0026_retention
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027_data_requests'
down_revision = '0026_retention'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=12), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('case_id', sa.Integer(), nullable=True),
        sa.Column('contact_name', sa.String(length=120), nullable=True),
        sa.Column('contact_email', sa.String(length=254), nullable=True),
        sa.Column('what', sa.Text(), nullable=False),
        sa.Column('why', sa.Text(), nullable=True),
        sa.Column('channel', sa.String(length=20), nullable=False),
        sa.Column('received_on', sa.Date(), nullable=False),
        sa.Column('due_on', sa.Date(), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('outcome', sa.String(length=20), nullable=True),
        sa.Column('reason', sa.Text(), nullable=True),
        sa.Column('decided_by_id', sa.Integer(), nullable=True),
        sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "channel IN ('online', 'email', 'phone', 'letter', 'in_person')", name=op.f('ck_data_request_channel_known')
        ),
        sa.CheckConstraint("kind IN ('access', 'correction', 'deletion')", name=op.f('ck_data_request_kind_known')),
        sa.CheckConstraint(
            "status IN ('open', 'completed', 'refused', 'partly')", name=op.f('ck_data_request_status_known')
        ),
        sa.ForeignKeyConstraint(
            ['case_id'], ['feedback_case.id'], name=op.f('fk_data_request_case_id_feedback_case'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(
            ['decided_by_id'], ['user.id'], name=op.f('fk_data_request_decided_by_id_user'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(
            ['recorded_by_id'], ['user.id'], name=op.f('fk_data_request_recorded_by_id_user'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_data_request_user_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_request')),
    )
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.create_index('ix_data_request_status_due', ['status', 'due_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_data_request_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('data_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_request_user_id'))
        batch_op.drop_index('ix_data_request_status_due')
    op.drop_table('data_request')
