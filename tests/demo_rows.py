"""The demo, seeded once per test process through the real ``seed-demo`` actions and kept as
rows, so that a test needing the demo's content gets it in a fraction of a second instead of
seeding again (each seed plays a hundred cases through the casework under a moving clock).

Tests of the command itself (running it twice, what it prints) still run it for real."""

import sqlalchemy as sa

from portal.extensions import db

DEMO_PASSWORD = "Velvet-Compass-Meadow-19"

Rows = dict[str, list[dict]]

# Counted from the other rows and kept to be read again (portal.core.kept_figures): not written
# back, since the database restored into keeps its own count of changes.
DERIVED = {"figures_change", "figures_version", "kept_figures"}


def seed_and_capture() -> Rows:
    """Seed the demo (in the current app context) and read back every row it wrote."""
    from portal import demo

    demo.seed(DEMO_PASSWORD)
    return {
        table.name: [dict(row._mapping) for row in db.session.execute(table.select())]
        for table in db.metadata.sorted_tables
    }


def restore(rows: Rows) -> None:
    """Write the captured rows back (in the current app context) and commit."""
    tables = db.metadata.sorted_tables
    later = {}  # table -> the columns pointing at a table not yet written (team.lead_id -> user)
    for position, table in enumerate(tables):
        if not rows[table.name] or table.name in DERIVED:
            continue
        waiting = {table.name for table in tables[position:]}
        later[table] = [fk.parent.name for fk in table.foreign_keys if fk.column.table.name in waiting]
        blanked = [dict(row, **dict.fromkeys(later[table])) for row in rows[table.name]]
        db.session.execute(table.insert(), blanked)
    for table, columns in later.items():
        for row in rows[table.name]:
            if any(row[column] is not None for column in columns):
                values = {column: row[column] for column in columns}
                db.session.execute(table.update().where(table.c.id == row["id"]).values(values))
    if db.session.get_bind().dialect.name == "postgresql":
        _move_sequences_past(rows)
    db.session.commit()


def _move_sequences_past(rows: Rows) -> None:
    """Rows came back with their ids: PostgreSQL's sequences must start after them."""
    for table in db.metadata.sorted_tables:
        if "id" in table.c and table.c.id.autoincrement and rows[table.name]:
            highest = max(row["id"] for row in rows[table.name])
            db.session.execute(
                sa.text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :highest)"),
                {"table": table.name, "highest": highest},
            )
