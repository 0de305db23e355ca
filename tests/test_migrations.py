"""The Alembic migrations build exactly the schema the models describe, can be undone, and bring
old rows up to what the code now does."""

from datetime import date, datetime, timezone

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.casework import clocks
from portal.core import settings
from portal.core.models import Setting
from portal.core.time import LONDON
from portal.extensions import db
from portal.feedback.models import Case

# Made by hand in a migration because models cannot describe it: the full-text search index.
HAND_MADE_INDEXES = {"ix_feedback_case_search"}

# Migrations run on connections of their own, outside the test's rolled-back transaction.
pytestmark = pytest.mark.real_commits


def include_object(obj, name, type_, reflected, compare_to):
    return not (type_ == "index" and name in HAND_MADE_INDEXES)


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include_object})
        return compare_metadata(context, db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_models_and_migrations_do_not_drift(app):
    with app.app_context():
        assert schema_differences() == []


def test_downgrade_to_base_and_upgrade_again(app):
    with app.app_context():
        model_tables = {table.name for table in db.metadata.sorted_tables}
        assert model_tables <= table_names()

        flask_migrate.downgrade(revision="base")
        db.engine.dispose()
        assert table_names() - {"alembic_version"} == set()

        flask_migrate.upgrade()
        db.engine.dispose()
        assert model_tables <= table_names()
        assert schema_differences() == []


def test_case_search_uses_the_full_text_index_on_postgresql(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            indexes = {index["name"] for index in sa.inspect(db.engine).get_indexes("feedback_case")}
            assert "ix_feedback_case_search" not in indexes  # SQLite searches without it
            return
        from portal.casework.queries import SEARCH_DOCUMENT

        with db.engine.connect() as connection:
            connection.execute(sa.text("SET enable_seqscan = off"))
            plan = "\n".join(
                row[0]
                for row in connection.execute(
                    sa.text(
                        f"EXPLAIN SELECT id FROM feedback_case WHERE {SEARCH_DOCUMENT} @@ websearch_to_tsquery('simple'::regconfig, 'taxi')"
                    )
                )
            )
        assert "ix_feedback_case_search" in plan


def target_on_arrival(kind: str, received_at: datetime) -> date | None:
    """The reply target a case of ``kind`` received at ``received_at`` is given today."""
    case = Case(kind=kind)
    clocks.start_target(case, received_at.astimezone(LONDON).date())
    return case.respond_by


def old_case(**fields) -> str:
    """A case written with a plain INSERT naming only the columns given (and the columns'
    defaults), so that columns added by later migrations are left out; returns its reference."""
    number = len(db.session.execute(sa.select(Case.__table__.c.id)).all()) + 1
    values = {
        "reference": f"CAN-2026-9{number:04d}",
        "submission_key": f"old-case-{number}",
        "stage": 1 if fields.get("kind") == "complaint" else None,
        "what_happened": "Something happened.",
        "status": "received",
    } | fields
    if values["status"] == "closed":
        values.setdefault("closed_at", values["received_at"])
    # On the connection, past the session's events: the table they keep the figures' version in
    # is not there yet at an old revision.
    db.session.connection().execute(sa.insert(Case.__table__).values(**values))
    db.session.commit()
    return values["reference"]


def test_open_feedback_from_before_reply_targets_gets_the_target_a_new_case_would(app):
    with app.app_context():
        flask_migrate.downgrade(revision="0021_reply_targets-1")
        db.engine.dispose()
        db.session.add(Setting(key=settings.REPLY_TARGET_DAYS["suggestion"], value=15))
        db.session.commit()
        # Late on a Friday in summer is already Saturday in London: counted from the Monday.
        friday_night = datetime(2026, 7, 3, 23, 30, tzinfo=timezone.utc)
        monday = datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
        question = old_case(kind="question", received_at=friday_night)
        suggestion = old_case(kind="suggestion", status="acknowledged", received_at=monday)
        answered_before = old_case(kind="question", received_at=monday, respond_by=date(2026, 3, 20))
        closed = old_case(kind="compliment", status="closed", received_at=monday)
        replied = old_case(kind="question", status="responded", received_at=monday, responded_at=monday)
        complaint = old_case(kind="complaint", received_at=monday)
        db.session.remove()

        flask_migrate.upgrade()
        db.engine.dispose()
        targets = dict(db.session.execute(db.select(Case.reference, Case.respond_by)).all())
        assert targets[question] == date(2026, 7, 20) == target_on_arrival("question", friday_night)
        assert targets[suggestion] == date(2026, 3, 23) == target_on_arrival("suggestion", monday)
        assert targets[answered_before] == date(2026, 3, 20)
        assert targets[closed] is None
        assert targets[replied] is None  # answered before there was a target to meet
        assert targets[complaint] is None
        assert schema_differences() == []
