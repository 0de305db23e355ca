"""Email goes through the outbox: saved with the change that caused it, delivered over a
real SMTP conversation, and marked sent only once the server accepted it."""

import re
import socket
from datetime import datetime, timedelta, timezone
from email import message_from_bytes

import flask_migrate
import pytest
import sqlalchemy as sa
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.services import clean_subject, queue_email, send_pending
from tests.query_counts import count_queries

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


class Recorder:
    """An SMTP server's handler that keeps what it accepts, or refuses everything."""

    def __init__(self, refuse: bool = False):
        self.refuse = refuse
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return "451 Requested action aborted: local error in processing"
        self.received.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(app):
    """A real SMTP server on localhost, and the app pointed at it."""

    def start(handler, **controller_options):
        port = free_port()
        controller = Controller(handler, hostname="127.0.0.1", port=port, **controller_options)
        controller.start()
        servers.append(controller)
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port)
        return handler

    servers: list[Controller] = []
    yield start
    for controller in servers:
        controller.stop()


def queue(app, count=1, template="password_reset"):
    with app.test_request_context():
        from portal.accounts.models import User

        user = User(name="Mo Parent", email="mo@example.org", role="parent")
        for number in range(count):
            queue_email(
                f"family{number}@example.org", f"Message {number}", template, user=user, link="http://x/y", hours=1
            )
        db.session.commit()


def part(email, subtype: str = "plain") -> str:
    """The text of the email's text/<subtype> part."""
    (found,) = [piece for piece in email.walk() if piece.get_content_type() == f"text/{subtype}"]
    return found.get_payload(decode=True).decode()


def statuses(app):
    with app.app_context():
        return db.session.execute(
            db.select(OutboxMessage.status, OutboxMessage.attempts).order_by(OutboxMessage.id)
        ).all()


def test_queued_mail_is_sent_only_when_the_transaction_commits(app):
    with app.test_request_context():
        from portal.accounts.models import User

        queue_email("a@example.org", "Hello", "youth_approved", user=User(name="A"), sign_in_url="http://x")
        db.session.rollback()
    assert statuses(app) == []


def test_outbox_send_delivers_over_smtp_and_marks_sent(app, runner, smtp_server):
    server = smtp_server(Recorder())
    queue(app, count=2)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 2" in result.output

    assert [recipients for recipients, _ in server.received] == [["family0@example.org"], ["family1@example.org"]]
    first = server.received[0][1]
    assert first["Subject"] == "Message 0"
    assert first["From"] == app.config["MAIL_DEFAULT_SENDER"]
    assert first.get_content_type() == "multipart/alternative"
    assert "Dear Mo Parent" in part(first)
    # The HTML part says the same, with its address as a working link.
    assert "Dear Mo Parent" in part(first, "html")
    assert '<a href="http://x/y">http://x/y</a>' in part(first, "html")
    assert statuses(app) == [("sent", 1), ("sent", 1)]

    # Running again sends nothing twice.
    runner.invoke(args=["outbox", "send"])
    assert len(server.received) == 2


def message_row(app):
    """The one message's delivery record."""
    with app.app_context():
        return db.session.execute(
            db.select(
                OutboxMessage.status,
                OutboxMessage.attempts,
                OutboxMessage.last_attempt_at,
                OutboxMessage.next_attempt_at,
                OutboxMessage.last_error,
            )
        ).one()


def now():
    return datetime.now(timezone.utc)


def test_refused_mail_is_tried_again_later_and_fails_only_after_a_day(app, runner, smtp_server):
    smtp_server(Recorder(refuse=True))
    with time_machine.travel(START, tick=False) as clock:
        queue(app)
        first = runner.invoke(args=["outbox", "send"])
        assert "to retry 1" in first.output
        row = message_row(app)
        assert (row.status, row.attempts) == ("pending", 1)
        assert "451" in row.last_error and "family0@example.org" not in row.last_error
        assert row.next_attempt_at == START + timedelta(minutes=1)

        # Not tried again before its time.
        clock.shift(timedelta(seconds=50))
        assert "Sent 0, to retry 0, failed 0" in runner.invoke(args=["outbox", "send"]).output
        assert message_row(app).attempts == 1

        # Cron every 10 minutes for most of a day: each wait doubles, up to 4 hours, and the
        # message never fails before it has been failing for 24 hours.
        waits = [timedelta(minutes=1)]
        while now() + timedelta(minutes=10) < START + timedelta(hours=24):
            clock.shift(timedelta(minutes=10))
            with app.app_context():
                counts = send_pending()
            assert counts["failed"] == 0 and counts["sent"] == 0
            if counts["retry"]:
                row = message_row(app)
                waits.append(row.next_attempt_at - row.last_attempt_at)
        minutes = [int(wait.total_seconds() // 60) for wait in waits]
        assert minutes[:9] == [1, 2, 4, 8, 16, 32, 64, 128, 240]
        assert set(minutes[9:]) == {240}
        assert message_row(app).status == "pending"

        clock.shift(timedelta(hours=4))
        assert "failed 1" in runner.invoke(args=["outbox", "send"]).output
        row = message_row(app)
        assert row.status == "failed" and row.next_attempt_at is None
        assert row.attempts == len(waits) + 1
        assert "451" in row.last_error and "24 hours" in row.last_error


class RefusesOneRecipient(Recorder):
    """Says at RCPT that one address does not exist (a permanent 550)."""

    def __init__(self, unknown: str):
        super().__init__()
        self.unknown = unknown

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == self.unknown:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_recipient_refused_for_good_fails_at_once_and_the_rest_still_go(app, runner, smtp_server):
    server = smtp_server(RefusesOneRecipient("family0@example.org"))
    queue(app, count=2)
    result = runner.invoke(args=["outbox", "send"])
    assert "Sent 1, to retry 0, failed 1" in result.output
    assert statuses(app) == [("failed", 1), ("sent", 1)]
    assert [recipients for recipients, _ in server.received] == [["family1@example.org"]]
    with app.app_context():
        error = db.session.scalar(db.select(OutboxMessage.last_error).where(OutboxMessage.status == "failed"))
    assert error == "recipient refused (550)"


def test_unreachable_server_keeps_mail_pending(app, runner):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    queue(app)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0
    assert statuses(app) == [("pending", 1)]


def test_smtp_login_is_used_when_configured(app, runner, smtp_server):
    seen = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        seen.append((mechanism, auth_data.login, auth_data.password))
        ok = isinstance(auth_data, LoginPassword) and auth_data.password == b"mail-secret"
        return AuthResult(success=ok)

    server = smtp_server(Recorder(), authenticator=authenticator, auth_require_tls=False)
    app.config.update(MAIL_USERNAME="portal", MAIL_PASSWORD="mail-secret")
    queue(app)
    runner.invoke(args=["outbox", "send"])
    assert seen and seen[0][1:] == (b"portal", b"mail-secret")
    assert len(server.received) == 1


def test_without_a_mail_server_mail_is_written_to_files(app, runner, tmp_path):
    queue(app)
    result = runner.invoke(args=["outbox", "send"])
    assert "Sent 1" in result.output
    files = list((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 1
    written = message_from_bytes(files[0].read_bytes())
    assert written["To"] == "family0@example.org"
    assert statuses(app) == [("sent", 1)]


def test_a_password_reset_request_reaches_the_mail_server(app, client, runner, smtp_server, users):
    server = smtp_server(Recorder())
    person = users.make()
    client.post("/forgotten-password", data={"email": person.email})
    runner.invoke(args=["outbox", "send"])
    ((recipients, message),) = server.received
    assert recipients == [person.email]
    assert "/reset-password/" in part(message)


# --- a message that cannot be built ----------------------------------------------------------


def test_subjects_are_cleaned_into_one_line_that_fits_when_queued(app, outbox):
    assert clean_subject("Your case\r\nBcc: someone@example.org") == "Your case Bcc: someone@example.org"
    assert clean_subject("  Tabs\tand\x00nulls\u2028and separators  ") == "Tabs and nulls and separators"
    assert len(clean_subject("word " * 100)) <= 200
    with app.test_request_context():
        from portal.accounts.models import User

        queue_email("a@example.org", "Hello\nthere", "youth_approved", user=User(name="A"), sign_in_url="http://x")
        db.session.commit()
    assert outbox.last().subject == "Hello there"


def add_raw_message(app, subject: str, body: str | None = "Plain words") -> None:
    """A message written straight into the table, as a bug elsewhere might, without queue_email."""
    with app.app_context():
        db.session.add(
            OutboxMessage(recipient="odd@example.org", subject=subject, body=body, template="password_reset")
        )
        db.session.commit()


def test_a_message_that_cannot_be_built_fails_and_the_rest_still_go(app, runner, smtp_server):
    server = smtp_server(Recorder())
    add_raw_message(app, "Broken\nBcc: everyone@example.org")
    queue(app)
    result = runner.invoke(args=["outbox", "send"])
    assert result.exit_code == 0, result.output
    assert "Sent 1, to retry 0, failed 1" in result.output
    assert statuses(app) == [("failed", 1), ("sent", 1)]
    with app.app_context():
        error = db.session.scalar(db.select(OutboxMessage.last_error).where(OutboxMessage.status == "failed"))
    assert error.startswith("The email could not be built: ValueError")
    assert [recipients for recipients, _ in server.received] == [["family0@example.org"]]

    # Later runs are not stopped by it either.
    queue(app)
    assert "Sent 1, to retry 0, failed 0" in runner.invoke(args=["outbox", "send"]).output


def test_a_body_no_key_can_decrypt_fails_that_message_only(app, runner, smtp_server):
    server = smtp_server(Recorder())
    add_raw_message(app, "Unreadable")
    with app.app_context():
        db.session.execute(sa.text("UPDATE outbox_message SET body = 'not a Fernet token'"))
        db.session.commit()
    queue(app)
    result = runner.invoke(args=["outbox", "send"])
    assert "Sent 1, to retry 0, failed 1" in result.output
    with app.app_context():
        error = db.session.scalar(db.select(OutboxMessage.last_error).where(OutboxMessage.status == "failed"))
    assert "UnreadableBody" in error
    assert len(server.received) == 1


# --- outbox retry ------------------------------------------------------------------------------


def fail_everything(app):
    with app.app_context():
        db.session.execute(
            sa.update(OutboxMessage).values(status="failed", attempts=14, next_attempt_at=None, last_error="451 down")
        )
        db.session.commit()


def test_outbox_retry_puts_failed_mail_back_in_the_queue(app, runner, smtp_server):
    server = smtp_server(Recorder())
    queue(app, count=2)
    fail_everything(app)
    result = runner.invoke(args=["outbox", "retry"])
    assert result.exit_code == 0 and "Queued 2 failed messages to send again" in result.output
    assert statuses(app) == [("pending", 0), ("pending", 0)]
    assert "Sent 2" in runner.invoke(args=["outbox", "send"]).output
    assert len(server.received) == 2


def test_outbox_retry_can_take_one_message(app, runner):
    queue(app, count=2)
    fail_everything(app)
    with app.app_context():
        second = db.session.scalars(db.select(OutboxMessage.id).order_by(OutboxMessage.id)).all()[1]
    result = runner.invoke(args=["outbox", "retry", "--id", str(second)])
    assert "Queued 1 failed message to send again" in result.output
    assert statuses(app) == [("failed", 14), ("pending", 0)]

    again = runner.invoke(args=["outbox", "retry", "--id", str(second)])
    assert again.exit_code != 0 and f"There is no failed message with the id {second}" in again.output


# --- bodies at rest ----------------------------------------------------------------------------


def raw_bodies(app) -> list[str | None]:
    with app.app_context():
        return db.session.execute(sa.text("SELECT body FROM outbox_message ORDER BY id")).scalars().all()


def test_a_reset_link_is_stored_encrypted_and_erased_once_sent(app, client, runner, outbox, users):
    person = users.make()
    client.post("/forgotten-password", data={"email": person.email})
    message = outbox.last(person.email, "password_reset")
    token = outbox.link_in(message).rsplit("/", 1)[-1]
    assert len(token) > 20

    (stored,) = raw_bodies(app)
    assert token not in stored and person.name not in stored and "reset" not in stored.lower()
    assert stored.startswith("gAAAAA")  # a Fernet token

    runner.invoke(args=["outbox", "send"])
    assert raw_bodies(app) == [None]
    sent = outbox.last(person.email, "password_reset")
    assert (sent.status, sent.subject, sent.attempts) == ("sent", "Reset your Together We CAN password", 1)
    assert sent.sent_at is not None and sent.body is None


def test_bodies_use_the_configured_keys_and_read_after_a_rotation(app, outbox):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["OUTBOX_ENCRYPTION_KEY"] = old
    queue(app)
    (under_old,) = raw_bodies(app)
    assert Fernet(old).decrypt(under_old.encode())

    # The new key goes first; the old one stays until nothing sealed with it is left.
    app.config["OUTBOX_ENCRYPTION_KEY"] = f"{new}, {old}"
    queue(app)
    under_old, under_new = raw_bodies(app)
    assert Fernet(new).decrypt(under_new.encode())
    assert all("Dear Mo Parent" in message.body for message in outbox.messages())


# --- the administrators' page ----------------------------------------------------------------


def test_only_administrators_see_the_outbox(client, auth, users):
    assert client.get("/admin/outbox").status_code == 302
    auth.sign_in(users.make("manager"))
    assert client.get("/admin/outbox").status_code == 403


def set_states(app, *states):
    with app.app_context():
        ids = db.session.scalars(db.select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
        for message_id, state in zip(ids, states, strict=True):
            db.session.get(OutboxMessage, message_id).status = state
        db.session.commit()


def test_the_outbox_page_counts_and_filters_by_state_and_never_shows_a_body(app, client, auth, users):
    queue(app, count=4)
    set_states(app, "pending", "sent", "failed", "failed")
    auth.sign_in(users.make("admin"))

    page = client.get("/admin/outbox").get_data(as_text=True)
    assert 'href="/admin/outbox"' in page  # in the administrators' navigation
    assert "Dear Mo Parent" not in page and "http://x/y" not in page
    assert "4 emails, newest first" in page
    for label, count in (("Waiting to send", "1 email"), ("Sent", "1 email"), ("Failed", "2 emails")):
        assert re.search(rf">\s*{label}\s*</dt>\s*<dd[^>]*>\s*{count}\s*<", page), label
    assert re.search(r'govuk-tag--red">\s*Failed\s*<', page)  # the tag says the state in words
    assert "Password reset" in page and "family3@example.org" in page

    failed = client.get("/admin/outbox?state=failed").get_data(as_text=True)
    assert "2 emails that failed, newest first" in failed
    assert "Message 2" in failed and "Message 3" in failed
    assert "Message 0" not in failed and "Message 1" not in failed

    assert client.get("/admin/outbox?state=nonsense").status_code == 200


def test_the_outbox_page_pages_its_rows_with_a_fixed_number_of_queries(app, client, auth, users):
    auth.sign_in(users.make("admin"))
    queue(app, count=3)
    few = count_queries(app, client, "/admin/outbox")
    queue(app, count=60)
    many = count_queries(app, client, "/admin/outbox")
    assert many == few
    first = client.get("/admin/outbox").get_data(as_text=True)
    assert "63 emails" in first and "Message 59" in first and ">Message 2<" not in first
    second = client.get("/admin/outbox?page=2").get_data(as_text=True)
    assert ">Message 2<" in second and "Message 59" not in second


@pytest.mark.real_commits
def test_the_migration_encrypts_waiting_bodies_and_erases_sent_ones(app, outbox):
    insert = sa.text(
        "INSERT INTO outbox_message (created_at, recipient, subject, body, template, status, attempts)"
        " VALUES (:at, :to, 'Hello', :body, 'password_reset', :status, 0)"
    )
    with app.app_context():
        flask_migrate.downgrade(revision="0008_outcomes_without_a_finding")
        try:
            with db.engine.begin() as connection:
                for status in ("pending", "sent", "failed"):
                    connection.execute(
                        insert,
                        {"at": START, "to": f"{status}@example.org", "body": f"Token for {status}", "status": status},
                    )
        finally:
            flask_migrate.upgrade()
            db.engine.dispose()
    pending_raw, sent_raw, failed_raw = raw_bodies(app)
    assert sent_raw is None
    assert "Token" not in pending_raw and "Token" not in failed_raw
    assert [message.body for message in outbox.messages()] == ["Token for pending", None, "Token for failed"]
    assert outbox.last("pending@example.org").next_attempt_at is not None

    with app.app_context():
        flask_migrate.downgrade(revision="0008_outcomes_without_a_finding")
        try:
            with db.engine.connect() as connection:
                plain = connection.execute(sa.text("SELECT body FROM outbox_message ORDER BY id")).scalars().all()
        finally:
            flask_migrate.upgrade()
            db.engine.dispose()
    assert plain == ["Token for pending", "", "Token for failed"]
