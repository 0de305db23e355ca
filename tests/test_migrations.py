"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db

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
