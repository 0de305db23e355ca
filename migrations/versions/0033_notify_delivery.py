"""messages sent through GOV.UK Notify by email, text and letter, with their delivery receipts

Revision ID: 0033_notify_delivery
Revises: 0032_staff_list_indexes
Create Date: 2026-12-03 19:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0033_notify_delivery'
down_revision = '0032_staff_list_indexes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=20), server_default='email', nullable=False))
        batch_op.add_column(sa.Column('case_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('notify_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('delivery_status', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('followed_up_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_outbox_message_case_id_feedback_case'), 'feedback_case', ['case_id'], ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_index(batch_op.f('ix_outbox_message_case_id'), ['case_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_outbox_message_notify_id'), ['notify_id'])

    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('contact_address', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_column('contact_address')

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_outbox_message_notify_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_outbox_message_case_id'))
        batch_op.drop_constraint(batch_op.f('fk_outbox_message_case_id_feedback_case'), type_='foreignkey')
        batch_op.drop_column('followed_up_at')
        batch_op.drop_column('delivered_at')
        batch_op.drop_column('delivery_status')
        batch_op.drop_column('notify_id')
        batch_op.drop_column('case_id')
        batch_op.drop_column('channel')
