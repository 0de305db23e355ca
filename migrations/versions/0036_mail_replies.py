"""family email replies received into their case

Revision ID: 0036_mail_replies
Revises: 0035_track_by_phone
Create Date: 2026-12-04 13:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0036_mail_replies'
down_revision = '0035_track_by_phone'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('inbound_mail',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sender', sa.String(length=254), nullable=True),
    sa.Column('subject', sa.String(length=255), nullable=True),
    sa.Column('outcome', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=True),
    sa.Column('case_message_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("outcome IN ('added', 'held', 'ignored')", name=op.f('ck_inbound_mail_outcome_known')),
    sa.ForeignKeyConstraint(['case_id'], ['feedback_case.id'], name=op.f('fk_inbound_mail_case_id_feedback_case'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['case_message_id'], ['case_message.id'], name=op.f('fk_inbound_mail_case_message_id_case_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_mail')),
    sa.UniqueConstraint('message_id', name=op.f('uq_inbound_mail_message_id'))
    )
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_mail_case_id'), ['case_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_mail_received_at'), ['received_at'], unique=False)


def downgrade():
    with op.batch_alter_table('inbound_mail', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_mail_received_at'))
        batch_op.drop_index(batch_op.f('ix_inbound_mail_case_id'))

    op.drop_table('inbound_mail')
