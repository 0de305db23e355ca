"""each case keeps when its first promise still to do is due, and the task queues read partial indexes

Revision ID: 0046_remedy_due_on
Revises: 0045_open_cases_index
Create Date: 2026-12-07 23:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0046_remedy_due_on'
down_revision = '0045_open_cases_index'
branch_labels = None
depends_on = None

REMEDY_DUE = "remedy_due_on IS NOT NULL"
REQUESTED = "status = 'requested'"
TO_FOLLOW_UP = "delivery_status = 'permanent-failure' AND followed_up_at IS NULL"


def upgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('remedy_due_on', sa.Date(), nullable=True))
    op.execute(
        "UPDATE feedback_case SET remedy_due_on = ("
        "SELECT min(remedy.due_on) FROM remedy JOIN case_outcome ON case_outcome.id = remedy.outcome_id "
        "WHERE case_outcome.case_id = feedback_case.id AND remedy.done_at IS NULL)"
    )
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.create_index(
            'ix_feedback_case_remedy_due',
            ['remedy_due_on', 'caseworker_id', 'team_id', 'about_staff_id', 'id'],
            unique=False,
            sqlite_where=sa.text(REMEDY_DUE),
            postgresql_where=sa.text(REMEDY_DUE),
        )
    with op.batch_alter_table('adjustment', schema=None) as batch_op:
        batch_op.create_index(
            'ix_adjustment_requested',
            ['case_id', 'kind'],
            unique=False,
            sqlite_where=sa.text(REQUESTED),
            postgresql_where=sa.text(REQUESTED),
        )
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.create_index(
            'ix_outbox_message_to_follow_up',
            ['case_id'],
            unique=False,
            sqlite_where=sa.text(TO_FOLLOW_UP),
            postgresql_where=sa.text(TO_FOLLOW_UP),
        )


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_message_to_follow_up')
    with op.batch_alter_table('adjustment', schema=None) as batch_op:
        batch_op.drop_index('ix_adjustment_requested')
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_case_remedy_due')
        batch_op.drop_column('remedy_due_on')
