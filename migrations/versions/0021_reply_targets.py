"""reply targets for the questions, suggestions and compliments still open from before they had one

Revision ID: 0021_reply_targets
Revises: 0020_idle_sessions
Create Date: 2026-12-03 11:00:00

"""
from datetime import timezone

from alembic import op
import sqlalchemy as sa

from portal.core.calendar import add_working_days, receipt_day
from portal.core.settings import DEFAULTS, REPLY_TARGET_DAYS
from portal.core.time import LONDON


# revision identifiers, used by Alembic.
revision = '0021_reply_targets'
down_revision = '0020_idle_sessions'
branch_labels = None
depends_on = None

feedback_case = sa.table(
    'feedback_case',
    sa.column('id', sa.Integer()),
    sa.column('kind', sa.String()),
    sa.column('status', sa.String()),
    sa.column('received_at', sa.DateTime(timezone=True)),
    sa.column('respond_by', sa.Date()),
    sa.column('responded_at', sa.DateTime(timezone=True)),
)
setting = sa.table('setting', sa.column('key', sa.String()), sa.column('value', sa.JSON()))


def target_days(connection) -> dict[str, int]:
    """The working days managers have set for each kind (or the default), as a new case reads them."""
    stored = dict(
        connection.execute(
            sa.select(setting.c.key, setting.c.value).where(setting.c.key.in_(list(REPLY_TARGET_DAYS.values())))
        ).all()
    )
    return {kind: stored.get(key, DEFAULTS[key]) for kind, key in REPLY_TARGET_DAYS.items()}


def received_day(received_at):
    """The London day a case arrived (SQLite hands back UTC timestamps without their zone)."""
    if received_at.tzinfo is None:
        received_at = received_at.replace(tzinfo=timezone.utc)
    return received_at.astimezone(LONDON).date()


def upgrade():
    # The target a case would have been given on arrival (portal.casework.clocks.start_target):
    # the working days for its kind, counted from the working day it was received.
    connection = op.get_bind()
    days = target_days(connection)
    waiting = connection.execute(
        sa.select(feedback_case.c.id, feedback_case.c.kind, feedback_case.c.received_at).where(
            feedback_case.c.kind.in_([kind for kind, number in days.items() if number]),
            feedback_case.c.status != 'closed',
            feedback_case.c.respond_by.is_(None),
            # Already answered before there was a target: not judged against one now.
            feedback_case.c.responded_at.is_(None),
        )
    ).all()
    targets = [
        {'case_id': case_id, 'target': add_working_days(receipt_day(received_day(received_at)), days[kind])}
        for case_id, kind, received_at in waiting
    ]
    if targets:
        connection.execute(
            feedback_case.update()
            .where(feedback_case.c.id == sa.bindparam('case_id'))
            .values(respond_by=sa.bindparam('target')),
            targets,
        )


def downgrade():
    # The dates stay: the schema is unchanged, and the revisions before this one read them as
    # they read any other case's target.
    pass
