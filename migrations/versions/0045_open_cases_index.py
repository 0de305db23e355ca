"""the open cases' index holds what the queue counts and the report's waiting figures read

Revision ID: 0045_open_cases_index
Revises: 0044_board_decisions
Create Date: 2026-12-07 16:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0045_open_cases_index'
down_revision = '0044_board_decisions'
branch_labels = None
depends_on = None

OPEN = "status != 'closed'"
BEFORE = [
    "caseworker_id",
    "team_id",
    "about_staff_id",
    "status",
    "stage",
    "category_id",
    "urgent",
    "acknowledged_at",
    "acknowledge_by",
    "responded_at",
    "respond_by",
    "received_at",
    "id",
]
AFTER = [*BEFORE, "consent_state", "kind", "procedure", "not_complaint_reason"]


def _recreate(columns):
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_index('ix_feedback_case_open')
        batch_op.create_index(
            'ix_feedback_case_open', columns, unique=False, sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN)
        )


def upgrade():
    _recreate(AFTER)


def downgrade():
    _recreate(BEFORE)
