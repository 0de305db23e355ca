"""How many SQL statements a page costs: pages must cost the same however many rows they show."""

import re

import sqlalchemy as sa

from portal.extensions import db

# The test's rolled-back transaction turns the page's commits into savepoints; in production
# they are commits, which send no statement of their own.
SAVEPOINTS = re.compile(r"^\s*(SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.IGNORECASE)


def count_queries(app, client, path: str) -> int:
    """GET ``path`` (which must answer 200) and count the statements sent to the database."""
    statements = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if not SAVEPOINTS.match(statement):
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, path
    return len(statements)
