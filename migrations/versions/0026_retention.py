"""the retention schedule and what retention has done

Revision ID: 0026_retention
Revises: 0025_age_bands
Create Date: 2026-12-03 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026_retention'
down_revision = '0025_age_bands'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('retention_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dry_run', sa.Boolean(), nullable=False),
    sa.Column('counts', sa.JSON(), nullable=False),
    sa.Column('running', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_run')),
    sa.UniqueConstraint('running', name=op.f('uq_retention_run_running'))
    )
    with op.batch_alter_table('retention_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_retention_run_started_at'), ['started_at'], unique=False)

    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('consultation_response', schema=None) as batch_op:
        batch_op.alter_column('author_id', existing_type=sa.Integer(), nullable=True)


def downgrade():
    # Answers whose author the schedule took away cannot go back under a NOT NULL author.
    anonymous = sa.text('SELECT id FROM consultation_response WHERE author_id IS NULL')
    for table, column in (('consultation_answer_choice', 'answer_id'), ('consultation_answer_theme', 'answer_id')):
        op.execute(sa.text(
            f'DELETE FROM {table} WHERE {column} IN '
            '(SELECT id FROM consultation_answer WHERE response_id IN (SELECT id FROM consultation_response WHERE author_id IS NULL))'
        ))
    for table in ('consultation_answer', 'consultation_comment', 'consultation_agreement'):
        op.execute(sa.text(f'DELETE FROM {table} WHERE response_id IN ({anonymous.text})'))
    op.execute(sa.text('DELETE FROM consultation_response WHERE author_id IS NULL'))
    with op.batch_alter_table('consultation_response', schema=None) as batch_op:
        batch_op.alter_column('author_id', existing_type=sa.Integer(), nullable=False)

    with op.batch_alter_table('feedback_case', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')

    with op.batch_alter_table('retention_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_retention_run_started_at'))

    op.drop_table('retention_run')
