"""the decisions the SEND Improvement Board records against each frozen board pack

Revision ID: 0044_board_decisions
Revises: 0043_figures_change_events
Create Date: 2026-12-07 15:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0044_board_decisions'
down_revision = '0043_figures_change_events'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'board_decision',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=False),
        sa.Column('decision', sa.Text(), nullable=False),
        sa.Column('owner', sa.String(length=200), nullable=True),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ['document_id'], ['published_document.id'],
            name=op.f('fk_board_decision_document_id_published_document'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['recorded_by_id'], ['user.id'], name=op.f('fk_board_decision_recorded_by_id_user'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_board_decision')),
    )
    with op.batch_alter_table('board_decision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_board_decision_document_id'), ['document_id'], unique=False)


def downgrade():
    with op.batch_alter_table('board_decision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_board_decision_document_id'))
    op.drop_table('board_decision')
