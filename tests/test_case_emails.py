"""Every email about a case opens it in one tap, says honestly how to reply, and reads well:
a greeting, a blank line, then the words, then the link."""

import re

import pytest

from portal.accounts.models import Team
from portal.extensions import db
from portal.notifications.services import build_email
from tests.casework_helpers import answer_stage_1, category_id, get_case, submit_case
from tests.factories import get_user


@pytest.fixture
def category(app):
    with app.app_context():
        return category_id("EHC needs assessment", "SENAR North")


def _open_link(body: str) -> str:
    found = re.search(r"http://127\.0\.0\.1:5000(/my-cases/[A-Z0-9-]+/open/\S+)", body)
    assert found, body
    return found.group(1)


def _family_emails(outbox):
    return [message for message in outbox.messages("jo@example.org")]


def test_every_email_about_a_case_opens_it_in_one_tap(app, outbox, category, users):
    caseworker = users.make("caseworker", team="SENAR North")
    reference = submit_case(app, category)
    with app.test_request_context():
        answer_stage_1(reference, get_user(caseworker))  # an acknowledgement, then the response
        db.session.commit()
    emails = _family_emails(outbox)
    # The response closes stage 1, so the family is asked how it was handled, too.
    assert [message.template for message in emails] == [
        "case_received",
        "caseworker_reply",
        "caseworker_reply",
        "satisfaction_survey",
    ]
    links = [_open_link(message.body) for message in emails]
    assert len(set(links)) == 4  # each email its own link
    for link in links:
        phone = app.test_client()  # the family's phone, never used on this case before
        opened = phone.get(link)
        assert opened.headers["Location"] == f"/my-cases/{reference}"
        page = phone.get(opened.headers["Location"])
        assert page.status_code == 200 and "Stage 1 response" in page.get_data(as_text=True)


def test_a_link_names_its_case_and_opens_no_other(app, outbox, category):
    first = submit_case(app, category)
    second = submit_case(app, category)
    link = _open_link(outbox.last("jo@example.org", "case_received").body)
    assert second in link
    forged = link.replace(second, first)
    stranger = app.test_client()
    assert stranger.get(forged).headers["Location"] == f"/track?reference={first}"
    assert stranger.get(f"/my-cases/{first}").status_code == 404
    # The real link still works: trying it on the wrong case did not use it up.
    assert stranger.get(link).headers["Location"] == f"/my-cases/{second}"


def _team_id(app, name="SENAR North") -> int:
    with app.app_context():
        return db.session.scalar(db.select(Team.id).where(Team.name == name))


def test_a_teams_mailbox_is_where_replies_go_and_the_email_says_so(app, client, auth, outbox, category, users):
    auth.sign_in(users.make("manager"))
    team = _team_id(app)
    refused = client.post(f"/manage/routing/teams/{team}", data={"lead": "none", "mailbox": "senar north"})
    assert "Enter an email address in the correct format" in refused.get_data(as_text=True)
    assert 'value="senar north"' in refused.get_data(as_text=True)
    saved = client.post(f"/manage/routing/teams/{team}", data={"lead": "none", "mailbox": "SENAR.North@example.org"})
    assert saved.status_code == 302
    assert "senar.north@example.org" in client.get("/manage/routing").get_data(as_text=True)

    submit_case(app, category)
    message = outbox.last("jo@example.org", "case_received")
    # The team's mailbox, plus-addressed with a token that names the case (test_mail_replies).
    local, domain = message.reply_to.split("@")
    assert local.startswith("senar.north+") and domain == "example.org"
    assert "You can reply to this email. Your reply goes to the SENAR North team." in message.body
    assert "do not reply" not in message.body
    with app.app_context():
        email = build_email(message, app.config["MAIL_DEFAULT_SENDER"])
    assert email["Reply-To"] == message.reply_to
    assert email["From"] == app.config["MAIL_DEFAULT_SENDER"]


def test_without_a_team_mailbox_the_email_says_how_to_reply_instead(app, outbox, category):
    submit_case(app, category)
    message = outbox.last("jo@example.org", "case_received")
    assert message.reply_to is None
    assert "Please do not reply to this email: replies to it are not read." in message.body
    assert "open your case with the link above" in message.body
    with app.app_context():
        assert build_email(message, app.config["MAIL_DEFAULT_SENDER"])["Reply-To"] is None


def test_emails_read_well_greeting_first_then_a_blank_line_and_full_sentences(app, outbox, category, users):
    caseworker = users.make("caseworker", team="SENAR North")
    reference = submit_case(app, category)
    with app.test_request_context():
        answer_stage_1(reference, get_user(caseworker))
        db.session.commit()
    received, acknowledgement, response, asked = _family_emails(outbox)
    assert received.body.startswith("Dear Jo Smith,\n\nThank you for your complaint.")
    assert "working days of that. It has gone to the SENAR North team.\n" in received.body
    # The acknowledgement brings its own greeting: it is not greeted twice.
    assert acknowledgement.body.startswith("Dear Jo Smith,\n\nThank you for your complaint. I am ")
    assert acknowledgement.body.count("Dear Jo Smith") == 1
    # The response: the greeting comes before the finding.
    assert response.body.startswith("Dear Jo Smith,\n\nStage 1 response")
    assert response.body.index("Dear Jo Smith") < response.body.index("Our finding")
    assert asked.body.startswith("Dear Jo Smith,\n\nWe have sent you our response at stage 1")
    for message in (received, acknowledgement, response, asked):
        assert "\n\n\n" not in message.body
        # No sentences run together; links are left out, since a signed token may hold "w.S".
        prose = re.sub(r"https?://\S+", "", message.body)
        assert not re.search(r"[a-z]\.[A-Z]", prose), message.body
        assert "reply and tell us" not in message.body


def test_an_escalation_email_opens_the_case_too(app, client, auth, outbox, category, users):
    caseworker = users.make("caseworker", team="SENAR North")
    users.make("manager", team="SENAR North")
    parent = users.make("parent", email="jo@example.org")
    reference = submit_case(app, category, user=parent)
    with app.test_request_context():
        answer_stage_1(reference, get_user(caseworker))
        db.session.commit()
    auth.sign_in(parent)
    assert client.post(f"/my-cases/{reference}/escalate", data={"reason": ""}).status_code == 302
    with app.app_context():
        assert get_case(reference).stage == 2
    link = _open_link(outbox.last("jo@example.org", "case_escalated").body)
    assert app.test_client().get(link).headers["Location"] == f"/my-cases/{reference}"
