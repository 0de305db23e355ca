"""Fixtures shared by every test.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set, and in
parallel (pytest-xdist), each worker with a database of its own. The schema is built once per
worker through the Alembic migrations and one app serves every test, so templates compile
once. Each test runs inside one database transaction that is rolled back when it ends; the
code under test commits as it does for real, to savepoints inside that transaction. Its
settings are put back too, so tests never see each other's data or configuration.

A test whose work leaves the test's own connection (threads, a second app, a served browser
session) needs real commits: mark it ``@pytest.mark.real_commits`` (the ``live_server`` and
``fresh_app`` fixtures imply it), and its rows are deleted afterwards instead. A test that
needs an app of its own (other settings at start-up, a route of its own) builds one with
``make_app`` or the ``fresh_app`` fixture.
"""

import os
import re
from contextlib import contextmanager
from datetime import date, datetime, time

import flask_migrate
import pytest
import sqlalchemy as sa
import time_machine
from flask import current_app
from flask_sqlalchemy.session import Session

from config import database_url as normalise_database_url
from portal import create_app
from portal.core.time import LONDON
from portal.extensions import db, limiter
from portal.notifications.models import OutboxMessage
from tests import demo_rows
from tests.factories import PASSWORD, Person, give_app_code, make_user


def worker_name() -> str:
    """The pytest-xdist worker running this process ("gw0", "gw1"...), or "" when not parallel."""
    return os.environ.get("PYTEST_XDIST_WORKER", "")


def database_for_worker(url: str) -> str:
    """A PostgreSQL database of this worker's own, next to the one named in the URL
    (test_gw0 beside test), made if it is missing."""
    worker = worker_name()
    if not worker:
        return url
    parts = sa.engine.make_url(url)
    name = f"{parts.database}_{worker}"
    engine = sa.create_engine(parts, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            exists = connection.scalar(sa.text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name})
            if not exists:
                connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return parts.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return database_for_worker(normalise_database_url(url))
    return f"sqlite:///{tmp_path_factory.mktemp('database') / 'portal-test.sqlite3'}"


def drop_everything(engine: sa.Engine) -> None:
    """Remove every table, including ones a previous, interrupted run left behind."""
    metadata = sa.MetaData()
    metadata.reflect(bind=engine)
    metadata.drop_all(bind=engine)


@pytest.fixture(scope="session")
def migrated_database(database_url: str) -> str:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=database_url)
    with app.app_context():
        drop_everything(db.engine)
        flask_migrate.upgrade()
        db.engine.dispose()
    return database_url


def make_app(database_url: str, tmp_path, **overrides):
    return create_app(
        "testing",
        SQLALCHEMY_DATABASE_URI=database_url,
        MAIL_DIR=str(tmp_path / "mail"),
        **overrides,
    )


def delete_rows(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())


def clear_tables(app) -> None:
    """Delete every row, and close the app's connections (for an app a test made itself)."""
    delete_rows(app)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def session_app(migrated_database, tmp_path_factory):
    """The one app every test shares."""
    return make_app(migrated_database, tmp_path_factory.mktemp("app"))


class OnTheTestConnection(Session):
    """The app's session, on the test's connection while a test runs in a rolled-back
    transaction; any other app a test builds keeps its own engine."""

    connections: dict[int, sa.Connection] = {}

    def get_bind(self, *args, **kwargs):
        connection = self.connections.get(id(current_app._get_current_object()))
        return connection if connection is not None else super().get_bind(*args, **kwargs)


def sqlite_connection(connection: sa.Connection):
    return connection.connection.driver_connection if connection.dialect.name == "sqlite" else None


def begin_for_savepoints(connection: sa.Connection) -> sa.Transaction:
    """Begin the test's transaction. On SQLite, the sqlite3 module starts and ends transactions
    on its own, and savepoints inside one fail (SQLAlchemy's pysqlite notes): for this one
    connection it is told not to, and the transaction is begun by hand."""
    transaction = connection.begin()
    if sqlite := sqlite_connection(connection):
        sqlite.isolation_level = None
        connection.exec_driver_sql("BEGIN")
    return transaction


@contextmanager
def rolled_back(app):
    """Run the test in one transaction that is rolled back at the end. Every session the app
    opens meanwhile (one per request or app context) works on that transaction's connection,
    and its commits release savepoints instead of committing."""
    with app.app_context():
        engine = db.engine
    connection = engine.connect()
    transaction = begin_for_savepoints(connection)
    app_session = db.session
    db.session = db._make_scoped_session({"class_": OnTheTestConnection, "join_transaction_mode": "create_savepoint"})
    OnTheTestConnection.connections[id(app)] = connection
    try:
        yield
    finally:
        # Each app context removed its own session as it ended.
        del OnTheTestConnection.connections[id(app)]
        db.session = app_session
        transaction.rollback()
        if sqlite := sqlite_connection(connection):
            sqlite.isolation_level = ""  # back to the module's own transactions for the pool's next user
        connection.close()


def needs_real_commits(request) -> bool:
    return bool(
        request.node.get_closest_marker("real_commits") or {"live_server", "fresh_app"} & set(request.fixturenames)
    )


@contextmanager
def committed_then_deleted(app):
    try:
        yield
    finally:
        delete_rows(app)


@pytest.fixture
def app(session_app, tmp_path, request):
    """The shared app, with this test's own mail folder and fresh in-memory rate limits; the
    settings a test changes are put back, and its rows rolled back (or deleted), when it ends."""
    saved = dict(session_app.config)
    session_app.config["MAIL_DIR"] = str(tmp_path / "mail")
    # The limiter is one object: a test that made an app of its own re-bound it to that app.
    limiter.init_app(session_app)
    limiter.reset()
    isolation = committed_then_deleted if needs_real_commits(request) else rolled_back
    with isolation(session_app):
        yield session_app
    session_app.config.clear()
    session_app.config.update(saved)


@pytest.fixture
def fresh_app(migrated_database, tmp_path):
    """An app of the test's own, for a test that changes what only start-up reads (a route,
    a hook); slower, as its templates compile again."""
    app = make_app(migrated_database, tmp_path)
    limiter.reset()
    yield app
    clear_tables(app)


@pytest.fixture
def csrf_app(app):
    """The app as it runs for real, with CSRF protection on."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


@pytest.fixture(scope="session")
def demo_snapshot(session_app) -> demo_rows.Rows:
    """Every row seed-demo writes, seeded once per test process (and rolled back)."""
    with rolled_back(session_app), session_app.app_context():
        return demo_rows.seed_and_capture()


@pytest.fixture
def demo(app, demo_snapshot) -> str:
    """The demo's content, as seed-demo makes it; the demo accounts' password."""
    with app.app_context():
        demo_rows.restore(demo_snapshot)
    return demo_rows.DEMO_PASSWORD


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """Make users: ``users.make("manager")``. Returns Person records."""

    class Users:
        def make(self, role="parent", **kwargs) -> Person:
            with app.app_context():
                return make_user(role, **kwargs)

    return Users()


class Auth:
    """Signs a test client in and out through the real pages."""

    def __init__(self, client):
        self.client = client

    def sign_in(self, person: Person | str, password: str = PASSWORD, **kwargs):
        email = person.email if isinstance(person, Person) else person
        response = self.client.post("/sign-in", data={"email": email, "password": password}, **kwargs)
        return give_app_code(self.client, response, email)

    def sign_out(self):
        return self.client.post("/sign-out")


@pytest.fixture
def auth(client):
    return Auth(client)


@pytest.fixture
def outbox(app):
    """Read the email the app has queued: ``outbox.messages()``, ``outbox.link_in(message)``."""

    class Outbox:
        def messages(self, recipient: str | None = None, template: str | None = None) -> list[OutboxMessage]:
            with app.app_context():
                query = db.select(OutboxMessage).order_by(OutboxMessage.id)
                if recipient:
                    query = query.where(OutboxMessage.recipient == recipient)
                if template:
                    query = query.where(OutboxMessage.template == template)
                messages = db.session.scalars(query).all()
                db.session.expunge_all()
                return messages

        def last(self, recipient: str | None = None, template: str | None = None) -> OutboxMessage:
            messages = self.messages(recipient, template)
            assert messages, f"no email queued for {recipient or 'anyone'} ({template or 'any template'})"
            return messages[-1]

        @staticmethod
        def link_in(message: OutboxMessage) -> str:
            """The path of the first link to this site in the message."""
            match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
            assert match, f"no link in email: {message.body}"
            return match.group(1)

    return Outbox()


def pytest_sessionfinish(session, exitstatus):
    """In CI nothing may be skipped: a skipped test there is a failed promise."""
    if not os.environ.get("CI"):
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter else 0
    if skipped:
        reporter.write_line(f"CI=true: {skipped} test(s) were skipped, and CI runs everything.", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture
def frozen():
    """Set the council's today: ``frozen(date(2026, 5, 1))``, at noon in London."""
    travellers = []

    def freeze(day: date):
        traveller = time_machine.travel(datetime.combine(day, time(12), tzinfo=LONDON), tick=False)
        traveller.start()
        travellers.append(traveller)

    yield freeze
    for traveller in reversed(travellers):
        traveller.stop()
