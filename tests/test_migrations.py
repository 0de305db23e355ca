"""The Alembic migrations build exactly the schema the models describe, and can be undone."""

import flask_migrate
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.extensions import db


def schema_differences() -> list:
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
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
