"""extensions: how many working days each added, and a manager's approval beyond the Code's limit

Revision ID: 0013_extensions
Revises: 0012_channels
Create Date: 2026-12-02 16:10:00

"""
import re

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_extensions'
down_revision = '0012_channels'
branch_labels = None
depends_on = None

EXTENDED_BY = re.compile(r"^Extended by (\d+) working days")


def upgrade():
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.add_column(sa.Column('extension_days', sa.SmallInteger(), nullable=True))
        batch_op.add_column(sa.Column('beyond_code_limit', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('approved_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_deadline_change_approved_by_id_user'), 'user', ['approved_by_id'], ['id'], ondelete='SET NULL'
        )
    # Extensions made before this revision say how long they were in their reason.
    table = sa.table('deadline_change', sa.column('id'), sa.column('reason'), sa.column('extension_days'))
    connection = op.get_bind()
    for row_id, reason in connection.execute(sa.select(table.c.id, table.c.reason)):
        found = EXTENDED_BY.match(reason or "")
        if found:
            connection.execute(table.update().where(table.c.id == row_id).values(extension_days=int(found.group(1))))


def downgrade():
    with op.batch_alter_table('deadline_change', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_deadline_change_approved_by_id_user'), type_='foreignkey')
        batch_op.drop_column('approved_by_id')
        batch_op.drop_column('beyond_code_limit')
        batch_op.drop_column('extension_days')
