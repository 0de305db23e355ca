"""What differs between the two databases the portal runs on (SQLite and PostgreSQL)."""

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def insert_for(bind):
    """An INSERT with ON CONFLICT (an upsert) for the database ``bind`` talks to."""
    return postgresql_insert if bind.dialect.name == "postgresql" else sqlite_insert
