"""A forged Host header never reaches a family's or a colleague's inbox.

A penetration test sent ``POST /forgotten-password`` with ``Host: evil.example`` and the
portal queued a genuine reset email whose link pointed at evil.example: whoever owned that
host would have received the reset token the moment the person clicked. Every absolute link
in email is now built on PUBLIC_URL (portal.core.links.public_url).

Here every kind of email that carries a link is caused through the real pages by a client
whose every request claims to be for evil.example (the Host header and X-Forwarded-Host, with
the app trusting one proxy, as it does behind the council's load balancer). Whatever was
queued must not mention evil.example, and every link in it must start with PUBLIC_URL. The
kinds are read from templates/emails, so a new email with a link and no scenario here fails
``test_every_kind_of_email_with_a_link_has_a_scenario``.

The reminders are sent by ``flask --app wsgi sla remind`` from cron, with no request to forge:
for them the links must still start with PUBLIC_URL.
"""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from types import SimpleNamespace
from typing import Callable

import pytest
import time_machine
from flask import request
from flask.testing import FlaskClient
from werkzeug.datastructures import Headers

from portal import ROOT
from portal.accounts import roles
from portal.consultations import models as m
from portal.consultations.alerts import save_choice
from portal.core.calendar import add_working_days
from portal.core.time import LONDON, london_today
from portal.extensions import db, limiter
from portal.feedback.models import Case as FeedbackCase
from portal.yousaid.models import IN_PROGRESS
from tests.casework_helpers import answer_stage_1, new_case, set_lead
from tests.conftest import clear_tables, make_app
from tests.factories import PASSWORD, get_user, make_user
from tests.feedback_helpers import make_category, submit, walk
from tests.test_consultations_moderation import OUTCOME, consultation, decide, respond
from tests.test_yousaid_entries import make_case, make_entry, make_theme

FORGED_HOST = "evil.example"
EMAIL_TEMPLATES = ROOT / "templates" / "emails"
LINK = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
# A template carries a link if it writes one out, or prints a value named like one
# ({{ link }}, {{ track_url }}, {{ board_url }}, ...).
LINK_IN_TEMPLATE = re.compile(r"https?://|\{\{[^}]*(link|url|href)[^}]*\}\}", re.IGNORECASE)
TEAM = "Travel Assist"


INCLUDE = re.compile(r"""\{%-?\s*include\s+["']emails/([^"']+)["']""")


def _carries_a_link(path) -> bool:
    """Whether the template, or one it includes, writes out a link."""
    text = path.read_text(encoding="utf-8")
    return bool(LINK_IN_TEMPLATE.search(text)) or any(
        _carries_a_link(EMAIL_TEMPLATES / name) for name in INCLUDE.findall(text)
    )


def kinds_with_links() -> set[str]:
    """Every kind of email (a template not named with a leading _, which are the parts
    others include) whose text contains a link."""
    return {
        path.stem for path in EMAIL_TEMPLATES.glob("*.txt") if not path.stem.startswith("_") and _carries_a_link(path)
    }


# --- a client that forges the host on every request ----------------------------------------------


class ForgedHostClient(FlaskClient):
    """A test client whose every request says it is for evil.example: as the Host header (from
    base_url) and as X-Forwarded-Host and X-Forwarded-Proto, which the app trusts with
    PROXY_COUNT=1. Redirects it follows keep the forged host, as a browser's would."""

    def open(self, *args, **kwargs):
        if not args or isinstance(args[0], str):
            kwargs.setdefault("base_url", f"http://{FORGED_HOST}")
            headers = Headers(kwargs.pop("headers", None) or {})
            headers.setdefault("X-Forwarded-Host", FORGED_HOST)
            headers.setdefault("X-Forwarded-Proto", "https")
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)


@pytest.fixture
def app(migrated_database, tmp_path):
    """The app behind one trusted proxy, so that X-Forwarded-Host decides the request's host as
    well as Host does; every test client it makes forges the host. ``app.hosts_seen`` records
    the host of every request the app handled, to show that the forgery arrived."""
    app = make_app(migrated_database, tmp_path, PROXY_COUNT=1)
    app.test_client_class = ForgedHostClient
    app.hosts_seen = []

    @app.before_request
    def record_host():
        app.hosts_seen.append(request.host)

    limiter.reset()
    yield app
    clear_tables(app)


# --- scenarios: each causes one kind of email --------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    kind: str
    run: Callable
    by_request: bool  # False: sent from the command line, with no request to forge


SCENARIOS: dict[str, Scenario] = {}


def scenario(kind: str, by_request: bool = True):
    def register(run):
        assert kind not in SCENARIOS, f"two scenarios for {kind}"
        SCENARIOS[kind] = Scenario(kind, run, by_request)
        return run

    return register


def signed_in(env, role: str, **kwargs):
    person = env.users.make(role, **kwargs)
    response = env.auth.sign_in(person)
    assert response.status_code == 302, "could not sign in"
    return person


@scenario("password_reset")
def forgotten_password(env):
    """The attack the penetration test found: asking for a reset link."""
    person = env.users.make(roles.PARENT)
    assert env.client.post("/forgotten-password", data={"email": person.email}).status_code == 302


@scenario("account_security_change")
def changing_a_password(env):
    signed_in(env, roles.PARENT)
    changed = env.client.post(
        "/account/password", data={"current_password": PASSWORD, "password": "Amber-Kettle-Meadow-19"}
    )
    assert changed.status_code == 302


@scenario("confirm_email")
def registering(env):
    response = env.client.post(
        "/register", data={"role": roles.PARENT, "name": "Ada Parent", "email": "ada@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302


@scenario("already_registered")
def registering_an_address_that_has_an_account(env):
    existing = env.users.make(roles.PARENT)
    response = env.client.post(
        "/register", data={"role": roles.PARENT, "name": "Someone", "email": existing.email, "password": PASSWORD}
    )
    assert response.status_code == 302


@scenario("account_created")
def admin_creating_an_account(env):
    signed_in(env, roles.ADMIN)
    response = env.client.post(
        "/admin/users/new",
        data={"name": "Casey Worker", "email": "casey@example.org", "role": roles.CASEWORKER, "team": ""},
    )
    assert response.status_code == 302


@scenario("youth_approved")
def manager_approving_a_youth_member(env):
    young = env.users.make(roles.YOUTH, approved=False)
    signed_in(env, roles.MANAGER)
    assert env.client.post(f"/manage/youth-members/{young.id}/approve").status_code == 302


@scenario("case_received")
def family_sending_feedback(env):
    with env.app.app_context():
        category = make_category()
    walk(env.client, category)
    assert submit(env.client).status_code == 302


@scenario("urgent_case")
def family_worried_that_a_child_is_at_risk(env):
    with env.app.app_context():
        category = make_category(team=TEAM)
        set_lead(TEAM, make_user(roles.MANAGER, team=TEAM))
    walk(env.client, category, {"safety": {"worried": "yes"}, "urgent": {}})
    assert submit(env.client).status_code == 302


@scenario("case_link")
def family_asking_for_a_link_to_their_case(env):
    with env.app.app_context():
        reference = new_case(contact_email="jo@example.org")
    response = env.client.post("/track", data={"reference": reference, "contact": "jo@example.org"})
    assert response.status_code == 302


@scenario("caseworker_reply")
def caseworker_replying_to_the_family(env):
    with env.app.app_context():
        caseworker = make_user(roles.CASEWORKER, team=TEAM)
        reference = new_case(team=TEAM, caseworker=caseworker)
    assert env.auth.sign_in(caseworker).status_code == 302
    response = env.client.post(f"/cases/{reference}/reply", data={"body": "We have spoken to the taxi firm."})
    assert response.status_code == 302


@scenario("satisfaction_survey")
def caseworker_answering_the_complaint_so_the_family_is_asked_how_it_went(env):
    from tests.test_casework_actions import outcome_form

    with env.app.app_context():
        caseworker = make_user(roles.CASEWORKER, team=TEAM)
        reference = new_case(team=TEAM, caseworker=caseworker)
    assert env.auth.sign_in(caseworker).status_code == 302
    response = env.client.post(
        f"/cases/{reference}/outcome", data=outcome_form({"outcome": "not_upheld", "summary": "We checked."})
    )
    assert response.status_code == 302


@scenario("case_escalated")
def family_asking_for_stage_2_from_their_case_page(env):
    with env.app.test_request_context():
        caseworker = make_user(roles.CASEWORKER, team=TEAM)
        make_user(roles.MANAGER, team=TEAM)
        reference = new_case(
            team=TEAM, caseworker=caseworker, contact_email="jo@example.org", acknowledge_by=london_today()
        )
        answer_stage_1(reference, get_user(caseworker))
        db.session.commit()
    family = env.users.make(roles.PARENT, email="jo@example.org")
    assert env.auth.sign_in(family).status_code == 302
    response = env.client.post(f"/my-cases/{reference}/escalate", data={"reason": "The taxi still does not come."})
    assert response.status_code == 302


@scenario("consultation_approved")
def moderator_approving_a_public_response(env):
    info = consultation(env.app)
    response_id, _ = respond(env.app, info, env.users.make(roles.PARENT), text="Call it CAN, please")
    signed_in(env, roles.MANAGER)
    assert decide(env.client, "responses", response_id, "approve").status_code == 302


@scenario("consultation_approved_with_changes")
def moderator_removing_words_from_a_public_response(env):
    info = consultation(env.app)
    response_id, answer_id = respond(env.app, info, env.users.make(roles.PARENT), text="Mr Grumbleton shouts.")
    signed_in(env, roles.MANAGER)
    answer = decide(
        env.client,
        "responses",
        response_id,
        "redact",
        "It named a member of staff",
        **{f"answer_{answer_id}": "[Removed by a moderator] shouts."},
    )
    assert answer.status_code == 302


@scenario("safeguarding_referral")
def moderator_passing_a_post_to_safeguarding(env):
    info = consultation(env.app, state=m.CLOSED)
    response_id, _ = respond(env.app, info, env.users.make(roles.YOUTH), text="Nobody at home feeds me")
    signed_in(env, roles.MANAGER)
    assert decide(env.client, "responses", response_id, "safeguarding", "Possible neglect").status_code == 302


@scenario("consultation_outcome")
def manager_publishing_what_a_consultation_did(env):
    info = consultation(env.app, state=m.CLOSED)
    respond(env.app, info, env.users.make(roles.PARENT))
    signed_in(env, roles.MANAGER)
    response = env.client.post(
        f"/manage/consultations/{info['id']}/outcome", data={**OUTCOME, "publish": "Publish outcome"}
    )
    assert response.status_code == 302


def entry_a_family_follows(env, published: bool) -> int:
    """A You Said, We Did entry with a linked case whose family asked to hear about it."""
    theme = make_theme(env.app, "Communication")
    case_id, _ = make_case(env.app, contact_email="asked@example.org", wants_learning_updates=True)
    return make_entry(env.app, theme, title="Clearer letters", published=published, cases=[case_id])


@scenario("you_said_published")
def manager_publishing_a_you_said_entry(env):
    entry_id = entry_a_family_follows(env, published=False)
    signed_in(env, roles.MANAGER)
    assert env.client.post(f"/manage/you-said-we-did/{entry_id}/publish").status_code == 302


@scenario("you_said_status")
def manager_changing_a_you_said_entrys_status(env):
    # Published by the service, outside any request: only the status change is forged.
    entry_id = entry_a_family_follows(env, published=True)
    signed_in(env, roles.MANAGER)
    response = env.client.post(
        f"/manage/you-said-we-did/{entry_id}/status", data={"status": IN_PROGRESS, "note": "Two caseworkers started."}
    )
    assert response.status_code == 302


def sla_remind(env) -> None:
    result = env.runner.invoke(args=["sla", "remind"])
    assert result.exit_code == 0, result.output


@scenario("reminder_due_soon", by_request=False)
def cron_reminding_a_caseworker_of_a_case_due_soon(env):
    with env.app.app_context():
        caseworker = make_user(roles.CASEWORKER, team=TEAM)
        new_case(team=TEAM, caseworker=caseworker, acknowledge_by=add_working_days(london_today(), 1))
    sla_remind(env)


@scenario("reminder_overdue", by_request=False)
def cron_telling_a_team_lead_of_an_overdue_case(env):
    with env.app.app_context():
        set_lead(TEAM, make_user(roles.MANAGER, team=TEAM))
        new_case(
            team=TEAM,
            caseworker=make_user(roles.CASEWORKER, team=TEAM),
            acknowledge_by=london_today() - timedelta(days=3),
        )
    sla_remind(env)


def mail_fetch(env, reply: Callable[[str], bytes], **case) -> None:
    """A family's email to their case's reply address, read by cron's `mail fetch` from a
    real IMAP server."""
    from portal.feedback import reply_address
    from tests import imap_server

    if not imap_server.installed():
        pytest.skip("Dovecot is not installed (apt-get install dovecot-imapd)")
    with env.app.app_context():
        reference = new_case(team=TEAM, contact_email="jo@example.org", **case)
        case_id = db.session.scalar(db.select(FeedbackCase.id).where(FeedbackCase.reference == reference))
        address = reply_address.address_for("cases@council.example", case_id)
    server = imap_server.start()
    try:
        server.deliver(reply(address))
        env.app.config.update(server.settings())
        result = env.runner.invoke(args=["mail", "fetch"])
        assert result.exit_code == 0, result.output
    finally:
        imap_server.stop(server)


def _email_to(address: str, *files: tuple[str, bytes]) -> bytes:
    from email.message import EmailMessage

    message = EmailMessage()
    message["From"] = "jo@example.org"
    message["To"] = address
    message["Subject"] = "Re: your case"
    message["Message-ID"] = "<reply-1@mail.example.org>"
    message.set_content("Here is the letter.")
    for name, data in files:
        message.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return message.as_bytes()


@scenario("reply_to_closed_case", by_request=False)
def cron_reading_a_reply_to_a_closed_case(env):
    mail_fetch(env, _email_to, status="closed")


@scenario("reply_address_expired", by_request=False)
def cron_reading_a_reply_to_an_old_email(env):
    from portal.feedback import reply_address

    def to_an_old_address(address: str) -> bytes:
        case_id = int(address.split("+", 1)[1].split(".", 1)[0])
        too_old = london_today() - timedelta(days=env.app.config["MAIL_REPLY_TOKEN_DAYS"] + 1)
        with env.app.app_context():
            return _email_to(reply_address.address_for("cases@council.example", case_id, on=too_old))

    mail_fetch(env, to_an_old_address)


@scenario("reply_files_refused", by_request=False)
def cron_reading_a_reply_with_an_infected_file(env):
    from portal.core.files import EICAR

    mail_fetch(env, lambda address: _email_to(address, ("letter.pdf", b"%PDF-1.4\n" + EICAR)))


def alerts_send(env, *kinds: str, frequency: str = m.AT_ONCE) -> None:
    """A parent who asked for ``kinds`` of consultation alerts, and cron sending those due."""
    parent = env.users.make(roles.PARENT)
    info = consultation(env.app, closes_on=london_today() + timedelta(days=2))
    respond(env.app, info, parent, submitted=False)
    with env.app.app_context():
        save_choice(get_user(parent), set(kinds), frequency)
        db.session.commit()
    result = env.runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output


@scenario("consultation_opened", by_request=False)
def cron_telling_a_parent_a_consultation_is_open(env):
    alerts_send(env, m.OPENING)


@scenario("consultation_closing_soon", by_request=False)
def cron_reminding_a_parent_of_unsent_answers(env):
    alerts_send(env, m.CLOSING_SOON)


@scenario("consultation_alert_digest", by_request=False)
def cron_sending_a_weekly_digest_on_monday(env):
    monday = london_today() - timedelta(days=london_today().weekday())
    with time_machine.travel(datetime.combine(monday, time(9), tzinfo=LONDON), tick=False):
        alerts_send(env, m.OPENING, m.CLOSING_SOON, frequency=m.WEEKLY)


def _opportunity(env, **changes):
    from tests.take_part_helpers import make_opportunity

    with env.app.app_context():
        return make_opportunity(make_user(roles.MANAGER).id, **changes)


@scenario("opportunity_place_taken")
def parent_taking_a_place_at_a_drop_in(env):
    opportunity = _opportunity(env)
    signed_in(env, roles.PARENT)
    response = env.client.post(f"/take-part/{opportunity.slug}/place", data={"needs": ["bsl"]})
    assert response.status_code == 302


@scenario("opportunity_cancelled")
def manager_cancelling_a_drop_in_someone_has_a_place_on(env):
    opportunity = _opportunity(env)
    signed_in(env, roles.PARENT)
    env.client.post(f"/take-part/{opportunity.slug}/place", data={})
    env.auth.sign_out()
    signed_in(env, roles.MANAGER)
    response = env.client.post(f"/manage/consultations/opportunities/{opportunity.id}/cancel")
    assert response.status_code == 302


@scenario("opportunity_reminder", by_request=False)
def cron_reminding_a_parent_of_their_place_tomorrow(env):
    from tests.take_part_helpers import take

    opportunity = _opportunity(env, day=london_today() + timedelta(days=1))
    with env.app.test_request_context(base_url=env.app.config["PUBLIC_URL"]):
        take(opportunity.id, make_user(roles.PARENT).id)
    result = env.runner.invoke(args=["alerts", "send"])
    assert result.exit_code == 0, result.output


# --- the checks ---------------------------------------------------------------------------------


@scenario("data_request_received")
def family_asking_to_correct_their_data(env):
    signed_in(env, roles.PARENT)
    response = env.client.post("/account/your-data/correct", data={"what": "My name", "why": "It is spelt wrong"})
    assert response.status_code == 302


@scenario("data_request_decided")
def manager_deciding_on_a_request_about_a_familys_data(env):
    from portal.rights.models import DataRequest

    signed_in(env, roles.PARENT)
    env.client.post("/account/your-data/delete", data={"what": "A photo", "why": "Sent by mistake"})
    env.auth.sign_out()
    with env.app.app_context():
        request_id = db.session.scalar(db.select(DataRequest.id))
    signed_in(env, roles.MANAGER)
    response = env.client.post(f"/manage/data-requests/{request_id}", data={"outcome": "deleted", "reason": "Done."})
    assert response.status_code == 302


def test_every_kind_of_email_with_a_link_has_a_scenario():
    """A new email with a link must be added here, or nobody checks where its link points."""
    kinds = kinds_with_links()
    # The finder itself works: these are known to carry links, these known not to.
    assert {"password_reset", "case_received", "consultation_approved", "youth_approved"} <= kinds
    assert "case_escalated" in kinds  # through the footer it includes
    assert not {"caseworker_update", "consultation_hidden"} & kinds
    missing = kinds - set(SCENARIOS)
    assert not missing, f"emails with a link and no forged-host scenario in this module: {sorted(missing)}"
    assert set(SCENARIOS) <= {path.stem for path in EMAIL_TEMPLATES.glob("*.txt")}


@pytest.mark.parametrize("kind", sorted(SCENARIOS))
def test_a_forged_host_never_appears_in_a_queued_email(app, client, auth, users, runner, outbox, kind):
    """Whatever host a request claims, the email it causes points only at PUBLIC_URL: a forged
    link would hand a reset token, a case link or a staff page to whoever owns that host."""
    scenario = SCENARIOS[kind]
    scenario.run(SimpleNamespace(app=app, client=client, auth=auth, users=users, runner=runner))

    if scenario.by_request:
        # The forgery reached the app: every request it handled was for evil.example.
        assert app.hosts_seen, "the scenario made no request"
        assert set(app.hosts_seen) == {FORGED_HOST}
    messages = outbox.messages()
    assert kind in {message.template for message in messages}, f"the scenario queued no {kind} email"
    public = app.config["PUBLIC_URL"].rstrip("/") + "/"
    assert public == "http://127.0.0.1:5000/"
    for message in messages:
        where = f"{message.template} email to {message.recipient}"
        assert FORGED_HOST not in message.subject.lower(), f"{where}: subject {message.subject!r}"
        assert FORGED_HOST not in message.body.lower(), f"{where}:\n{message.body}"
        links = LINK.findall(message.body)
        if message.template == kind:
            assert links, f"{where} has no link:\n{message.body}"
        for link in links:
            assert link.startswith(public), f"{where} links to {link}, not to {public}"
