"""Faults driven end to end: Redis unreachable, the database refusing connections or a write
failing half way, and a held lock. (The mail server going down and up again is in
test_mail_faults.py.) Each runs on SQLite and on PostgreSQL, whichever the suite is on."""

import logging

import pytest
import sqlalchemy as sa

from portal.extensions import db, limiter
from portal.feedback.models import Case, FeedbackDraft
from portal.notifications.models import OutboxMessage
from tests.conftest import clear_tables, make_app
from tests.factories import give_app_code, make_user
from tests.feedback_helpers import make_category, submit, upload_evidence, walk
from tests.test_security import page

# Nothing listens here: connections are refused at once.
DEAD_REDIS = "redis://127.0.0.1:9/0"
DEAD_DATABASE = "postgresql+psycopg://postgres@127.0.0.1:9/test"


@pytest.fixture
def app_with(migrated_database, tmp_path):
    """Build an app on the test database with other settings; its rows are cleared after."""
    made = []

    def build(**config):
        made.append(make_app(migrated_database, tmp_path, **config))
        forget_counts()
        return made[-1]

    yield build
    forget_counts()
    if made:
        clear_tables(made[0])


def forget_counts():
    import redis

    try:
        limiter.reset()
    except redis.exceptions.ConnectionError:  # the limiter is on the unreachable Redis: nothing to forget
        pass


def sign_in(client, person, address="203.0.113.10"):
    return client.post(
        "/sign-in", data={"email": person.email, "password": person.password}, environ_base={"REMOTE_ADDR": address}
    )


# --- Redis unreachable --------------------------------------------------------------------


def test_with_redis_down_sign_in_works_on_per_process_limits_and_healthz_says_so(app_with, caplog):
    app = app_with(REDIS_URL=DEAD_REDIS, RATELIMIT_STORAGE_URI=DEAD_REDIS, SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        person = make_user("parent")
    client = app.test_client()

    with caplog.at_level(logging.WARNING, logger="flask-limiter"):
        assert sign_in(client, person).status_code == 302
    assert "falling back to in-memory storage" in caplog.text

    # Password reset, tracking and registration answer too, and a family can start their
    # feedback and add evidence (limits the views count themselves).
    other = app.test_client()
    assert other.post("/forgotten-password", data={"email": person.email}).status_code == 302
    assert other.post("/track", data={"reference": "CAN-2026-00001", "contact": "jo@example.org"}).status_code == 302
    family = app.test_client()
    assert family.post("/feedback/begin").status_code == 302
    assert upload_evidence(family, "letter.pdf", b"%PDF-1.4 a letter").status_code == 302

    # The limits still hold, counted in this process.
    guesser = app.test_client()
    for n in range(2):
        guesser.post(
            "/sign-in",
            data={"email": person.email, "password": "wrong"},
            environ_base={"REMOTE_ADDR": f"198.51.100.{n}"},
        )
    assert sign_in(guesser, person, "198.51.100.50").status_code == 429

    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json == {"status": "unavailable", "database": "reachable", "redis": "unreachable"}


def test_healthz_reports_redis_when_it_answers(app_with):
    from tests.test_security import REDIS_URI, redis_or_skip

    redis_or_skip()
    app = app_with(REDIS_URL=REDIS_URI)
    health = app.test_client().get("/healthz")
    assert health.status_code == 200
    assert health.json == {"status": "ok", "database": "reachable", "redis": "reachable"}


# --- the database refusing connections ---------------------------------------------------


def assert_unavailable_page(response):
    assert response.status_code == 503
    text = page(response).text
    assert "Sorry, the service is unavailable" in text
    assert "Nothing you sent was saved" in text
    assert response.headers["Retry-After"]


def test_with_the_database_down_every_page_says_nothing_was_saved(app, tmp_path):
    with app.app_context():
        person = make_user("caseworker")
    working = app.test_client()
    assert give_app_code(working, sign_in(working, person), person.email).status_code == 302
    cookie = working.get_cookie("twc_session").value

    broken = make_app(DEAD_DATABASE, tmp_path, PROPAGATE_EXCEPTIONS=False, DATABASE_CONNECT_TIMEOUT_S=2)
    anonymous = broken.test_client()
    for path in ("/consultations", "/you-said-we-did", "/updates", "/track/open/some-link", "/reports/complaints"):
        assert_unavailable_page(anonymous.get(path))
    # A page that needs nothing from the database still serves: the start of the feedback form
    # and the contact page stay useful, and the phone number is on them.
    assert anonymous.get("/contact").status_code == 200
    assert_unavailable_page(anonymous.post("/sign-in", data={"email": person.email, "password": person.password}))
    assert_unavailable_page(anonymous.post("/feedback/begin"))

    signed_in = broken.test_client()
    signed_in.set_cookie("twc_session", cookie)
    for path in ("/", "/cases", "/account", "/consultations"):
        assert_unavailable_page(signed_in.get(path))

    health = anonymous.get("/healthz")
    assert health.status_code == 503
    assert health.json["database"] == "unreachable"


def test_a_write_that_fails_half_way_leaves_no_half_written_rows(app, client):
    """The database goes away while a family sends their feedback: the case, its routing and
    its email are one transaction, so nothing is kept, the answers wait in the draft, and
    sending again makes exactly one case."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with app.app_context():
        category = make_category()
    walk(client, category)

    def refuse_outbox_writes(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("INSERT INTO OUTBOX_MESSAGE"):
            raise sa.exc.OperationalError(statement, parameters, ConnectionRefusedError("server closed the connection"))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", refuse_outbox_writes)
    try:
        assert_unavailable_page(submit(client))
    finally:
        sa.event.remove(engine, "before_cursor_execute", refuse_outbox_writes)

    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
        draft = db.session.scalars(sa.select(FeedbackDraft)).one()
        assert draft.case_id is None
        assert draft.answers["what_happened"]

    assert submit(client).headers["Location"] == "/feedback/confirmation"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Case.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) >= 1


# --- a held lock -----------------------------------------------------------------------------


def hold_a_lock_on_cases(engine: sa.Engine):
    """Another connection holds a lock that every read or write of cases must wait for."""
    connection = engine.connect()
    if engine.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN EXCLUSIVE")
    else:
        connection.exec_driver_sql("BEGIN")
        connection.exec_driver_sql("LOCK TABLE feedback_case IN ACCESS EXCLUSIVE MODE")
    return connection


def test_a_held_lock_gives_a_try_again_page_not_a_hang(app_with):
    app = app_with(DATABASE_LOCK_TIMEOUT_MS=300, SQLITE_BUSY_TIMEOUT_S=0.3, PROPAGATE_EXCEPTIONS=False)
    client = app.test_client()
    with app.app_context():
        lock = hold_a_lock_on_cases(db.engine)
    try:
        response = client.post("/track", data={"reference": "CAN-2026-00001", "contact": "jo@example.org"})
        assert_unavailable_page(response)
    finally:
        lock.rollback()
        lock.close()
    # Once the lock is gone the same request goes through.
    response = client.post("/track", data={"reference": "CAN-2026-00001", "contact": "jo@example.org"})
    assert response.headers["Location"] == "/track/check-your-email"
