"""indexes and kept counts for a city's number of cases

Revision ID: 0030_scale
Revises: 0029_published_documents
Create Date: 2026-12-03 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030_scale'
down_revision = '0029_published_documents'
branch_labels = None
depends_on = None

# (table, index, columns): what the staff queues and the period reports read by.
INDEXES = [
    ("feedback_case", "ix_feedback_case_escalated_at", ["escalated_at"]),
    ("feedback_case", "ix_feedback_case_closed_at", ["closed_at"]),
    ("case_outcome", "ix_case_outcome_recorded_at", ["recorded_at"]),
    ("deadline_change", "ix_deadline_change_changed_at", ["changed_at"]),
    ("remedy", "ix_remedy_outstanding", ["done_at", "due_on"]),
    ("outcome_theme", "ix_outcome_theme_theme", ["theme_id", "outcome_id"]),
]


OPEN = "status != 'closed'"


def upgrade():
    version = op.create_table(
        'figures_version',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('number', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_figures_version')),
    )
    # The one row every change moves on; kept figures start empty.
    op.bulk_insert(version, [{'id': 1, 'number': 0}])
    op.create_table(
        'kept_figures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.Column('as_of_day', sa.Date(), nullable=True),
        sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('figures', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kept_figures')),
        sa.UniqueConstraint('name', name=op.f('uq_kept_figures_name')),
    )
    with op.batch_alter_table("feedback_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_feedback_case_open",
            ["caseworker_id", "team_id"],
            unique=False,
            sqlite_where=sa.text(OPEN),
            postgresql_where=sa.text(OPEN),
        )
    for table, name, columns in INDEXES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(name, columns, unique=False)


def downgrade():
    for table, name, _ in reversed(INDEXES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(name)
    with op.batch_alter_table("feedback_case", schema=None) as batch_op:
        batch_op.drop_index("ix_feedback_case_open")
    op.drop_table('kept_figures')
    op.drop_table('figures_version')
