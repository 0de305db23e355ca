"""ways to take part: opportunities and sign-ups, offline answers, consultation documents

Revision ID: 0041_take_part
Revises: 0040_improvement_plan
Create Date: 2026-12-07 15:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0041_take_part'
down_revision = '0040_improvement_plan'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'opportunity',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('slug', sa.String(length=120), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('title', sa.String(length=150), nullable=False),
        sa.Column('description', sa.Text(), nullable=False),
        sa.Column('format', sa.String(length=10), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('place', sa.Text(), nullable=False),
        sa.Column('accessibility', sa.Text(), nullable=True),
        sa.Column('audience', sa.String(length=20), nullable=False),
        sa.Column('capacity', sa.Integer(), nullable=False),
        sa.Column('places_taken', sa.Integer(), server_default='0', nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('working_group', 'drop_in', 'forum_session')", name=op.f('ck_opportunity_kind_known')
        ),
        sa.CheckConstraint("format IN ('in_person', 'online')", name=op.f('ck_opportunity_format_known')),
        sa.CheckConstraint(
            "audience IN ('parents', 'young_people', 'anyone')", name=op.f('ck_opportunity_audience_known')
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'published', 'cancelled')", name=op.f('ck_opportunity_status_known')
        ),
        sa.CheckConstraint('capacity > 0', name=op.f('ck_opportunity_capacity_positive')),
        sa.CheckConstraint(
            'places_taken >= 0 AND places_taken <= capacity', name=op.f('ck_opportunity_places_within_capacity')
        ),
        sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_opportunity_ends_after_start')),
        sa.ForeignKeyConstraint(
            ['created_by_id'], ['user.id'], name=op.f('fk_opportunity_created_by_id_user'), ondelete='SET NULL'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity')),
        sa.UniqueConstraint('slug', name=op.f('uq_opportunity_slug')),
    )
    op.create_index(op.f('ix_opportunity_starts_at'), 'opportunity', ['starts_at'], unique=False)
    op.create_table(
        'opportunity_sign_up',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('needs', sa.JSON(), nullable=False),
        sa.Column('access_needs', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ['opportunity_id'], ['opportunity.id'],
            name=op.f('fk_opportunity_sign_up_opportunity_id_opportunity'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['user_id'], ['user.id'], name=op.f('fk_opportunity_sign_up_user_id_user'), ondelete='CASCADE'
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_opportunity_sign_up')),
        sa.UniqueConstraint('opportunity_id', 'user_id', name=op.f('uq_opportunity_sign_up_once')),
    )
    op.create_index(
        op.f('ix_opportunity_sign_up_opportunity_id'), 'opportunity_sign_up', ['opportunity_id'], unique=False
    )
    op.create_index(op.f('ix_opportunity_sign_up_user_id'), 'opportunity_sign_up', ['user_id'], unique=False)
    op.create_table(
        'consultation_document',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('consultation_id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=150), nullable=False),
        sa.Column('easy_read', sa.Boolean(), nullable=False),
        sa.Column('filename', sa.String(length=120), nullable=False),
        sa.Column('content_type', sa.String(length=120), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ['consultation_id'], ['consultation.id'],
            name=op.f('fk_consultation_document_consultation_id_consultation'), ondelete='CASCADE',
        ),
        sa.ForeignKeyConstraint(
            ['uploaded_by_id'], ['user.id'], name=op.f('fk_consultation_document_uploaded_by_id_user'),
            ondelete='SET NULL',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_document')),
    )
    op.create_index(
        op.f('ix_consultation_document_consultation_id'), 'consultation_document', ['consultation_id'], unique=False
    )
    with op.batch_alter_table('consultation_response', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel', sa.String(length=10), server_default='online', nullable=False))
        batch_op.add_column(sa.Column('participant', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('age_band', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('entered_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_consultation_response_entered_by_id_user'), 'user', ['entered_by_id'], ['id'],
            ondelete='SET NULL',
        )
        batch_op.create_check_constraint(
            batch_op.f('ck_consultation_response_channel_known'),
            "channel IN ('online', 'paper', 'phone', 'in_person')",
        )


def downgrade():
    with op.batch_alter_table('consultation_response', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_consultation_response_channel_known'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_consultation_response_entered_by_id_user'), type_='foreignkey')
        batch_op.drop_column('entered_by_id')
        batch_op.drop_column('age_band')
        batch_op.drop_column('participant')
        batch_op.drop_column('channel')
    op.drop_index(op.f('ix_consultation_document_consultation_id'), table_name='consultation_document')
    op.drop_table('consultation_document')
    op.drop_index(op.f('ix_opportunity_sign_up_user_id'), table_name='opportunity_sign_up')
    op.drop_index(op.f('ix_opportunity_sign_up_opportunity_id'), table_name='opportunity_sign_up')
    op.drop_table('opportunity_sign_up')
    op.drop_index(op.f('ix_opportunity_starts_at'), table_name='opportunity')
    op.drop_table('opportunity')
