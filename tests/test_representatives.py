"""Who speaks for whom: a parent or carer, a young person aged 16 to 25 for themselves, or a
representative (an advocate, a SENDIASS adviser, a councillor or MP, a solicitor). Until the
family's consent is recorded, a representative is sent nothing that names or describes the
child; a young person's wishes decide who else is written to; and the family can withdraw a
representative's authority from their case page, after which the representative hears nothing."""

import html
import io
import re
from datetime import date, datetime, timedelta, timezone

import flask_migrate
import lxml.html
import pytest
import sqlalchemy as sa

from portal.casework import services as casework_services
from portal.core.audit import AuditEvent
from portal.core.files import CheckedFile
from portal.core.time import london_today
from portal.extensions import db
from portal.feedback.models import Attachment, Case, CaseMessage
from portal.feedback.services import add_attachment, family_reply
from portal.retention.cases import anonymise
from portal.rights import your_data
from tests.casework_helpers import category_id, get_case, sign_in, submit_case
from tests.factories import get_user
from tests.feedback_helpers import COMPLAINT, SLUGS, answer, submit, walk

TEAM = "Travel Assist"
CHILD = "Jaylen"
SCHOOL = "Oakfield Academy"
WHAT_HAPPENED = "The taxi for Jaylen did not come for three weeks."
ADVOCATE_EMAIL = "ana.advocate@example.org"
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

CHILD_ANSWERS = {"child_name": CHILD, "child_year_group": "Year 5", "child_setting": SCHOOL}
ADVOCATE = {"speaker": "advocate", "young_person_age": "no"}
ADVOCATE_DETAILS = {
    "representative_name": "Ana Advocate",
    "representative_organisation": "Family Voices",
    "representative_email": ADVOCATE_EMAIL,
    "consent": "later",
}


@pytest.fixture
def category(app):
    with app.app_context():
        return category_id("Home-to-school transport", TEAM)


@pytest.fixture
def caseworker(users):
    return users.make("caseworker", team=TEAM, name="Sam Carter")


def words(response) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())


def by_class(document, name: str) -> list:
    return document.xpath(f"//*[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]")


def error_summary(document) -> dict[str, str]:
    return {
        link.get("href"): link.text_content().strip()
        for link in by_class(document, "govuk-error-summary")[0].xpath(".//a")
    }


def case_of(app, reference: str) -> Case:
    """The case as it is now, readable after the app context ends."""
    with app.app_context():
        case = get_case(reference)
        db.session.expunge(case)
        return case


def holds_no_details(body: str) -> bool:
    return not any(secret in body for secret in (CHILD, SCHOOL, WHAT_HAPPENED, "/my-cases/"))


def reply_as(app, caseworker, reference: str, body: str) -> None:
    with app.test_request_context():
        casework_services.reply(get_case(reference), get_user(caseworker), body)
        db.session.commit()


def advocate_case(app, category, **overrides) -> str:
    answers = {"what_happened": WHAT_HAPPENED, **CHILD_ANSWERS, **ADVOCATE, **ADVOCATE_DETAILS, **overrides}
    return submit_case(app, category, **answers)


def walk_to_who(client, category) -> None:
    walk(
        client,
        category,
        overrides={"child": CHILD_ANSWERS},
        skip=("who", "representative", "young_person", "reply", "contact", "adjustments"),
    )


# --- the journey's question ----------------------------------------------------------------


def test_the_who_question_shows_its_errors_next_to_the_fields_and_in_the_summary(client, category):
    walk_to_who(client, category)
    page = answer(client, "who", {})
    assert page.status_code == 200
    document = lxml.html.fromstring(page.get_data(as_text=True))
    assert document.findtext(".//title").startswith("Error: ")
    summary_links = error_summary(document)
    assert summary_links["#speaker"] == "Select who is giving this feedback"
    assert summary_links["#young_person_age"] == "Select yes if the child or young person is aged 16 to 25"
    beside = [element.text_content() for element in by_class(document, "govuk-error-message")]
    assert any("Select who is giving this feedback" in text for text in beside)

    # The young person speaking for themselves is not asked their own age.
    assert answer(client, "who", {"speaker": "young_person"}).status_code == 302


def test_a_representative_is_asked_about_themselves_and_nothing_typed_is_lost(app, client, category):
    walk_to_who(client, category)
    went = answer(client, "who", ADVOCATE)
    assert went.headers["Location"].endswith(f"/feedback/{SLUGS['representative']}")
    page = answer(
        client,
        "representative",
        {
            "representative_name": "Ana Advocate",
            "representative_organisation": "Family Voices",
            "representative_email": "ana@",
            "consent": "upload",
        },
    )
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'value="Ana Advocate"' in text and 'value="Family Voices"' in text and 'value="ana@"' in text
    document = lxml.html.fromstring(text)
    summary = list(error_summary(document).values())
    assert "Enter an email address in the correct format, like name@example.org" in summary
    assert "Select the signed consent to upload" in summary
    assert document.xpath("//*[@id='consent_document-error']")

    uploaded = client.post(
        f"/feedback/{SLUGS['representative']}",
        data={**ADVOCATE_DETAILS, "consent": "upload", "consent_document": (io.BytesIO(PDF), "consent.pdf")},
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 302
    for step in ("reply", "contact", "adjustments"):
        assert answer(client, step, COMPLAINT[step]).status_code == 302
    client.post("/feedback/evidence", data={"continue": "1"})
    check = client.get("/feedback/check-your-answers")
    shown = words(check)
    assert "Who is giving this feedback Who is giving it An advocate" in shown
    assert "The family's consent Yes, I will upload their signed consent now" in shown
    document = lxml.html.fromstring(check.get_data(as_text=True))
    changes = {
        link.get("href")
        for element in by_class(document, "govuk-summary-list__actions")
        for link in element.xpath(".//a")
    }
    assert f"/feedback/{SLUGS['who']}?change=1" in changes
    assert f"/feedback/{SLUGS['representative']}?change=1" in changes

    assert submit(client).status_code == 302
    confirmation = words(client.get("/feedback/confirmation"))
    assert "We cannot share any details of the child or young person with you" in confirmation
    assert "print what you told us" not in confirmation
    with app.app_context():
        case = db.session.scalar(sa.select(Case).order_by(Case.id.desc()))
        assert case.speaker == "advocate" and case.consent_state == "awaited"
        assert [a.filename for a in case.attachments if a.consent_document] == ["consent.pdf"]
        reference = case.reference
    # The advocate's browser cannot open the case page, where the council's replies will be.
    assert client.get(f"/my-cases/{reference}").status_code == 404


def test_choosing_the_parent_after_all_drops_the_representatives_answers(app, client, category, outbox):
    walk_to_who(client, category)
    answer(client, "who", ADVOCATE)
    answer(client, "representative", ADVOCATE_DETAILS)
    changed = client.post(f"/feedback/{SLUGS['who']}?change=1", data={"speaker": "parent", "young_person_age": "no"})
    assert changed.status_code == 302
    for step in ("reply", "contact", "adjustments"):
        answer(client, step, COMPLAINT[step])
    client.post("/feedback/evidence", data={"continue": "1"})
    assert "Ana Advocate" not in words(client.get("/feedback/check-your-answers"))
    submit(client)
    with app.app_context():
        case = db.session.scalar(sa.select(Case).order_by(Case.id.desc()))
        assert case.speaker == "parent" and case.representative_email is None and case.consent_state is None
    assert outbox.messages(ADVOCATE_EMAIL) == []


# --- what a representative is sent ------------------------------------------------------------


def test_a_representative_without_consent_never_receives_the_childs_details(app, outbox, category, caseworker):
    reference = advocate_case(app, category)
    family = outbox.last("jo@example.org", "case_received")
    assert "/my-cases/" in family.body  # the family's own message, with its link

    reply_as(app, caseworker, reference, f"We have spoken to {CHILD}'s school, {SCHOOL}.")
    to_advocate = outbox.messages(ADVOCATE_EMAIL)
    assert [message.template for message in to_advocate] == ["consent_needed", "consent_needed"]
    for message in to_advocate:
        assert holds_no_details(message.body) and CHILD not in message.subject
        assert "We need the family's consent before we can share any details" in message.body
        assert "Dear Ana Advocate," in message.body
    assert CHILD in outbox.last("jo@example.org", "caseworker_reply").body


def test_consent_recorded_by_phone_lets_details_go_to_the_representative(app, outbox, category, caseworker):
    reference = advocate_case(app, category)
    staff = app.test_client()
    sign_in(staff, caseworker)
    page = words(staff.get(f"/cases/{reference}"))
    assert "Who speaks for whom" in page and "Consent awaited" in page and "Ana Advocate, Family Voices" in page
    assert reference in words(staff.get("/cases?queue=consent"))

    tomorrow = london_today() + timedelta(days=1)
    refused = staff.post(
        f"/cases/{reference}/consent",
        data={"method": "phone", "given_on": [str(tomorrow.day), str(tomorrow.month), str(tomorrow.year)]},
    )
    assert refused.status_code == 200
    assert "The date consent was given must be today or in the past" in words(refused)
    no_document = staff.post(
        f"/cases/{reference}/consent",
        data={"method": "document", "given_on": ["1", "12", "2026"]},
    )
    assert "There is no consent document on this case" in words(no_document)
    assert case_of(app, reference).consent_state == "awaited"

    today = london_today()
    recorded = staff.post(
        f"/cases/{reference}/consent",
        data={"method": "phone", "given_on": [str(today.day), str(today.month), str(today.year)]},
    )
    assert recorded.status_code == 302
    page = words(staff.get(f"/cases/{reference}"))
    assert "Consent given recorded by staff from a call" in page
    assert reference not in words(staff.get("/cases?queue=consent"))

    reply_as(app, caseworker, reference, f"We have spoken to {CHILD}'s school.")
    sent = outbox.last(ADVOCATE_EMAIL)
    assert sent.template == "caseworker_reply" and CHILD in sent.body and "/my-cases/" in sent.body


def test_a_consent_document_uploaded_with_the_case_can_be_accepted(app, outbox, category, caseworker):
    reference = advocate_case(app, category)
    with app.test_request_context():
        case = get_case(reference)
        checked = CheckedFile(filename="consent.pdf", content_type="application/pdf", data=PDF)
        add_attachment(checked, case=case).consent_document = True
        db.session.commit()
    staff = app.test_client()
    sign_in(staff, caseworker)
    assert "consent.pdf" in words(staff.get(f"/cases/{reference}"))
    accepted = staff.post(f"/cases/{reference}/consent", data={"method": "document", "given_on": ["1", "12", "2026"]})
    assert accepted.status_code == 302
    case = case_of(app, reference)
    assert (case.consent_state, case.consent_method, case.consent_given_on) == ("given", "document", date(2026, 12, 1))


def test_a_signed_consent_the_representative_sent_later_is_chosen_and_accepted(app, outbox, category, caseworker):
    reference = advocate_case(app, category)
    with app.test_request_context():
        # Sent after the feedback, as a reply with a file (on the case page, or by email).
        checked = CheckedFile(filename="signed-consent.pdf", content_type="application/pdf", data=PDF)
        family_reply(get_case(reference), "Here is the family's signed consent.", [checked])
        db.session.commit()
        sent_id = db.session.scalar(db.select(Attachment.id).where(Attachment.filename == "signed-consent.pdf"))
    staff = app.test_client()
    sign_in(staff, caseworker)
    form = words(staff.get(f"/cases/{reference}/consent"))
    assert "Which file is the signed consent?" in form and "signed-consent.pdf, sent" in form

    unchosen = staff.post(f"/cases/{reference}/consent", data={"method": "document", "given_on": ["1", "12", "2026"]})
    assert "Select the file that is the signed consent" in words(unchosen)
    accepted = staff.post(
        f"/cases/{reference}/consent",
        data={"method": "document", "given_on": ["1", "12", "2026"], "document": str(sent_id)},
    )
    assert accepted.status_code == 302
    case = case_of(app, reference)
    assert (case.consent_state, case.consent_method) == ("given", "document")
    with app.app_context():
        assert db.session.get(Attachment, sent_id).consent_document
    assert "signed-consent.pdf" in words(staff.get(f"/cases/{reference}"))
    reply_as(app, caseworker, reference, f"We have spoken to {CHILD}'s school.")
    assert CHILD in outbox.last(ADVOCATE_EMAIL).body


# --- /cases/new ----------------------------------------------------------------------------


def phone_call(category: int, **overrides) -> dict:
    today = london_today()
    form = {
        "channel": "elected_member",
        "received_on": [str(today.day), str(today.month), str(today.year)],
        "kind": "complaint",
        "worried": "no",
        "category_id": str(category),
        "what_happened": WHAT_HAPPENED,
        "outcome_wanted": "A taxi that comes.",
        "problem_known_on": ["", "", ""],
        "triage": "none",
        "child_name": CHILD,
        "speaker": "elected_member",
        "young_person_age": "no",
        "representative_name": "Cllr Rhys Evans",
        "representative_organisation": "Northfield ward",
        "representative_email": "rhys.evans@example.org",
        "consent": "later",
        "reply": "yes",
        "contact_name": "Priya Shah",
        "contact_email": "priya@example.org",
        "contact_phone": "",
        "relationship": "Parent",
        "preferred_contact": "email",
    }
    form.update(overrides)
    return form


def test_staff_record_who_spoke_when_logging_a_case(app, outbox, category, caseworker):
    staff = app.test_client()
    sign_in(staff, caseworker)
    assert "Who speaks for whom" in words(staff.get("/cases/new"))

    missing = staff.post("/cases/new", data=phone_call(category, representative_name="", consent=""))
    assert missing.status_code == 200
    document = lxml.html.fromstring(missing.get_data(as_text=True))
    summary = list(error_summary(document).values())
    assert "Enter the representative's full name" in summary
    assert "Select whether the family has given their consent" in summary
    assert 'value="Northfield ward"' in missing.get_data(as_text=True)

    logged = staff.post("/cases/new", data=phone_call(category))
    reference = logged.headers["Location"].rsplit("/", 1)[-1]
    case = case_of(app, reference)
    assert (case.speaker, case.representative_name, case.consent_state) == (
        "elected_member",
        "Cllr Rhys Evans",
        "awaited",
    )
    first = outbox.last("rhys.evans@example.org")
    assert first.template == "consent_needed" and holds_no_details(first.body)

    on_the_call = staff.post("/cases/new", data=phone_call(category, consent="phone"))
    reference = on_the_call.headers["Location"].rsplit("/", 1)[-1]
    case = case_of(app, reference)
    assert (case.consent_state, case.consent_method, case.consent_given_on) == ("given", "phone", london_today())
    assert outbox.last("rhys.evans@example.org").template == "case_received"


# --- young people from 16 ------------------------------------------------------------------


def test_a_young_person_who_wants_direct_contact_is_written_to_and_the_parent_gets_no_details(
    app, outbox, category, caseworker
):
    reference = submit_case(
        app,
        category,
        what_happened=WHAT_HAPPENED,
        **CHILD_ANSWERS,
        young_person_age="yes",
        young_person_direct="yes",
        young_person_email="alex@example.org",
        young_person_parent_acts="no",
    )
    reply_as(app, caseworker, reference, f"About {CHILD}'s transport.")
    to_young_person = outbox.messages("alex@example.org")
    assert [m.template for m in to_young_person] == ["case_received", "caseworker_reply"]
    assert CHILD in to_young_person[-1].body and "Hello," in to_young_person[-1].body
    to_parent = outbox.messages("jo@example.org")
    assert [m.template for m in to_parent] == ["consent_needed", "consent_needed"]
    assert all(holds_no_details(m.body) and "The young person is 16 or over" in m.body for m in to_parent)


def test_a_young_person_who_lets_their_parent_act_is_not_written_to_unless_they_ask(app, outbox, category):
    submit_case(
        app,
        category,
        **CHILD_ANSWERS,
        young_person_age="yes",
        young_person_direct="no",
        young_person_parent_acts="yes",
    )
    assert [m.template for m in outbox.messages("jo@example.org")] == ["case_received"]
    assert outbox.messages("alex@example.org") == []


def test_a_young_person_speaking_for_themselves_gets_everything(app, outbox, category):
    reference = submit_case(app, category, **CHILD_ANSWERS, speaker="young_person", young_person_age="")
    case = case_of(app, reference)
    assert case.young_person and case.young_person_contact_directly
    assert outbox.last("jo@example.org").template == "case_received"


def test_the_young_persons_wishes_are_asked_in_the_journey(client, category):
    walk_to_who(client, category)
    went = answer(client, "who", {"speaker": "parent", "young_person_age": "yes"})
    assert went.headers["Location"].endswith(f"/feedback/{SLUGS['young_person']}")
    page = answer(client, "young_person", {"young_person_direct": "yes"})
    assert page.status_code == 200
    shown = words(page)
    assert "Enter the young person's email address" in shown
    assert "Select yes if the young person agrees that their parent or carer acts for them" in shown
    assert (
        answer(
            client,
            "young_person",
            {"young_person_direct": "yes", "young_person_email": "alex@example.org", "young_person_parent_acts": "no"},
        )
        .headers["Location"]
        .endswith(f"/feedback/{SLUGS['reply']}")
    )


# --- consent ends --------------------------------------------------------------------------


def test_the_family_withdraws_the_representatives_authority_and_they_hear_nothing_more(
    app, outbox, category, caseworker, csrf_app
):
    reference = advocate_case(app, category)
    with app.test_request_context():
        case = get_case(reference)
        case.consent_state, case.consent_method, case.consent_given_on = "given", "phone", date(2026, 12, 1)
        db.session.commit()
    family = app.test_client()
    link = re.search(r"http://[^/\s]+(/my-cases/\S+/open/\S+)", outbox.last("jo@example.org", "case_received").body)
    family.get(link.group(1))

    page = family.get(f"/my-cases/{reference}")
    assert "Who speaks for you" in words(page) and "Withdraw their authority to act for you" in words(page)
    confirm = family.get(f"/my-cases/{reference}/withdraw-representative")
    assert confirm.status_code == 200
    assert "Are you sure you want to withdraw Ana Advocate's authority?" in words(confirm)
    token = lxml.html.fromstring(confirm.get_data(as_text=True)).xpath("//input[@name='csrf_token']/@value")[0]
    assert family.post(f"/my-cases/{reference}/withdraw-representative", data={}).status_code == 400
    assert case_of(app, reference).consent_state == "given"
    done = family.post(f"/my-cases/{reference}/withdraw-representative", data={"csrf_token": token})
    assert done.status_code == 302

    before = len(outbox.messages(ADVOCATE_EMAIL))
    reply_as(app, caseworker, reference, f"About {CHILD}.")
    assert len(outbox.messages(ADVOCATE_EMAIL)) == before
    assert CHILD in outbox.last("jo@example.org", "caseworker_reply").body

    case = case_of(app, reference)
    assert case.consent_state == "withdrawn" and case.consent_withdrawn_at is not None
    with app.app_context():
        history = db.session.scalars(sa.select(CaseMessage.body).where(CaseMessage.case_id == case.id)).all()
        events = db.session.scalars(
            sa.select(AuditEvent.action).where(
                AuditEvent.object_type == "feedback_case", AuditEvent.object_id == str(case.id)
            )
        ).all()
    assert any("I withdraw my consent for Ana Advocate (Family Voices)" in body for body in history)
    assert "case.consent_withdrawn" in events
    assert "You withdrew their authority" in words(family.get(f"/my-cases/{reference}"))
    # Nothing left to withdraw: the page goes back to the case.
    assert family.get(f"/my-cases/{reference}/withdraw-representative").status_code == 302


def test_a_case_page_without_a_representative_offers_nothing_to_withdraw(app, outbox, category):
    reference = submit_case(app, category)
    family = app.test_client()
    link = re.search(r"http://[^/\s]+(/my-cases/\S+/open/\S+)", outbox.last("jo@example.org").body)
    family.get(link.group(1))
    assert "Who speaks for you" not in words(family.get(f"/my-cases/{reference}"))
    assert family.get(f"/my-cases/{reference}/withdraw-representative").status_code == 302


# --- the family's data, kept and cleared -----------------------------------------------------


def test_retention_clears_who_spoke_for_the_family(app, category):
    reference = advocate_case(
        app,
        category,
        young_person_age="yes",
        young_person_direct="yes",
        young_person_email="alex@example.org",
        young_person_parent_acts="yes",
    )
    with app.app_context():
        case = get_case(reference)
        anonymise([case.id], datetime.now(timezone.utc))
        db.session.commit()
        db.session.expire_all()
        case = get_case(reference)
        assert case.representative_name is None and case.representative_organisation is None
        assert case.representative_email is None and case.young_person_email is None
        assert case.young_person_parent_acts is None and case.young_person_contact_directly is None


def test_the_familys_data_export_says_who_spoke_for_them(app, category, users):
    parent = users.make("parent", email="jo@example.org")
    advocate_case(app, category, user=parent)
    with app.test_request_context():
        data = your_data.gather(get_user(parent))
        answers = {row["question"]: row["answer"] for case in data.record["cases"] for row in case["answers"]}
    assert answers["Who is giving it"] == "An advocate"
    assert answers["Representative's name"] == "Ana Advocate"
    assert answers["Representative's email"] == ADVOCATE_EMAIL
    assert answers["The family's consent"] == "Consent awaited"


@pytest.mark.real_commits
def test_cases_from_before_default_to_the_parent_needing_no_consent(app):
    from tests.test_migrations import old_case

    with app.app_context():
        flask_migrate.downgrade(revision="0036_mail_replies")
        db.engine.dispose()
        reference = old_case(kind="question", received_at=datetime(2026, 3, 2, 10, tzinfo=timezone.utc))
        db.session.remove()
        flask_migrate.upgrade()
        db.engine.dispose()
        case = get_case(reference)
        assert (case.speaker, case.consent_state, case.young_person) == ("parent", None, False)
