"""published documents frozen at publication, each correction a new dated version

Revision ID: 0029_published_documents
Revises: 0028_single_sign_on
Create Date: 2026-12-03 16:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0029_published_documents'
down_revision = '0028_single_sign_on'
branch_labels = None
depends_on = None


def upgrade():
    # Updates published before this revision get their first frozen version when first read
    # (portal.reports.termly.frozen_versions): rendering needs the app, which a migration lacks.
    op.create_table('published_document',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('period', sa.String(length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('content_html', sa.Text(), nullable=False),
    sa.Column('figures', sa.JSON(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.ForeignKeyConstraint(['published_by_id'], ['user.id'], name=op.f('fk_published_document_published_by_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_published_document')),
    sa.UniqueConstraint('kind', 'period', 'version', name=op.f('uq_published_document_kind'))
    )


def downgrade():
    op.drop_table('published_document')
