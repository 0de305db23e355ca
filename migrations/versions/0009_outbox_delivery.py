"""outbox delivery: retries with backoff, bodies encrypted while waiting and erased once sent

Revision ID: 0009_outbox_delivery
Revises: 0008_outcomes_without_a_finding
Create Date: 2026-11-23 10:00:00.000000

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

# The same functions the app uses, so that the bodies sealed here are the ones it reads; they
# take the keys from the app Flask-Migrate runs in (OUTBOX_ENCRYPTION_KEY or SECRET_KEY).
from portal.notifications.sealing import seal, unseal


# revision identifiers, used by Alembic.
revision = '0009_outbox_delivery'
down_revision = '0008_outcomes_without_a_finding'
branch_labels = None
depends_on = None


outbox_message = sa.table(
    'outbox_message',
    sa.column('id', sa.Integer()),
    sa.column('status', sa.String()),
    sa.column('body', sa.Text()),
    sa.column('next_attempt_at', sa.DateTime(timezone=True)),
)


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('body',
               existing_type=sa.TEXT(),
               nullable=True)

    connection = op.get_bind()
    # Sent mail keeps only its delivery record: its body may hold a live token.
    connection.execute(outbox_message.update().where(outbox_message.c.status == 'sent').values(body=None))
    # What still waits (or failed and may be retried) is encrypted where it lies.
    waiting = connection.execute(
        sa.select(outbox_message.c.id, outbox_message.c.body)
        .where(outbox_message.c.status != 'sent', outbox_message.c.body.is_not(None))
    ).all()
    for message_id, body in waiting:
        connection.execute(
            outbox_message.update().where(outbox_message.c.id == message_id).values(body=seal(body))
        )
    connection.execute(
        outbox_message.update()
        .where(outbox_message.c.status == 'pending')
        .values(next_attempt_at=datetime.now(timezone.utc))
    )


def downgrade():
    connection = op.get_bind()
    sealed = connection.execute(
        sa.select(outbox_message.c.id, outbox_message.c.body).where(outbox_message.c.body.is_not(None))
    ).all()
    for message_id, body in sealed:
        connection.execute(
            outbox_message.update().where(outbox_message.c.id == message_id).values(body=unseal(body))
        )
    # The erased bodies of sent mail cannot come back.
    connection.execute(outbox_message.update().where(outbox_message.c.body.is_(None)).values(body=''))

    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.alter_column('body',
               existing_type=sa.TEXT(),
               nullable=False)
        batch_op.drop_column('next_attempt_at')
        batch_op.drop_column('last_attempt_at')
        batch_op.drop_column('first_attempt_at')
