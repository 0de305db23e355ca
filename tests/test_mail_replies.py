"""A family's email reply to a case email lands in their case: read from a real IMAP server
(Dovecot, started for each test) by `flask mail fetch`, matched to the case by the signed
token in the address it was sent to, trimmed, its files checked like any upload. What cannot
be added is held for staff, or, for an automatic reply, ignored."""

from datetime import date, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import pytest

from portal.accounts.models import Team
from portal.core.files import EICAR, MAX_FILE_BYTES
from portal.extensions import db
from portal.feedback import reply_address
from portal.feedback.models import Attachment, CaseMessage, InboundMail
from portal.notifications.services import build_email
from tests import imap_server
from tests.casework_helpers import answer_stage_1, category_id, get_case, submit_case
from tests.factories import get_user

MAILBOX = "senar.north@council.example"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(autouse=True)
def context(app, request):
    """The tests read the database between commands, as staff would look at the case; a test
    that requests pages leaves each request its own context."""
    if "client" in request.fixturenames:
        yield
        return
    with app.app_context():
        yield


@pytest.fixture
def inbox(app):
    if not imap_server.installed():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    server = imap_server.start()
    app.config.update(server.settings())
    yield server
    imap_server.stop(server)


@pytest.fixture
def category(app):
    with app.app_context():
        found = category_id("EHC needs assessment", "SENAR North")
        team = db.session.scalar(db.select(Team).where(Team.name == "SENAR North"))
        team.mailbox = MAILBOX
        db.session.commit()
        return found


@pytest.fixture
def caseworker(users):
    return users.make("caseworker", team="SENAR North", email="sam.caseworker@example.org")


def _reply_address(outbox) -> str:
    return outbox.last("jo@example.org", "case_received").reply_to


def _reply(
    to: str, body: str, *, sender="Jo Smith <jo@example.org>", subject="Re: Your complaint", files=(), **headers
):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate()
    message["Message-ID"] = make_msgid(domain="mail.example.org")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    for name, data in files:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message


QUOTED = """Thank you. The letter from the school is attached.

Jo
--
Jo Smith
Sent from my phone

On Fri, 4 Dec 2026 at 10:00, Together We CAN <senar.north@council.example> wrote:
> Dear Jo Smith,
>
> Thank you for your complaint.
"""


def _fetch(runner):
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 0, result.output
    return result.output


def _family_messages(reference: str) -> list[CaseMessage]:
    case = get_case(reference)
    return db.session.scalars(
        db.select(CaseMessage).where(CaseMessage.case_id == case.id, CaseMessage.from_family.is_(True))
    ).all()


def _recorded() -> list[InboundMail]:
    return db.session.scalars(db.select(InboundMail).order_by(InboundMail.id)).all()


def test_a_case_email_says_to_reply_to_an_address_of_its_own_case(app, outbox, category):
    reference = submit_case(app, category)
    address = _reply_address(outbox)
    local, domain = address.split("@")
    assert domain == "council.example" and local.startswith("senar.north+")
    assert f"+{get_case(reference).id}." in local
    assert "You can reply to this email. Your reply goes to the SENAR North team." in outbox.last("jo@example.org").body
    with app.app_context():
        message = outbox.last("jo@example.org")
        assert build_email(message, app.config["MAIL_DEFAULT_SENDER"])["Reply-To"] == address
    # Another case's emails carry another address.
    submit_case(app, category)
    assert _reply_address(outbox) != address


def test_without_a_team_mailbox_replies_go_to_the_default_address(app, outbox):
    app.config["MAIL_REPLY_ADDRESS"] = "cases@council.example"
    with app.app_context():
        no_mailbox = category_id("EHC needs assessment", "SENAR North")
    submit_case(app, no_mailbox)
    assert _reply_address(outbox).startswith("cases+")
    assert _reply_address(outbox).endswith("@council.example")


def test_a_reply_joins_its_case_trimmed_with_its_file_and_the_caseworker_is_told(
    app, runner, inbox, outbox, category, caseworker
):
    reference = submit_case(app, category)
    inbox.deliver(_reply(_reply_address(outbox), QUOTED, files=[("school letter.pdf", PDF)]))

    assert "Added 1 reply(ies) to their case, held 0" in _fetch(runner)

    (message,) = _family_messages(reference)
    assert message.body == "Thank you. The letter from the school is attached.\n\nJo"
    (attachment,) = db.session.scalars(db.select(Attachment).where(Attachment.message_id == message.id)).all()
    assert attachment.filename == "school letter.pdf"
    assert attachment.blob.data == PDF
    told = outbox.last("sam.caseworker@example.org", "caseworker_update")
    assert told.subject == f"{reference}: the family has replied"
    # The family sees their email on their case page.
    (recorded,) = _recorded()
    assert recorded.outcome == InboundMail.ADDED and recorded.case.reference == reference

    # Read again: nothing is added twice.
    assert "Added 0 reply(ies) to their case, held 0" in _fetch(runner)
    assert len(_family_messages(reference)) == 1
    assert len(_recorded()) == 1
    assert inbox.count() == 1  # the mailbox itself is left as it was


def test_a_reply_to_a_closed_case_is_held_and_the_family_told_what_they_can_do(
    app, runner, inbox, outbox, category, caseworker
):
    from portal.casework import services as casework

    reference = submit_case(app, category)
    address = _reply_address(outbox)
    with app.test_request_context():
        case = answer_stage_1(reference, get_user(caseworker))
        casework.close(case, get_user(caseworker))
        db.session.commit()
    inbox.deliver(_reply(address, "I am still not happy with this."))

    assert "held 1 for staff" in _fetch(runner)

    assert len(_family_messages(reference)) == 0
    (recorded,) = _recorded()
    assert (recorded.outcome, recorded.reason) == (InboundMail.HELD, InboundMail.CASE_CLOSED)
    told = outbox.last("jo@example.org", "reply_to_closed_case")
    assert told.subject == f"Your case {reference} is closed"
    assert "This case is closed, so your email has not been added to it." in told.body
    assert "ask for the next stage" in told.body
    assert "give new feedback at http://127.0.0.1:5000/feedback" in told.body
    assert told.headers == {"Auto-Submitted": "auto-replied"}  # an auto-responder will not answer it


def test_a_forged_case_address_adds_nothing(app, runner, inbox, outbox, category):
    first = submit_case(app, category)
    second = submit_case(app, category)
    address = _reply_address(outbox)  # the second case's
    first_id, second_id = get_case(first).id, get_case(second).id
    pointed_elsewhere = address.replace(f"+{second_id}.", f"+{first_id}.")
    made_up = address.split("@")[0].rsplit(".", 1)[0] + "." + "a" * 20 + "@council.example"
    inbox.deliver(_reply(pointed_elsewhere, "Please add this to my other case."))
    inbox.deliver(_reply(made_up, "And this."))

    assert "held 2 for staff" in _fetch(runner)

    assert _family_messages(first) == [] and _family_messages(second) == []
    assert [(row.reason, row.case_id) for row in _recorded()] == [
        (InboundMail.FORGED, None),
        (InboundMail.FORGED, None),
    ]


def test_an_expired_case_address_adds_nothing(app, runner, inbox, outbox, category, frozen):
    frozen(date(2026, 9, 1))
    reference = submit_case(app, category)
    address = _reply_address(outbox)
    frozen(date(2026, 9, 1) + timedelta(days=app.config["MAIL_REPLY_TOKEN_DAYS"] + 1))
    inbox.deliver(_reply(address, "Sorry for the slow reply."))

    assert "held 1 for staff" in _fetch(runner)

    assert _family_messages(reference) == []
    (recorded,) = _recorded()
    assert (recorded.reason, recorded.case.reference) == (InboundMail.EXPIRED, reference)
    # The family hears why, from an email whose own reply address works.
    told = outbox.last("jo@example.org", "reply_address_expired")
    assert "replies to it no longer go into your case" in told.body
    assert reply_address.read(told.reply_to).state == reply_address.VALID


def test_a_case_address_still_works_on_its_last_day(app, runner, inbox, outbox, category, frozen):
    frozen(date(2026, 9, 1))
    reference = submit_case(app, category)
    address = _reply_address(outbox)
    frozen(date(2026, 9, 1) + timedelta(days=app.config["MAIL_REPLY_TOKEN_DAYS"]))
    inbox.deliver(_reply(address, "Just in time."))
    assert "Added 1 reply(ies)" in _fetch(runner)
    assert [message.body for message in _family_messages(reference)] == ["Just in time."]


def test_mail_from_someone_other_than_the_family_is_held(app, runner, inbox, outbox, category):
    reference = submit_case(app, category)
    inbox.deliver(_reply(_reply_address(outbox), "I know about this case.", sender="Someone <someone@else.example>"))

    assert "held 1 for staff" in _fetch(runner)

    assert _family_messages(reference) == []
    (recorded,) = _recorded()
    assert (recorded.reason, recorded.sender) == (InboundMail.UNKNOWN_SENDER, "someone@else.example")


def test_automatic_replies_are_never_added(app, runner, inbox, outbox, category):
    reference = submit_case(app, category)
    address = _reply_address(outbox)
    inbox.deliver(_reply(address, "I am away until Monday.", Auto_Submitted="auto-replied"))
    inbox.deliver(_reply(address, "I am away until Monday.", subject="Out of Office: Your complaint"))
    inbox.deliver(_reply(address, "I am away until Monday.", Precedence="auto_reply"))
    inbox.deliver(_reply(address, "I am away until Monday.", X_Autoreply="yes"))

    assert "ignored 4 automatic reply(ies)" in _fetch(runner)

    assert _family_messages(reference) == []
    assert {(row.outcome, row.reason) for row in _recorded()} == {(InboundMail.IGNORED, InboundMail.AUTO_REPLY)}
    assert outbox.messages("jo@example.org", "reply_to_closed_case") == []


def test_an_email_saying_auto_submitted_no_is_a_persons(app, runner, inbox, outbox, category):
    reference = submit_case(app, category)
    inbox.deliver(_reply(_reply_address(outbox), "Written by me.", Auto_Submitted="no"))
    assert "Added 1 reply(ies)" in _fetch(runner)
    assert [message.body for message in _family_messages(reference)] == ["Written by me."]


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (PDF + EICAR, "The selected file contains a virus"),
        (PDF + b"0" * MAX_FILE_BYTES, "The selected file must be smaller than 10MB"),
    ],
    ids=["infected", "oversized"],
)
def test_a_refused_file_is_left_out_and_the_family_and_caseworker_told(
    app, runner, inbox, outbox, category, caseworker, data, why
):
    reference = submit_case(app, category)
    inbox.deliver(
        _reply(_reply_address(outbox), "Here are two files.", files=[("report.pdf", data), ("letter.pdf", PDF)])
    )

    assert "Added 1 reply(ies)" in _fetch(runner)

    (message,) = _family_messages(reference)
    assert message.body == "Here are two files."
    files = db.session.scalars(db.select(Attachment).where(Attachment.case_id == get_case(reference).id)).all()
    assert [attachment.filename for attachment in files] == ["letter.pdf"]
    (recorded,) = _recorded()
    assert (recorded.outcome, recorded.reason) == (InboundMail.ADDED, InboundMail.FILES_REFUSED)
    assert recorded.note == f"report.pdf: {why}"
    note = db.session.scalar(
        db.select(CaseMessage).where(CaseMessage.case_id == get_case(reference).id, CaseMessage.internal.is_(True))
    )
    assert f"report.pdf: {why}" in note.body
    told = outbox.last("jo@example.org", "reply_files_refused")
    assert f"- report.pdf: {why}." in told.body
    assert outbox.last("sam.caseworker@example.org").subject == f"{reference}: the family has replied"


def test_an_email_with_only_a_refused_file_is_held(app, runner, inbox, outbox, category):
    reference = submit_case(app, category)
    inbox.deliver(_reply(_reply_address(outbox), "", files=[("virus.pdf", PDF + EICAR)]))
    assert "held 1 for staff" in _fetch(runner)
    assert _family_messages(reference) == []
    (recorded,) = _recorded()
    assert recorded.reason == InboundMail.NOTHING_ADDED
    assert "The selected file contains a virus" in recorded.note


def test_a_message_too_large_to_fetch_is_held(app, runner, inbox, outbox, category):
    app.config["MAIL_INBOX_MAX_BYTES"] = 5000
    reference = submit_case(app, category)
    inbox.deliver(_reply(_reply_address(outbox), "A long one.", files=[("big.pdf", PDF + b"0" * 10_000)]))
    assert "held 1 for staff" in _fetch(runner)
    assert _family_messages(reference) == []
    (recorded,) = _recorded()
    assert (recorded.reason, recorded.case.reference) == (InboundMail.TOO_LARGE, reference)


def test_a_message_that_cannot_be_handled_is_held_and_the_others_still_added(
    app, runner, inbox, outbox, category, monkeypatch
):
    from portal.feedback import inbound_mail

    reference = submit_case(app, category)
    address = _reply_address(outbox)
    inbox.deliver(_reply(address, "Breaks the reader.", subject="Broken"))
    inbox.deliver(_reply(address, "An ordinary reply."))
    trim = inbound_mail.reply_text

    def breaks_on_one(message):
        if "Breaks the reader" in message.get_body().get_content():
            raise ValueError("unexpected")
        return trim(message)

    monkeypatch.setattr(inbound_mail, "reply_text", breaks_on_one)
    assert "Added 1 reply(ies) to their case, held 1" in _fetch(runner)
    assert [message.body for message in _family_messages(reference)] == ["An ordinary reply."]
    assert [(row.subject, row.reason) for row in _recorded()] == [
        ("Broken", InboundMail.UNREADABLE),
        ("Re: Your complaint", None),
    ]
    assert "held 0" in _fetch(runner)  # not tried again


def test_with_no_inbox_configured_the_command_says_so(app, runner):
    app.config["MAIL_INBOX_HOST"] = None
    assert _fetch(runner).strip() == "No inbox is configured (set MAIL_INBOX_HOST): no mail was fetched."


def test_a_wrong_password_is_reported_and_fails_the_run(app, runner, inbox):
    app.config["MAIL_INBOX_PASSWORD"] = "wrong"
    result = runner.invoke(args=["mail", "fetch"])
    assert result.exit_code == 1
    assert "The inbox could not be read" in result.output


def test_managers_see_held_mail_with_its_reason(app, client, auth, runner, inbox, outbox, category, users):
    reference = submit_case(app, category)
    inbox.deliver(_reply(_reply_address(outbox), "Hello.", sender="someone@else.example", subject="About the case"))
    with app.app_context():
        _fetch(runner)

    auth.sign_in(users.make("caseworker", team="SENAR North"))
    assert client.get("/manage/held-mail").status_code == 403
    auth.sign_out()
    auth.sign_in(users.make("manager"))
    page = client.get("/manage/cases").get_data(as_text=True)
    assert 'href="/manage/held-mail"' in page
    page = client.get("/manage/held-mail").get_data(as_text=True)
    assert "1 email held" in page
    assert "someone@else.example" in page and "About the case" in page
    assert "Not from the case&#39;s contact email" in page
    assert f'href="/cases/{reference}"' in page


def test_a_representatives_reply_joins_the_case_and_a_withdrawn_ones_is_held(app, runner, inbox, outbox, category):
    from portal.feedback import representation
    from tests.test_representatives import ADVOCATE, ADVOCATE_DETAILS, ADVOCATE_EMAIL

    reference = submit_case(app, category, **ADVOCATE, **ADVOCATE_DETAILS)
    # Before consent the advocate is told how to give it; their reply with the signed form is added.
    address = outbox.last(ADVOCATE_EMAIL, "consent_needed").reply_to
    inbox.deliver(_reply(address, "The family's signed consent is attached.", sender=f"Ana <{ADVOCATE_EMAIL}>"))
    assert "Added 1 reply(ies)" in _fetch(runner)
    assert [message.body for message in _family_messages(reference)] == ["The family's signed consent is attached."]

    representation.withdraw_consent(get_case(reference))
    db.session.commit()
    inbox.deliver(_reply(address, "Any news?", sender=f"Ana <{ADVOCATE_EMAIL}>"))
    assert "held 1 for staff" in _fetch(runner)
    assert _recorded()[-1].reason == InboundMail.UNKNOWN_SENDER


def test_a_reply_to_the_one_notify_address_is_matched_by_the_reference_in_its_subject(
    app, runner, inbox, outbox, category
):
    reference = submit_case(app, category)
    subject = f"Re: We have received your complaint: {reference}"
    inbox.deliver(_reply(MAILBOX, "Thank you, that is right.", subject=subject))
    inbox.deliver(_reply(MAILBOX, "Let me in.", subject=subject, sender="Someone <someone@else.example>"))
    inbox.deliver(_reply(MAILBOX, "Hello?", subject="Re: Your complaint"))

    assert "Added 1 reply(ies)" in _fetch(runner)

    assert [message.body for message in _family_messages(reference)] == ["Thank you, that is right."]
    assert [(row.outcome, row.reason) for row in _recorded()][1:] == [
        (InboundMail.HELD, InboundMail.UNKNOWN_SENDER),
        (InboundMail.HELD, InboundMail.NO_TOKEN),
    ]
