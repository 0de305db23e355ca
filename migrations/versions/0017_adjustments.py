"""reasonable adjustments as records staff keep, instead of four intake answers on the case

Revision ID: 0017_adjustments
Revises: 0016_response_contents
Create Date: 2026-12-02 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_adjustments'
down_revision = '0016_response_contents'
branch_labels = None
depends_on = None

# The intake answers each case held, and the kind of adjustment each becomes.
ANSWERS = (
    ("needs_easy_read", "easy_read", None),
    ("interpreter_language", "interpreter", "interpreter_language"),
    ("preferred_time", "contact", "preferred_time"),
    ("other_adjustments", "other", "other_adjustments"),
)


def upgrade():
    op.create_table('adjustment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('detail', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('review_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['feedback_case.id'], name=op.f('fk_adjustment_case_id_feedback_case'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustment'))
    )
    with op.batch_alter_table('adjustment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjustment_case_id'), ['case_id'], unique=False)

    for column, kind, detail in ANSWERS:
        given = f"{column} IS TRUE" if detail is None else f"{column} IS NOT NULL AND {column} <> ''"
        op.execute(
            "INSERT INTO adjustment (case_id, kind, detail, status, created_at, updated_at) "
            f"SELECT id, '{kind}', {detail or 'NULL'}, 'requested', received_at, received_at "
            f"FROM feedback_case WHERE {given}"
        )
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_column('other_adjustments')
        batch_op.drop_column('preferred_time')
        batch_op.drop_column('interpreter_language')
        batch_op.drop_column('needs_easy_read')


def downgrade():
    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('needs_easy_read', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('interpreter_language', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('preferred_time', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('other_adjustments', sa.Text(), nullable=True))
    # The first of each kind goes back to its column; anything kept since has nowhere to go.
    op.execute(
        "UPDATE feedback_case SET needs_easy_read = TRUE WHERE id IN "
        "(SELECT case_id FROM adjustment WHERE kind = 'easy_read')"
    )
    for (column, kind, detail), length in zip(ANSWERS[1:], (60, 120, 100000)):
        op.execute(
            f"UPDATE feedback_case SET {column} = (SELECT SUBSTR(MIN(detail), 1, {length}) FROM adjustment "
            f"WHERE adjustment.case_id = feedback_case.id AND kind = '{kind}')"
        )
    with op.batch_alter_table('adjustment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adjustment_case_id'))
    op.drop_table('adjustment')
