"""placeholder: filled in by the change that adds it

Revision ID: 0047_figures_change_families
Revises: 0046_remedy_due_on
Create Date: 2026-12-07 23:55:00

"""


# revision identifiers, used by Alembic.
revision = '0047_figures_change_families'
down_revision = '0046_remedy_due_on'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
