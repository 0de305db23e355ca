"""Consultation alerts: who is told of an opening, a closing date with unsent answers and a
published outcome (each once), the Monday digest, choosing alerts, and the one-click
unsubscribe that needs no signing in."""

from datetime import date, timedelta

import pytest
from itsdangerous import URLSafeSerializer

from portal.accounts import roles
from portal.consultations import models as m
from portal.consultations.alerts import TOKEN_SALT, save_choice
from portal.extensions import db
from portal.notifications.services import build_email
from tests.factories import get_user
from tests.test_consultations_moderation import OUTCOME, consultation, respond

MONDAY = date(2026, 11, 30)
WEDNESDAY = date(2026, 12, 2)
ALERT_TEMPLATES = (
    "consultation_opened",
    "consultation_closing_soon",
    "consultation_outcome",
    "consultation_alert_digest",
)


def choose(app, person, *kinds, frequency=m.AT_ONCE):
    with app.app_context():
        save_choice(get_user(person), set(kinds), frequency)
        db.session.commit()


def send_alerts(runner) -> str:
    result = runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output
    return result.output


def alert_mail(outbox) -> list[tuple[str, str]]:
    return [
        (message.recipient, message.template) for message in outbox.messages() if message.template in ALERT_TEMPLATES
    ]


def test_an_opening_is_told_once_to_those_in_the_audience_who_asked(app, users, runner, outbox, frozen):
    frozen(WEDNESDAY)
    parent, other_parent, youth, waiting_youth, silent_parent = (
        users.make(roles.PARENT),
        users.make(roles.PARENT),
        users.make(roles.YOUTH),
        users.make(roles.YOUTH, approved=False),
        users.make(roles.PARENT),
    )
    for person in (parent, other_parent, youth, waiting_youth):
        choose(app, person, m.OPENING)
    choose(app, silent_parent, m.OUTCOME)
    consultation(app, title="Short breaks", audience=m.PARENTS)
    consultation(app, title="Youth club", audience=m.YOUTH_FORUM)
    consultation(app, title="Later", audience=m.EVERYONE, state=m.UPCOMING)

    assert "Queued 3 opening" in send_alerts(runner)
    assert sorted(alert_mail(outbox)) == sorted(
        [
            (parent.email, "consultation_opened"),
            (other_parent.email, "consultation_opened"),
            (youth.email, "consultation_opened"),
        ]
    )
    told = outbox.last(parent.email)
    assert told.subject == "Now open: \u201cShort breaks\u201d"
    assert "/consultations/short-breaks" in told.body

    send_alerts(runner)
    assert len(alert_mail(outbox)) == 3


def test_closing_soon_is_told_only_to_those_with_unsent_answers(app, users, runner, outbox, frozen):
    frozen(WEDNESDAY)
    drafting, sent, no_alerts = users.make(), users.make(), users.make()
    for person in (drafting, sent):
        choose(app, person, m.CLOSING_SOON)
    closing = consultation(app, title="Closing", closes_on=WEDNESDAY + timedelta(days=3))
    later = consultation(app, title="Later", closes_on=WEDNESDAY + timedelta(days=4))
    respond(app, closing, drafting, submitted=False)
    respond(app, later, drafting, submitted=False)
    respond(app, closing, sent, submitted=True)
    respond(app, closing, no_alerts, submitted=False)

    send_alerts(runner)
    send_alerts(runner)
    assert alert_mail(outbox) == [(drafting.email, "consultation_closing_soon")]
    assert "Closing" in outbox.last(drafting.email).subject


def test_a_weekly_digest_gathers_the_weeks_alerts_into_one_email_on_monday(app, users, runner, outbox, frozen):
    weekly = users.make()
    choose(app, weekly, m.OPENING, m.CLOSING_SOON, frequency=m.WEEKLY)
    frozen(WEDNESDAY)
    consultation(app, title="First", audience=m.PARENTS)
    second = consultation(app, title="Second", audience=m.PARENTS, closes_on=WEDNESDAY + timedelta(days=2))
    respond(app, second, weekly, submitted=False)
    send_alerts(runner)
    assert alert_mail(outbox) == []

    frozen(MONDAY + timedelta(days=7))
    assert "and 1 weekly digest" in send_alerts(runner)
    send_alerts(runner)
    assert alert_mail(outbox) == [(weekly.email, "consultation_alert_digest")]
    digest = outbox.last(weekly.email)
    assert digest.subject == "Your weekly consultation alerts"
    assert 'Now open: "First"' in digest.body
    assert 'Now open: "Second"' in digest.body
    assert 'Closing soon, and your answers are not sent yet: "Second"' in digest.body


def publish_outcome(client, info):
    response = client.post(
        f"/manage/consultations/{info['id']}/outcome", data={**OUTCOME, "publish": "Publish outcome"}
    )
    assert response.status_code == 302


def test_an_outcome_goes_to_those_who_took_part_as_they_chose(app, client, auth, users, runner, outbox, frozen):
    frozen(WEDNESDAY)
    info = consultation(app, state=m.CLOSED)
    default, turned_off, weekly, drafted = users.make(), users.make(), users.make(), users.make()
    for person in (default, turned_off, weekly):
        respond(app, info, person)
    respond(app, info, drafted, submitted=False)
    choose(app, turned_off, m.OPENING)
    choose(app, weekly, m.OUTCOME, frequency=m.WEEKLY)
    auth.sign_in(users.make(roles.MANAGER))
    publish_outcome(client, info)
    publish_outcome(client, info)  # a correction tells nobody again

    assert alert_mail(outbox) == [(default.email, "consultation_outcome")]
    assert outbox.last(default.email).headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    frozen(MONDAY + timedelta(days=7))
    send_alerts(runner)
    assert alert_mail(outbox)[1:] == [(weekly.email, "consultation_alert_digest")]
    assert 'Outcome published: "Renaming SEND to CAN"' in outbox.last(weekly.email).body


# --- unsubscribing ---------------------------------------------------------------------------


@pytest.fixture
def told(app, users, runner, outbox, frozen):
    """A parent told of an opening; returns (person, unsubscribe path)."""
    frozen(WEDNESDAY)
    parent = users.make()
    choose(app, parent, m.OPENING, m.OUTCOME)
    consultation(app, audience=m.PARENTS)
    send_alerts(runner)
    message = outbox.last(parent.email, "consultation_opened")
    link = message.headers["List-Unsubscribe"].strip("<>")
    assert link in message.body
    return parent, link.split("://", 1)[1].split("/", 1)[1]


def wants(app, person) -> list[str]:
    with app.app_context():
        choice = db.session.get(m.AlertChoice, person.id)
        return [kind for kind in m.ALERT_KINDS if choice.wants(kind)]


def test_the_unsubscribe_headers_reach_the_email_as_sent(app, told, outbox):
    parent, _ = told
    with app.app_context():
        email = build_email(outbox.last(parent.email), "portal@example.org")
    assert email["List-Unsubscribe"].startswith("<http")
    assert email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_one_click_unsubscribe_stops_that_kind_of_alert_without_signing_in_and_twice(app, client, told, runner, outbox):
    parent, path = told
    response = client.post(f"/{path}", data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "Consultation alerts stopped" in response.text
    # The email was about an opening: outcomes of what they took part in still come.
    assert wants(app, parent) == [m.OUTCOME]
    assert "When the outcome of a consultation you took part in is published" in response.text
    assert client.post(f"/{path}").status_code == 200
    assert wants(app, parent) == [m.OUTCOME]

    consultation(app, title="Another", audience=m.PARENTS)
    send_alerts(runner)
    assert len(outbox.messages(parent.email, "consultation_opened")) == 1


def test_the_unsubscribe_page_offers_to_stop_every_alert(app, client, told):
    parent, path = told
    page = client.get(f"/{path}").text
    assert "Only alerts like this one: When a consultation opens for you" in page
    stopped = client.post(f"/{path}", data={"stop": "all"})
    assert "We will not email you about consultations again" in stopped.text
    assert wants(app, parent) == []


def test_a_link_from_before_links_named_their_alerts_stops_them_all(app, client, told):
    parent, _ = told
    with app.app_context():
        old_link = URLSafeSerializer(app.config["SECRET_KEY"], salt=TOKEN_SALT).dumps(parent.id)
    assert "Only alerts like this one" not in client.get(f"/alerts/unsubscribe/{old_link}").text
    client.post(f"/alerts/unsubscribe/{old_link}", data={"List-Unsubscribe": "One-Click"})
    assert wants(app, parent) == []


def test_a_forged_token_unsubscribes_nobody(app, client, told):
    parent, path = told
    assert client.post(f"/{path}x").status_code == 404
    # The parent's id, signed with a key that is not the portal's.
    forged = URLSafeSerializer("a guessed key", salt=TOKEN_SALT).dumps(parent.id)
    assert client.post(f"/alerts/unsubscribe/{forged}").status_code == 404
    assert client.get(f"/alerts/unsubscribe/{forged}").status_code == 404
    assert wants(app, parent) == [m.OPENING, m.OUTCOME]


def test_opening_the_link_only_asks_to_confirm(app, client, told):
    parent, path = told
    page = client.get(f"/{path}")
    assert page.status_code == 200
    assert "Stop consultation alerts" in page.text
    assert '<form method="post"' in page.text
    assert wants(app, parent) == [m.OPENING, m.OUTCOME]


# --- choosing alerts -------------------------------------------------------------------------


def test_a_parent_chooses_their_alerts_from_their_account(app, client, auth, users):
    parent = users.make()
    auth.sign_in(parent)
    assert "/account/consultation-alerts" in client.get("/account").text
    page = client.get("/account/consultation-alerts")
    assert 'value="outcome" checked' in page.text  # told of outcomes unless they say otherwise
    response = client.post(
        "/account/consultation-alerts", data={"kinds": ["opening", "closing"], "frequency": "weekly"}
    )
    assert response.status_code == 302
    with app.app_context():
        choice = db.session.get(m.AlertChoice, parent.id)
        assert (choice.on_opening, choice.on_closing, choice.on_outcome, choice.frequency) == (
            True,
            True,
            False,
            m.WEEKLY,
        )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kinds": ["opening"]}, "Select how often we should email you: at once or in a weekly digest"),
        ({"kinds": ["opening"], "frequency": "hourly"}, "Select how often we should email you"),
        ({"kinds": ["everything"], "frequency": "now"}, "Select alerts from the list"),
    ],
)
def test_the_settings_form_says_what_is_wrong(app, client, auth, users, data, message):
    parent = users.make()
    auth.sign_in(parent)
    page = client.post("/account/consultation-alerts", data=data)
    assert page.status_code == 200
    assert "govuk-error-summary" in page.text
    assert message in page.text
    with app.app_context():
        assert db.session.get(m.AlertChoice, parent.id) is None


def test_staff_have_no_consultation_alerts(client, auth, users):
    auth.sign_in(users.make(roles.CASEWORKER))
    assert client.get("/account/consultation-alerts").status_code == 403
