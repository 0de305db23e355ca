"""a version for each family's case page, so it is rendered again only when it changes

Revision ID: 0039_case_page_versions
Revises: 0038_satisfaction_survey
Create Date: 2026-12-04 14:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0039_case_page_versions'
down_revision = '0038_satisfaction_survey'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'case_page_version',
        sa.Column('case_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('case_id', name=op.f('pk_case_page_version')),
    )


def downgrade():
    op.drop_table('case_page_version')
