"""What a caseworker does to a case, through the real pages: acknowledge, reply, internal
notes, asking for information, extending, recording the outcome, closing and reopening,
transferring, marking as not a complaint and response templates. The family's side is checked
on their own case page and in the email the outbox holds."""

import html
import io
import re
from datetime import timedelta
from types import SimpleNamespace

import lxml.html
import pytest

from portal.casework import clocks, services
from portal.casework.models import CaseOutcome, DeadlineChange, OmbudsmanReferral, ResponseTemplate
from portal.core.calendar import add_months, add_working_days, receipt_day
from portal.core.models import AuditEvent
from portal.core.time import london_today, utcnow
from portal.extensions import db
from portal.feedback.models import Attachment, Case, CaseMessage, FileBlob
from portal.notifications.models import OutboxMessage
from portal.themes.models import LearningTheme
from tests.casework_helpers import category_id, events_for, get_case, new_case, sign_in, submit_case, team_id
from tests.factories import get_user, make_user
from tests.feedback_helpers import open_case_by_link
from tests.test_files import PDF

TEAM = "Travel Assist"
FAMILY_EMAIL = "jo@example.org"  # from tests.feedback_helpers.COMPLAINT


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def visible(response) -> str:
    """What a person reads on the page: tags dropped, whitespace collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


@pytest.fixture
def desk(app, client, outbox):
    """A family's complaint, sent through the feedback services and routed to the one
    caseworker in the team, who is signed in on ``client``."""
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        caseworker = make_user("caseworker", team=TEAM, name="Sam Carter")
    reference = submit_case(app, category, child_name="JS")
    family = open_case_by_link(app, outbox, reference)
    with app.app_context():
        assert get_case(reference).caseworker_id == caseworker.id
    sign_in(client, caseworker)
    return SimpleNamespace(
        reference=reference,
        url=f"/cases/{reference}",
        family_url=f"/my-cases/{reference}",
        caseworker=caseworker,
        family=family,
        category=category,
    )


def act(client, desk, name, data=None, **kwargs):
    return client.post(f"{desk.url}/{name}", data=data or {}, **kwargs)


ACKNOWLEDGEMENT = {
    "body": "Thank you. I am looking into this.",
    "understanding": "The taxi has not come for three weeks.",
    "outcome": "A reliable taxi.",
}


def acknowledge(client, desk):
    response = act(client, desk, "acknowledge", ACKNOWLEDGEMENT)
    assert response.status_code == 302


def case_of(app, desk) -> Case:
    with app.app_context():
        case = get_case(desk.reference)
        db.session.expunge(case)
        return case


def every_email(app) -> list[str]:
    with app.app_context():
        return [f"{m.subject}\n{m.body}" for m in db.session.scalars(db.select(OutboxMessage))]


def count_of(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


# --- acknowledge ------------------------------------------------------------------------------


def test_acknowledging_tells_the_family_and_starts_the_response_clock(app, client, desk, outbox):
    form = text(client.get(f"{desk.url}/acknowledge"))
    due = add_working_days(receipt_day(london_today()), 10)
    # The message is written for the caseworker to check, with the date the family can expect.
    assert "I am Sam Carter and I will be your named contact" in form
    assert f"We will send you a full response by {due:%-d %B %Y}" in form
    # The understanding of the complaint and of the outcome wanted start as the family's words (Code 5.2).
    with app.app_context():
        case = get_case(desk.reference)
        family_words, outcome_words = case.what_happened, case.outcome_wanted
    assert f">{family_words}</textarea>" in form and f">{outcome_words}</textarea>" in form
    # Without them the acknowledgement cannot go.
    refused = act(client, desk, "acknowledge", {"body": "Dear Jo", "understanding": "", "outcome": ""})
    assert "Enter what you understand the complaint to be" in text(refused)
    assert "Enter what the family would like to happen" in text(refused)

    response = act(
        client,
        desk,
        "acknowledge",
        {
            "body": "Dear Jo, I have your complaint and I am on it. Sam",
            "understanding": "1. The taxi did not come for three weeks. 2. Nobody told you.",
            "outcome": "A reliable taxi, and a call when it is late.",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"] == desk.url

    case = case_of(app, desk)
    assert case.status == "acknowledged"
    assert case.acknowledged_at is not None
    assert case.respond_by == due
    email = outbox.last(FAMILY_EMAIL, "caseworker_reply")
    assert email.subject == f"We are looking into {desk.reference}"
    assert "I have your complaint and I am on it" in email.body
    assert (
        "What we understand your complaint to be:\n1. The taxi did not come for three weeks. 2. Nobody told you."
        in email.body
    )
    assert "What you would like to happen:\nA reliable taxi, and a call when it is late." in email.body
    assert "If we have got any of this wrong, or missed something, send us a message and tell us." in email.body
    assert case_of(app, desk).complaint_understood.startswith("1. The taxi")

    family_page = visible(desk.family.get(desk.family_url))
    assert "I have your complaint and I am on it" in family_page
    assert "Being looked into" in family_page
    assert f"We will reply in full by {due:%-d %B %Y}" in family_page
    assert "Acknowledged." in text(client.get(desk.url))


# --- reply ------------------------------------------------------------------------------------


def respond(client, desk, summary="We looked into what happened."):
    """Record the stage's response: the final answer that carries the route onwards."""
    response = act(client, desk, "outcome", outcome_form({"outcome": "not_upheld", "summary": summary}))
    assert response.status_code == 302


def test_a_holding_reply_reaches_the_family_page_and_email_without_the_route_onwards(app, client, desk, outbox):
    acknowledge(client, desk)
    response = act(client, desk, "reply", {"body": "I have spoken to the taxi company today."})
    assert response.status_code == 302

    family_page = text(desk.family.get(desk.family_url))
    assert "I have spoken to the taxi company today." in family_page
    email = outbox.last(FAMILY_EMAIL)
    assert email.subject == f"A reply about {desk.reference}"
    reply = email.body.split("Reference:")[0].strip()
    # Nothing is final in a holding reply: no route onwards yet (Code 6.7).
    assert reply.endswith("I have spoken to the taxi company today.")
    assert "stage 2" not in reply


def test_the_stage_1_response_ends_with_stage_2_and_the_day_to_ask_by(app, client, desk, outbox):
    acknowledge(client, desk)
    respond(client, desk, "We looked at the taxi company's records.")
    email = outbox.last(FAMILY_EMAIL, "caseworker_reply")
    response = email.body.split("Reference:")[0].strip()
    assert "looked at again by someone else (stage 2)" in response
    # Three months, the default an administrator can change.
    ask_by = f"{add_months(london_today(), 3):%-d %B %Y}"
    assert response.endswith(
        f"Use the link to your case to ask by {ask_by}, or contact us after that and tell us why you are asking later."
    )
    assert "looked at again by someone else (stage 2)" in text(desk.family.get(desk.family_url))


def test_a_stage_2_response_ends_with_the_ombudsman(app, client, desk, outbox):
    with app.app_context():
        reviewer = make_user("caseworker", team=TEAM, name="Ola Reviewer", stage_2=True)
    acknowledge(client, desk)
    respond(client, desk)
    assert desk.family.post(f"{desk.family_url}/escalate", data={"reason": ""}).status_code == 302
    assert case_of(app, desk).caseworker_id == reviewer.id

    reviewer_client = app.test_client()
    sign_in(reviewer_client, reviewer)
    act(reviewer_client, desk, "acknowledge", {"body": "I will review your complaint."})
    respond(reviewer_client, desk, "I have reviewed everything again.")
    email = outbox.last(FAMILY_EMAIL, "caseworker_reply")
    assert "I have reviewed everything again." in email.body
    for words in ("This is the council's final response", "Ombudsman", "www.lgo.org.uk", "0300 061 0614"):
        assert words in email.body
    assert "www.lgo.org.uk" in text(desk.family.get(desk.family_url))


def test_a_reply_can_carry_a_file_the_family_can_download(app, client, desk):
    response = act(
        client,
        desk,
        "reply",
        {"body": "Here is the new timetable.", "evidence": (io.BytesIO(PDF), "timetable.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    with app.app_context():
        attachment = db.session.scalar(db.select(Attachment).where(Attachment.filename == "timetable.pdf"))
        assert attachment.from_family is False
        attachment_id = attachment.id
    assert "timetable.pdf" in text(desk.family.get(desk.family_url))
    download = desk.family.get(f"{desk.family_url}/files/{attachment_id}")
    assert download.status_code == 200
    assert download.data == PDF


def test_a_reply_with_a_file_that_is_not_allowed_keeps_the_text(app, client, desk, outbox):
    before = len(outbox.messages())
    response = act(
        client,
        desk,
        "reply",
        {"body": "Please see the attached.", "evidence": (io.BytesIO(b"MZ\x90\x00 not a pdf"), "timetable.pdf")},
        content_type="multipart/form-data",
    )
    page = text(response)
    assert response.status_code == 200
    assert "must be a PDF, JPEG, PNG or Word (DOCX)" in page
    assert "Please see the attached." in page
    assert len(outbox.messages()) == before
    assert "Please see the attached." not in text(desk.family.get(desk.family_url))


# --- internal notes ---------------------------------------------------------------------------

SECRET = "Dad sounded very low on the phone; check in with the SENCO."


def test_an_internal_note_is_for_staff_only(app, client, desk, outbox):
    acknowledge(client, desk)
    response = act(client, desk, "note", {"body": SECRET})
    assert response.status_code == 302
    # Later work on the case sends the family more email: none of it may carry the note.
    act(client, desk, "reply", {"body": "An update on the taxi."})
    act(client, desk, "request-information", {"body": "Which mornings did the taxi not come?"})
    desk.family.post(f"{desk.family_url}/reply", data={"body": "Monday and Tuesday."})

    staff_page = text(client.get(desk.url))
    assert SECRET in staff_page
    assert "Internal note" in staff_page

    assert SECRET not in text(desk.family.get(desk.family_url))
    emails = every_email(app)
    assert len(emails) >= 4
    assert not [email for email in emails if "SENCO" in email]
    with app.app_context():
        assert db.session.scalar(db.select(CaseMessage).where(CaseMessage.body == SECRET)).internal is True


def test_a_file_on_an_internal_note_cannot_be_downloaded_by_the_family(app, client, desk):
    act(client, desk, "note", {"body": SECRET})
    with app.app_context():
        note = db.session.scalar(db.select(CaseMessage).where(CaseMessage.internal.is_(True)))
        attachment = Attachment(
            case_id=note.case_id,
            message=note,
            blob=FileBlob(data=PDF),
            filename="social-care-notes.pdf",
            content_type="application/pdf",
            size=len(PDF),
            sha256="0" * 64,
            from_family=False,
        )
        db.session.add(attachment)
        db.session.commit()
        attachment_id = attachment.id
    assert desk.family.get(f"{desk.family_url}/files/{attachment_id}").status_code == 404
    assert "social-care-notes.pdf" not in text(desk.family.get(desk.family_url))
    assert client.get(f"{desk.url}/files/{attachment_id}").status_code == 200


# --- asking for more information ------------------------------------------------------------


def test_asking_for_information_waits_for_the_family(app, client, desk, outbox):
    acknowledge(client, desk)
    act(client, desk, "request-information", {"body": "Could you send the dates the taxi did not come?"})
    assert case_of(app, desk).status == "awaiting_family"
    page = text(desk.family.get(desk.family_url))
    assert "Could you send the dates the taxi did not come?" in page
    assert "Waiting for your reply" in page
    assert "Could you send the dates the taxi did not come?" in outbox.last(FAMILY_EMAIL).body

    desk.family.post(f"{desk.family_url}/reply", data={"body": "3rd, 4th and 10th March."})
    assert case_of(app, desk).status == "acknowledged"
    assert "3rd, 4th and 10th March." in text(client.get(desk.url))
    assert outbox.last(desk.caseworker.email, "caseworker_update")


# --- extending --------------------------------------------------------------------------------


def test_extending_tells_the_family_why_with_the_ombudsmans_details(app, client, desk, outbox):
    acknowledge(client, desk)
    before = case_of(app, desk).respond_by
    response = act(client, desk, "extend", {"working_days": "5", "reason": "The taxi firm has not sent its logs yet."})
    assert response.status_code == 302
    after = case_of(app, desk)
    assert after.respond_by == add_working_days(before, 5)
    assert after.extension_used is True
    email = outbox.last(FAMILY_EMAIL)
    for words in (
        "The taxi firm has not sent its logs yet.",
        f"{after.respond_by:%-d %B %Y}",
        "Ombudsman",
        "www.lgo.org.uk",
    ):
        assert words in email.body
    family_page = visible(desk.family.get(desk.family_url))
    assert "The taxi firm has not sent its logs yet." in family_page
    assert f"We will reply in full by {after.respond_by:%-d %B %Y}" in family_page
    # It can be extended again, within what is left of the Code's 10 working days.
    assert "Extend the response deadline" in text(client.get(desk.url))
    assert "it has been extended by 5 of the 10 working days" in text(client.get(f"{desk.url}/extend"))


def test_an_extension_too_long_is_refused_and_keeps_what_was_typed(app, client, desk, outbox):
    acknowledge(client, desk)
    before = case_of(app, desk).respond_by
    emails, changes = len(outbox.messages()), count_of(app, DeadlineChange)
    response = act(client, desk, "extend", {"working_days": "11", "reason": "The taxi firm is slow."})
    page = text(response)
    assert response.status_code == 200
    assert "<title>Error:" in page
    assert "Going further needs a manager's approval: ask a manager to make this extension" in page
    assert "The taxi firm is slow." in page
    assert 'value="11"' in page
    after = case_of(app, desk)
    assert (after.respond_by, after.extension_used) == (before, False)
    assert (len(outbox.messages()), count_of(app, DeadlineChange)) == (emails, changes)


def test_words_for_the_family_reach_them_as_typed(app, client, desk, outbox):
    """Family text is plain text: an apostrophe or an "&" is never turned into HTML."""
    acknowledge(client, desk)
    reason = "The school's records & the taxi firm's log <due Friday>."
    assert act(client, desk, "extend", {"working_days": "5", "reason": reason}).status_code == 302
    email = outbox.last(FAMILY_EMAIL)
    assert reason in email.body
    assert "&#39;" not in email.body and "&amp;" not in email.body
    with app.app_context():
        assert reason in db.session.scalars(db.select(CaseMessage.body).order_by(CaseMessage.id.desc())).first()
    # The family's page escapes it once, so they read it as it was typed.
    assert reason in text(desk.family.get(desk.family_url))


# --- outcome ----------------------------------------------------------------------------------


@pytest.fixture
def themes(app):
    with app.app_context():
        rows = [
            LearningTheme(name=name)
            for name in ("Home-to-school transport reliability", "Named contact and continuity", "Therapy provision")
        ]
        db.session.add_all(rows)
        db.session.commit()
        return {row.name: row.id for row in rows}


def outcome_form(values: dict) -> dict:
    """Everything the outcome page's form sends from a browser, empty rows included."""
    data = {"summary": ""}
    for index in range(3):
        data |= {f"remedy-{index}-kind": "", f"remedy-{index}-description": "", f"remedy-{index}-due_on": ["", "", ""]}
    return data | values


def test_recording_the_outcome_sends_the_finding_remedies_and_route_onwards(app, client, desk, outbox, themes):
    acknowledge(client, desk)
    form = text(client.get(f"{desk.url}/outcome"))
    assert "Partly upheld" in form and "Therapy provision" in form

    response = act(
        client,
        desk,
        "outcome",
        outcome_form(
            {
                "outcome": "partly_upheld",
                "summary": "The taxi did not come on three days. The firm has a new driver.",
                "remedy-0-kind": "apology",
                "remedy-0-description": "A written apology from the transport manager",
                "remedy-0-due_on": ["30", "6", "2027"],
                "remedy-1-kind": "policy_changed",
                "remedy-1-description": "Drivers will ring the family when they are late",
                "themes": [
                    str(themes["Home-to-school transport reliability"]),
                    str(themes["Named contact and continuity"]),
                ],
            }
        ),
    )
    assert response.status_code == 302

    with app.app_context():
        (outcome,) = db.session.scalars(db.select(CaseOutcome)).all()
        assert (outcome.stage, outcome.outcome) == (1, "partly_upheld")
        assert [(r.kind, r.description, r.due_on and r.due_on.isoformat()) for r in outcome.remedies] == [
            ("apology", "A written apology from the transport manager", "2027-06-30"),
            ("policy_changed", "Drivers will ring the family when they are late", None),
        ]
        assert [theme.name for theme in outcome.themes] == [
            "Home-to-school transport reliability",
            "Named contact and continuity",
        ]
        case = get_case(desk.reference)
        assert case.status == "responded"
        assert clocks.next_deadline(case) is None

    email = outbox.last(FAMILY_EMAIL, "caseworker_reply")
    for words in (
        "Our finding: your complaint is partly upheld.",
        "The firm has a new driver.",
        "An apology: A written apology from the transport manager (by 30 June 2027)",
        "A policy or practice changed: Drivers will ring the family when they are late",
        "(stage 2)",
    ):
        assert words in email.body
    assert "Our finding: your complaint is partly upheld." in text(desk.family.get(desk.family_url))
    staff_page = text(client.get(desk.url))
    assert "Stage 1: Partly upheld" in staff_page
    assert "Learning: Home-to-school transport reliability, Named contact and continuity" in staff_page


def test_an_outcome_without_a_finding_is_refused_and_keeps_what_was_typed(app, client, desk, outbox):
    acknowledge(client, desk)
    emails = len(outbox.messages())
    response = act(
        client,
        desk,
        "outcome",
        outcome_form(
            {
                "summary": "We looked at every journey.",
                "remedy-0-kind": "apology",
                "remedy-0-description": "An apology from the manager",
            }
        ),
    )
    page = text(response)
    assert response.status_code == 200
    assert "Select whether the complaint is upheld, partly upheld or not upheld" in page
    assert "We looked at every journey." in page
    assert "An apology from the manager" in page
    assert count_of(app, CaseOutcome) == 0
    assert case_of(app, desk).status == "acknowledged"
    assert len(outbox.messages()) == emails


@pytest.mark.parametrize(
    "row, message",
    [
        ({"remedy-0-kind": "financial", "remedy-0-description": ""}, "Remedy 1: say exactly what will be done"),
        (
            {"remedy-0-kind": "", "remedy-0-description": "We will refund the fares you paid"},
            "Remedy 1: select what kind of remedy this is",
        ),
        (
            {
                "remedy-0-kind": "financial",
                "remedy-0-description": "A refund of fares",
                "remedy-0-due_on": ["31", "2", "2027"],
            },
            "Remedy 1: enter the date as a real date",
        ),
    ],
)
def test_a_remedy_half_filled_in_is_refused_not_dropped(app, client, desk, outbox, row, message):
    """A promise to the family is never silently left out of the response."""
    acknowledge(client, desk)
    emails = len(outbox.messages())
    response = act(client, desk, "outcome", outcome_form({"outcome": "upheld", "summary": "We got this wrong.", **row}))
    page = text(response)
    assert response.status_code == 200
    assert message in page
    assert "We got this wrong." in page
    assert count_of(app, CaseOutcome) == 0
    assert len(outbox.messages()) == emails


def test_a_half_filled_remedy_is_named_by_its_row(app, client, desk, outbox):
    acknowledge(client, desk)
    emails = len(outbox.messages())
    response = act(
        client,
        desk,
        "outcome",
        outcome_form(
            {
                "outcome": "upheld",
                "summary": "We got this wrong.",
                "remedy-0-kind": "apology",
                "remedy-0-description": "An apology from the manager",
                "remedy-1-kind": "financial",
            }
        ),
    )
    page = text(response)
    assert response.status_code == 200
    assert "Remedy 2: say exactly what will be done" in page
    assert "An apology from the manager" in page
    assert count_of(app, CaseOutcome) == 0
    assert len(outbox.messages()) == emails


@pytest.mark.parametrize(
    "row, field_id, linked_to, message",
    [
        (
            {"remedy-1-kind": "financial", "remedy-1-description": ""},
            "remedy-1-description",
            "remedy-1-description",
            "Remedy 2: say exactly what will be done",
        ),
        (
            {"remedy-2-kind": "", "remedy-2-description": "We will refund the fares you paid"},
            "remedy-2-kind",
            "remedy-2-kind",
            "Remedy 3: select what kind of remedy this is",
        ),
        (
            {"remedy-0-kind": "apology", "remedy-0-description": "A letter", "remedy-0-due_on": ["31", "2", "2027"]},
            "remedy-0-due_on",
            "remedy-0-due_on-day",
            "Remedy 1: enter the date as a real date, for example 27 3 2027",
        ),
    ],
)
def test_a_remedy_error_is_shown_beside_its_own_field_and_linked_from_the_summary(
    client, desk, row, field_id, linked_to, message
):
    acknowledge(client, desk)
    response = act(client, desk, "outcome", outcome_form({"outcome": "upheld", "summary": "We got this wrong.", **row}))
    assert response.status_code == 200
    doc = lxml.html.fromstring(response.get_data(as_text=True))
    [group] = doc.xpath(f"//*[@id='{field_id}']/ancestor::div[contains(@class, 'govuk-form-group')][1]")
    assert "govuk-form-group--error" in group.get("class")
    [shown] = group.xpath(".//p[contains(@class, 'govuk-error-message')]")
    assert " ".join(shown.text_content().split()) == f"Error: {message}"
    # Nowhere else: not under the finding, nor on the other rows.
    assert len(doc.xpath("//p[contains(@class, 'govuk-error-message')]")) == 1
    [link] = doc.xpath("//div[contains(@class, 'govuk-error-summary')]//a")
    assert (link.get("href"), link.text_content().strip()) == (f"#{linked_to}", message)
    assert doc.xpath(f"//*[@id='{linked_to}']"), "the summary links to something on the page"


def test_the_remedies_are_checked_whoever_records_the_outcome(app, desk):
    """The rule is the service's: plain (kind, description, due) rows are checked the same way."""
    with app.test_request_context():
        actor = get_user(desk.caseworker)
        services.acknowledge(get_case(desk.reference), actor)
        db.session.commit()
        with pytest.raises(services.ActionError, match="Remedy 2: select what kind of remedy this is"):
            services.record_outcome(
                get_case(desk.reference),
                actor,
                outcome="upheld",
                summary="We are sorry.",
                remedies=[("apology", "An apology", None), ("", "A refund of fares", None)],
            )
        db.session.rollback()
        record = services.record_outcome(
            get_case(desk.reference),
            actor,
            outcome="upheld",
            summary="We are sorry.",
            remedies=[("", "", None), services.RemedyRow("apology", "  An apology  ")],
        )
        assert [(remedy.kind, remedy.description) for remedy in record.remedies] == [("apology", "An apology")]


def test_a_question_is_answered_without_a_finding(app, client, desk, outbox):
    with app.app_context():
        reference = new_case(
            kind="question", category=desk.category, caseworker=desk.caseworker, contact_email="asker@example.org"
        )
    form = text(client.get(f"/cases/{reference}/outcome"))
    assert "What is your finding?" not in form
    response = client.post(
        f"/cases/{reference}/outcome", data=outcome_form({"summary": "The Local Offer lists every taxi firm."})
    )
    assert response.status_code == 302
    email = outbox.last("asker@example.org")
    assert "The Local Offer lists every taxi firm." in email.body
    assert "Our finding" not in email.body
    assert "make a complaint" in email.body
    # The response is kept without a stage or a finding, so its learning themes still count.
    with app.app_context():
        outcome = db.session.scalar(db.select(CaseOutcome))
        assert (outcome.stage, outcome.outcome, outcome.label) == (None, None, "Answered")


def test_a_compliments_learning_theme_is_kept_as_evidence(app, client, desk):
    with app.app_context():
        theme = LearningTheme(name="Named contact and continuity")
        db.session.add(theme)
        db.session.commit()
        theme_id = theme.id
        reference = new_case(
            kind="compliment", category=desk.category, caseworker=desk.caseworker, contact_email="thanks@example.org"
        )
    response = client.post(
        f"/cases/{reference}/outcome", data=outcome_form({"summary": "Thank you.", "themes": str(theme_id)})
    )
    assert response.status_code == 302
    with app.app_context():
        outcome = db.session.scalar(db.select(CaseOutcome))
        assert [t.name for t in outcome.themes] == ["Named contact and continuity"]
    assert "Answered" in text(client.get(f"/cases/{reference}"))


# --- close and reopen -------------------------------------------------------------------------


def test_closing_and_reopening(app, client, desk):
    acknowledge(client, desk)
    assert act(client, desk, "close").status_code == 302
    assert case_of(app, desk).status == "closed"
    assert desk.reference in text(client.get("/cases?queue=closed"))
    assert desk.reference not in text(client.get("/cases?queue=mine"))
    assert "Closed" in text(desk.family.get(desk.family_url))

    refused = act(client, desk, "reopen", {"reason": ""})
    assert refused.status_code == 200
    assert "Enter why the case is being reopened" in text(refused)
    assert case_of(app, desk).status == "closed"

    assert act(client, desk, "reopen", {"reason": "The taxi failed again this week."}).status_code == 302
    case = case_of(app, desk)
    assert (case.status, case.closed_at) == ("acknowledged", None)
    assert desk.reference in text(client.get("/cases?queue=mine"))
    assert "Reopened: The taxi failed again this week." in text(client.get(desk.url))
    # The reason is an internal note.
    assert "The taxi failed again this week." not in text(desk.family.get(desk.family_url))


# --- transfer ---------------------------------------------------------------------------------


def test_transferring_to_another_caseworker(app, client, desk):
    with app.app_context():
        colleague = make_user("caseworker", team=TEAM, name="Kim Colleague")
    response = act(
        client, desk, "transfer", {"caseworker": str(colleague.id), "team": "", "reason": "Kim knows this school."}
    )
    assert response.status_code == 302
    assert case_of(app, desk).caseworker_id == colleague.id
    with app.app_context():
        event = events_for(desk.reference, "case.assigned")[-1]
        assert event.actor_id == desk.caseworker.id
        assert event.details["reason"] == "transferred: Kim knows this school."
    assert "Kim Colleague" in text(desk.family.get(desk.family_url))


def test_transferring_to_another_teams_queue_lands_somewhere_the_caseworker_can_see(app, client, desk):
    with app.app_context():
        make_user("caseworker", team="SENAR North")
        north = team_id("SENAR North")
    response = act(
        client,
        desk,
        "transfer",
        {"caseworker": "", "team": str(north), "reason": "This is about the EHC plan."},
        follow_redirects=True,
    )
    # The case has left the caseworker's team: they are shown their cases, not a missing page.
    assert response.status_code == 200
    assert "Case transferred." in text(response)
    case = case_of(app, desk)
    assert (case.team_id, case.caseworker_id) == (north, None)
    assert client.get(desk.url).status_code == 404
    with app.app_context():
        assert (
            events_for(desk.reference, "case.queued")[-1].details["reason"]
            == "transferred: This is about the EHC plan."
        )


def test_a_transfer_needs_somewhere_to_go_and_a_reason(app, client, desk):
    nowhere = act(client, desk, "transfer", {"caseworker": "", "team": "", "reason": "Someone else should do this."})
    assert "Choose a caseworker or a team" in text(nowhere)
    assert "Someone else should do this." in text(nowhere)
    no_reason = act(client, desk, "transfer", {"caseworker": str(desk.caseworker.id), "team": "", "reason": ""})
    assert "Enter why the case is being transferred" in text(no_reason)
    assert case_of(app, desk).caseworker_id == desk.caseworker.id


def test_stage_2_cannot_be_transferred_to_the_stage_1_handler(app, client, desk):
    acknowledge(client, desk)
    respond(client, desk)
    desk.family.post(f"{desk.family_url}/escalate", data={"reason": ""})
    assert case_of(app, desk).caseworker_id is None  # nobody else in the team
    response = act(
        client, desk, "transfer", {"caseworker": str(desk.caseworker.id), "team": "", "reason": "I know the family."}
    )
    page = text(response)
    assert response.status_code == 200
    assert "handled stage 1, so someone else must handle stage 2" in page
    assert "I know the family." in page
    assert case_of(app, desk).caseworker_id is None


# --- not a complaint --------------------------------------------------------------------------


def test_marking_as_not_a_complaint_stops_the_clocks_and_tells_the_family(app, client, desk, outbox):
    with app.app_context():
        get_case(desk.reference).acknowledge_by = london_today() - timedelta(days=3)
        db.session.commit()
    assert desk.reference in text(client.get("/cases?queue=overdue"))

    response = act(
        client,
        desk,
        "not-a-complaint",
        {
            "reason": "other_route",
            "signposting": "You can appeal to the SEND Tribunal. Talk to a mediation adviser first.",
        },
    )
    assert response.status_code == 302
    case = case_of(app, desk)
    assert case.status == "closed"
    assert case.not_complaint_reason == "other_route"
    assert clocks.next_deadline(case) is None
    assert desk.reference not in text(client.get("/cases?queue=overdue"))
    assert "Acknowledge by" not in text(client.get(desk.url))

    email = outbox.last(FAMILY_EMAIL)
    # Code 2.4: the reason and the Ombudsman's details.
    assert "decided not to take it on as a complaint, because it is a matter with its own statutory route" in email.body
    assert "You can appeal to the SEND Tribunal." in email.body
    assert "0300 061 0614" in email.body
    assert "You can appeal to the SEND Tribunal." in text(desk.family.get(desk.family_url))


def test_an_ombudsman_referral_is_recorded_after_closing_and_its_decision_updated(app, client, desk):
    act(client, desk, "close")
    page = text(client.get(desk.url))
    assert "Record an Ombudsman referral" in page  # families go to the Ombudsman after the procedure

    response = act(client, desk, "ombudsman", {"notified_on": ["", "3", "2026"], "decision": "pending"})
    assert response.status_code == 200
    assert "The date the council heard of it must include a day" in text(response)

    assert act(client, desk, "ombudsman", {"notified_on": ["2", "3", "2026"], "decision": "pending"}).status_code == 302
    assert "the council heard on 2 March 2026. Not decided yet." in text(client.get(desk.url))
    form = text(client.get(f"{desk.url}/ombudsman"))
    assert "Not decided yet" in form
    assert (
        act(client, desk, "ombudsman", {"notified_on": ["2", "3", "2026"], "decision": "fault_found"}).status_code
        == 302
    )
    assert "The Ombudsman found fault." in text(client.get(desk.url))
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(OmbudsmanReferral)) == 1


def test_the_family_sees_their_named_caseworker_with_a_working_email_link(app, desk):
    html = desk.family.get(desk.family_url).get_data(as_text=True)
    email = desk.caseworker.email
    assert f'<a class="govuk-link" href="mailto:{email}">{email}</a>' in html
    assert "&lt;br&gt;" not in html and "&lt;a" not in html


def test_an_ombudsman_referral_cannot_be_dated_in_the_future(app, client, desk):
    tomorrow = london_today() + timedelta(days=1)
    response = act(
        client,
        desk,
        "ombudsman",
        {"notified_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)], "decision": "pending"},
    )
    assert response.status_code == 200
    assert "must be today or in the past" in text(response)


# --- templates --------------------------------------------------------------------------------


def test_a_response_template_fills_in_the_case(app, client, desk):
    acknowledge(client, desk)
    with app.app_context():
        template = ResponseTemplate(
            name="Holding reply",
            body="Dear {family_name}, about {child_name} ({reference}): I will write by {respond_by}. {caseworker_name}. {unknown}",
        )
        db.session.add(template)
        db.session.commit()
        template_id = template.id
    respond_by = case_of(app, desk).respond_by
    reply_page = text(client.get(f"{desk.url}/reply"))
    assert "Holding reply" in reply_page

    filled = text(client.get(f"{desk.url}/reply?template={template_id}"))
    assert (
        f"Dear Jo Smith, about JS ({desk.reference}): I will write by {respond_by:%-d %B %Y}. Sam Carter. {{unknown}}"
        in filled
    )


def test_choosing_a_template_keeps_what_the_caseworker_typed_and_sends_nothing(app, client, desk, outbox):
    acknowledge(client, desk)
    with app.app_context():
        template = ResponseTemplate(name="Holding reply", body="I will write again by {respond_by}.")
        db.session.add(template)
        db.session.commit()
        template_id = template.id
    sent_before = len(outbox.messages())
    page = client.post(
        f"{desk.url}/reply", data={"body": "I rang the taxi firm this morning.", "use_template": str(template_id)}
    )
    assert page.status_code == 200
    body = re.search(r"<textarea[^>]*>(.*?)</textarea>", page.get_data(as_text=True), re.S).group(1)
    assert body.strip().startswith("I rang the taxi firm this morning.")
    assert "I will write again by" in body
    assert len(outbox.messages()) == sent_before  # nothing went to the family
    with app.app_context():
        assert not db.session.scalars(db.select(CaseMessage).where(CaseMessage.body.contains("taxi firm"))).all()


# --- actions the case's state does not allow ----------------------------------------------------


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("acknowledge", {"body": "Again"}, "You cannot acknowledge for this case now."),
        ("reopen", {"reason": "Why not"}, "You cannot reopen the case for this case now."),
    ],
)
def test_an_action_the_state_does_not_allow_redirects_with_a_message(app, client, desk, outbox, name, data, message):
    acknowledge(client, desk)
    emails, messages = len(outbox.messages()), count_of(app, CaseMessage)
    for method in ("get", "post"):
        response = getattr(client, method)(f"{desk.url}/{name}", data=data)
        assert response.status_code == 302
        assert response.headers["Location"] == desk.url
        assert message in text(client.get(desk.url))
    assert case_of(app, desk).status == "acknowledged"
    assert (len(outbox.messages()), count_of(app, CaseMessage)) == (emails, messages)


def test_extending_before_acknowledging_and_closing_twice_are_refused(app, client, desk):
    extend = act(client, desk, "extend", {"working_days": "5", "reason": "Busy"})
    assert extend.headers["Location"] == desk.url
    assert case_of(app, desk).extension_used is False
    act(client, desk, "close")
    again = act(client, desk, "close")
    assert again.headers["Location"] == desk.url
    assert "You cannot close the case for this case now." in text(client.get(desk.url))
    with app.app_context():
        assert len(events_for(desk.reference, "case.closed")) == 1


CLOSED = {"status": "closed"}
ANONYMOUS = {"anonymous": True, "contact_name": None, "contact_email": None}
ANSWERED = {"kind": "question", "status": "responded", "acknowledged_at": utcnow(), "responded_at": utcnow()}


@pytest.mark.parametrize(
    "fields, predicate, attempt, message",
    [
        (CLOSED, "can_acknowledge", lambda c, a: services.acknowledge(c, a, "Hello"), "Reopen the case before ack"),
        (
            CLOSED,
            "can_request_information",
            lambda c, a: services.request_information(c, a, "Which days?"),
            "Reopen the case before asking",
        ),
        (
            CLOSED,
            "can_record_outcome",
            lambda c, a: services.record_outcome(c, a, outcome="upheld", summary="Sorry."),
            "Reopen the case before recording",
        ),
        (
            CLOSED,
            "can_transfer",
            lambda c, a: services.transfer(c, a, team=c.team, reason="Elsewhere."),
            "Reopen the case before transferring",
        ),
        (
            CLOSED,
            "can_mark_not_a_complaint",
            lambda c, a: services.mark_not_a_complaint(c, a, "other_route", "Appeal."),
            "Reopen the case before marking",
        ),
        (CLOSED, "can_close", lambda c, a: services.close(c, a), "already closed"),
        (ANONYMOUS, "can_reply", lambda c, a: services.reply(c, a, "An update."), "nobody to write to"),
        (
            ANONYMOUS,
            "can_request_information",
            lambda c, a: services.request_information(c, a, "Which days?"),
            "nobody to write to",
        ),
        (ANSWERED, "can_acknowledge", lambda c, a: services.acknowledge(c, a), "already been acknowledged"),
        (
            ANSWERED,
            "can_record_outcome",
            lambda c, a: services.record_outcome(c, a, outcome=None, summary="Again."),
            "already been recorded",
        ),
        (ANSWERED, "can_reopen", lambda c, a: services.reopen(c, a, "More to do."), "Only a closed case"),
    ],
)
def test_what_the_case_page_does_not_offer_the_service_refuses(app, desk, fields, predicate, attempt, message):
    """The page asks the same predicate the action obeys, so a refused action never half happens."""
    with app.test_request_context():
        reference = new_case(category=desk.category, caseworker=desk.caseworker, **fields)
        case = get_case(reference)
        assert getattr(services, predicate)(case) is False
        with pytest.raises(services.ActionError, match=message):
            attempt(case, get_user(desk.caseworker))
        db.session.rollback()
        assert events_for(reference) == []
        assert db.session.scalar(db.select(db.func.count()).where(CaseMessage.case_id == case.id)) == 0


def test_an_anonymous_complaint_is_answered_without_a_reply_to_anyone(app, client, desk, outbox):
    with app.app_context():
        reference = new_case(category=desk.category, caseworker=desk.caseworker, **ANONYMOUS)
    page = text(client.get(f"/cases/{reference}"))
    assert "Reply to the family" not in page and "Ask the family for more information" not in page
    assert "Record the response" in page
    emails = len(outbox.messages())
    response = client.post(
        f"/cases/{reference}/outcome", data=outcome_form({"outcome": "not_upheld", "summary": "We checked."})
    )
    assert response.status_code == 302
    assert len(outbox.messages()) == emails


# --- the audit log ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, data, action",
    [
        ("acknowledge", ACKNOWLEDGEMENT, "case.acknowledged"),
        ("reply", {"body": "An update."}, "case.replied"),
        ("note", {"body": "A note."}, "case.note_added"),
        ("request-information", {"body": "Which days?"}, "case.information_requested"),
        ("extend", {"working_days": "3", "reason": "Waiting for records."}, "case.extended"),
        (
            "outcome",
            outcome_form({"outcome": "not_upheld", "summary": "The taxi came every day."}),
            "case.outcome_recorded",
        ),
        ("transfer", {"caseworker": "", "team": "TEAM", "reason": "Back to the queue."}, "case.queued"),
        (
            "not-a-complaint",
            {"reason": "service_request", "signposting": "We will arrange it."},
            "case.not_a_complaint",
        ),
        ("close", {}, "case.closed"),
        ("reopen", {"reason": "More to do."}, "case.reopened"),
        ("ombudsman", {"notified_on": ["2", "3", "2026"], "decision": "pending"}, "case.ombudsman_recorded"),
    ],
)
def test_every_action_is_recorded_in_the_audit_log(app, client, desk, name, data, action):
    if name in ("extend", "outcome"):
        acknowledge(client, desk)
    if name == "reopen":
        act(client, desk, "close")
    if data.get("team") == "TEAM":
        data = {**data, "team": str(case_of(app, desk).team_id)}
    with app.app_context():
        before = db.session.scalar(db.select(db.func.max(AuditEvent.id))) or 0
    response = act(client, desk, name, data)
    assert response.status_code == 302, text(response)[:2000]
    with app.app_context():
        new = db.session.scalars(db.select(AuditEvent).where(AuditEvent.id > before)).all()
        assert action in [event.action for event in new]
        assert all(event.actor_id == desk.caseworker.id for event in new)


def test_the_response_has_the_codes_parts_and_is_previewed_before_it_is_sent(app, client, desk, outbox):
    """Code 6.7: the stage, the complaint as understood, the decision with reasons, the remedy,
    anything still to do and how to escalate; the caseworker sees it before it goes."""
    acknowledge(client, desk)
    page = text(client.get(f"{desk.url}/outcome"))
    # The complaint as understood at the acknowledgement is offered again.
    assert ">The taxi has not come for three weeks.</textarea>" in page
    assert "Our decision on each point, with the reasons" in page
    emails, outcomes = len(outbox.messages()), count_of(app, CaseOutcome)
    typed = outcome_form(
        {
            "outcome": "partly_upheld",
            "complaint": "1. The taxi did not come. 2. Nobody told you.",
            "summary": "1. Upheld: the driver was ill. 2. Not upheld: the school was told.",
            "still_to_do": "The new contract starts in April; we will write when it does.",
            "remedy-0-kind": "apology",
            "remedy-0-description": "A written apology",
            "preview": "Preview the response",
        }
    )
    preview = act(client, desk, "outcome", typed)
    shown = visible(preview)
    assert preview.status_code == 200 and "What the family will get" in shown
    for part in (
        "Stage 1 response",
        "Your complaint, as we understand it: 1. The taxi did not come. 2. Nobody told you.",
        "Our finding: your complaint is partly upheld.",
        "Our decision, and the reasons for it: 1. Upheld: the driver was ill.",
        "What we will do to put things right: - An apology: A written apology",
        "Still to do: The new contract starts in April",
        "ask for your complaint to be looked at again by someone else (stage 2)",
    ):
        assert part in shown, part
    # Nothing saved or sent, and everything typed is still in the form.
    assert (len(outbox.messages()), count_of(app, CaseOutcome)) == (emails, outcomes)
    assert ">The new contract starts in April; we will write when it does.</textarea>" in text(preview)

    del typed["preview"]
    assert act(client, desk, "outcome", typed).status_code == 302
    email = outbox.last(FAMILY_EMAIL, "caseworker_reply").body
    assert "Your complaint, as we understand it:\n1. The taxi did not come." in email
    assert "Still to do:\nThe new contract starts in April" in email
    with app.app_context():
        recorded = db.session.scalars(db.select(CaseOutcome)).all()[-1]
        assert recorded.still_to_do.startswith("The new contract")
