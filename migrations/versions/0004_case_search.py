"""full-text search index on cases (PostgreSQL only)

Revision ID: 0004_case_search
Revises: 0003_casework
"""
from alembic import op

revision = '0004_case_search'
down_revision = '0003_casework'
branch_labels = None
depends_on = None

# Must match portal.casework.queries.SEARCH_DOCUMENT exactly for PostgreSQL to use the index.
SEARCH_DOCUMENT = (
    "to_tsvector('simple'::regconfig, "
    "coalesce(reference, '') || ' ' || coalesce(contact_name, '') || ' ' || coalesce(contact_email, '') || ' ' || "
    "coalesce(child_name, '') || ' ' || coalesce(child_setting, '') || ' ' || coalesce(what_happened, '') || ' ' || "
    "coalesce(outcome_wanted, ''))"
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"CREATE INDEX ix_feedback_case_search ON feedback_case USING gin ({SEARCH_DOCUMENT})")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_feedback_case_search")
