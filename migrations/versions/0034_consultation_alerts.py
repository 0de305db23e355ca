"""what signed-in families asked to be told about consultations

Revision ID: 0034_consultation_alerts
Revises: 0033_notify_delivery
Create Date: 2026-12-03 19:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0034_consultation_alerts'
down_revision = '0033_notify_delivery'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'consultation_alert_choice',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('on_opening', sa.Boolean(), nullable=False),
        sa.Column('on_closing', sa.Boolean(), nullable=False),
        sa.Column('on_outcome', sa.Boolean(), nullable=False),
        sa.Column('frequency', sa.String(length=10), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "frequency IN ('now', 'weekly')", name=op.f('ck_consultation_alert_choice_frequency_known')
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_consultation_alert_choice_user_id_user'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_consultation_alert_choice')),
    )
    op.create_table(
        'consultation_alert_sent',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('emailed_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "kind IN ('opening', 'closing', 'outcome')", name=op.f('ck_consultation_alert_sent_kind_known')
        ),
        sa.ForeignKeyConstraint(
            ['consultation_id'], ['consultation.id'],
            name=op.f('fk_consultation_alert_sent_consultation_id_consultation'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_consultation_alert_sent_user_id_user'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_alert_sent')),
        sa.UniqueConstraint(
            'user_id', 'consultation_id', 'kind', name=op.f('uq_consultation_alert_sent_once')
        ),
    )
    op.create_index(
        op.f('ix_consultation_alert_sent_consultation_id'), 'consultation_alert_sent', ['consultation_id']
    )
    # Extra headers on an email, such as the alerts' one-click unsubscribe.
    op.add_column('outbox_message', sa.Column('headers', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message') as batch:
        batch.drop_column('headers')
    op.drop_index(op.f('ix_consultation_alert_sent_consultation_id'), table_name='consultation_alert_sent')
    op.drop_table('consultation_alert_sent')
    op.drop_table('consultation_alert_choice')
