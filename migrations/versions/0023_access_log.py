"""a record of who looked at what: each time staff open a case, download its files or export it

Revision ID: 0023_access_log
Revises: 0022_two_factor
Create Date: 2026-12-03 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_access_log'
# After two-factor sign-in, which also follows 0021_reply_targets: one line of revisions, one head.
down_revision = '0022_two_factor'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'access_record',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('role', sa.String(length=20), nullable=False),
        sa.Column('what', sa.String(length=12), nullable=False),
        sa.Column('attachment_id', sa.Integer(), nullable=True),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("what IN ('viewed', 'downloaded', 'exported')", name=op.f('ck_access_record_what_known')),
        sa.ForeignKeyConstraint(
            ['attachment_id'], ['attachment.id'], name=op.f('fk_access_record_attachment_id_attachment'), ondelete='SET NULL'
        ),
        sa.ForeignKeyConstraint(
            ['case_id'], ['feedback_case.id'], name=op.f('fk_access_record_case_id_feedback_case'), ondelete='CASCADE'
        ),
        sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_access_record_user_id_user'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_access_record')),
    )
    with op.batch_alter_table('access_record', schema=None) as batch_op:
        batch_op.create_index('ix_access_record_case', ['case_id', 'occurred_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_access_record_occurred_at'), ['occurred_at'], unique=False)


def downgrade():
    with op.batch_alter_table('access_record', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_access_record_occurred_at'))
        batch_op.drop_index('ix_access_record_case')
    op.drop_table('access_record')
