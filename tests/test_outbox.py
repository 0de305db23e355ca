"""Email goes through the outbox: saved with the change that caused it, delivered over a
real SMTP conversation, and marked sent only once the server accepted it."""

import socket
from email import message_from_bytes

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from portal.extensions import db
from portal.notifications.models import OutboxMessage
from portal.notifications.services import queue_email


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
            queue_email(f"family{number}@example.org", f"Message {number}", template, user=user, link="http://x/y", hours=1)
        db.session.commit()


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
    assert "Dear Mo Parent" in first.get_payload(decode=True).decode()
    assert statuses(app) == [("sent", 1), ("sent", 1)]

    # Running again sends nothing twice.
    runner.invoke(args=["outbox", "send"])
    assert len(server.received) == 2


def test_refused_mail_stays_pending_then_fails_after_max_attempts(app, runner, smtp_server):
    smtp_server(Recorder(refuse=True))
    app.config["MAIL_MAX_ATTEMPTS"] = 2
    queue(app)
    first = runner.invoke(args=["outbox", "send"])
    assert "to retry 1" in first.output
    assert statuses(app) == [("pending", 1)]
    with app.app_context():
        error = db.session.scalar(db.select(OutboxMessage.last_error))
    assert "451" in error and "family0@example.org" not in error

    runner.invoke(args=["outbox", "send"])
    assert statuses(app) == [("failed", 2)]


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
    (recipients, message), = server.received
    assert recipients == [person.email]
    assert "/reset-password/" in message.get_payload(decode=True).decode()
