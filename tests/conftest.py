"""Fixtures shared by every test.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.
The schema is built once per run through the Alembic migrations; each test gets a new
app and its rows are deleted afterwards, so tests never see each other's data.
"""

import os
import re

import flask_migrate
import pytest
import sqlalchemy as sa

from config import database_url as normalise_database_url
from portal import create_app
from portal.extensions import db, limiter
from portal.notifications.models import OutboxMessage
from tests.factories import PASSWORD, Person, make_user


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return normalise_database_url(url)
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


def clear_tables(app) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as connection:
            for table in reversed(db.metadata.sorted_tables):
                connection.execute(table.delete())
        db.engine.dispose()


@pytest.fixture
def app(migrated_database, tmp_path):
    app = make_app(migrated_database, tmp_path)
    limiter.reset()
    yield app
    clear_tables(app)


@pytest.fixture
def csrf_app(migrated_database, tmp_path):
    """The app as it runs for real, with CSRF protection on."""
    app = make_app(migrated_database, tmp_path, WTF_CSRF_ENABLED=True)
    limiter.reset()
    yield app
    clear_tables(app)


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
        return self.client.post("/sign-in", data={"email": email, "password": password}, **kwargs)

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
