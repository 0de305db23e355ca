"""indexes for the staff lists at a city's scale

Revision ID: 0032_staff_list_indexes
Revises: 0031_closed_period_figures
Create Date: 2026-12-03 19:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0032_staff_list_indexes'
down_revision = '0031_closed_period_figures'
branch_labels = None
depends_on = None

OPEN = "status != 'closed'"
# Each index widened to hold every column its lists read, so that they read no rows: (table,
# index, columns before, columns now, partial condition).
INDEXES = [
    (
        "feedback_case",
        "ix_feedback_case_open",
        ["caseworker_id", "team_id"],
        [
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
        ],
        OPEN,
    ),
    ("remedy", "ix_remedy_outstanding", ["done_at", "due_on"], ["done_at", "due_on", "outcome_id"], None),
]


def _create(table, name, columns, where):
    partial = {} if where is None else {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(name, columns, unique=False, **partial)


def _drop(table, name):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_index(name)


def upgrade():
    for table, name, _, columns, where in INDEXES:
        _drop(table, name)
        _create(table, name, columns, where)


def downgrade():
    for table, name, columns, _, where in reversed(INDEXES):
        _drop(table, name)
        _create(table, name, columns, where)
