"""Requests to see, correct or delete personal data (UK GDPR Articles 12, 15, 16 and 17): a
family asks online, or a manager records what a family asked another way; each is due one
calendar month after it arrived; a manager decides with a reason, produces a copy of the
family's data on their behalf, and the family is told."""

import io
import json
import re
import zipfile
from datetime import date

import lxml.html
import pytest

from portal.accounts import roles
from portal.accounts.models import User
from portal.core.files import check_upload
from portal.core.models import AuditEvent
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import AccessRecord, CaseMessage
from portal.rights import requests
from portal.rights.models import DataRequest
from tests.casework_helpers import get_case, new_case, sign_in
from tests.factories import make_user
from tests.query_counts import count_queries
from tests.test_your_data import pdf_of

TODAY = date(2026, 3, 10)
REVIEW_MARK = "Internal note: review before release"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", lxml.html.fromstring(response.get_data(as_text=True)).text_content())


def error_by(response, field: str) -> str:
    """The error message shown next to ``field``, without its hidden "Error:"."""
    document = lxml.html.fromstring(response.get_data(as_text=True))
    found = document.xpath(f'//*[@id="{field}-error"]')
    assert found, f"no error by {field}"
    return re.sub(r"\s+", " ", found[0].text_content()).replace("Error:", "").strip()


def day(value: date) -> list[str]:
    """A date as the three boxes send it."""
    return [str(value.day), str(value.month), str(value.year)]


def summary_errors(response) -> list[str]:
    document = lxml.html.fromstring(response.get_data(as_text=True))
    return [link.text_content().strip() for link in document.xpath('//div[contains(@class, "govuk-error-summary")]//a')]


@pytest.fixture
def today(frozen):
    frozen(TODAY)
    return TODAY


@pytest.fixture
def manager(app):
    with app.app_context():
        return make_user(roles.MANAGER, name="Morgan Manager")


@pytest.fixture
def parent(app):
    with app.app_context():
        return make_user(roles.PARENT, name="Pat Parent", email="pat@example.org")


def record(app, manager, **given) -> int:
    """A request recorded by ``manager`` through the rules, as the form does. Returns its id."""
    values = {"kind": "access", "received_on": TODAY, "channel": "email", "what": "Everything you hold."} | given
    with app.test_request_context():
        data_request = requests.record(db.session.get(User, manager.id), **values)
        db.session.commit()
        return data_request.id


# --- the deadline ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "due"),
    [
        (date(2026, 1, 15), date(2026, 2, 15)),
        (date(2026, 1, 31), date(2026, 2, 28)),
        (date(2028, 1, 31), date(2028, 2, 29)),  # a leap year
        (date(2028, 1, 30), date(2028, 2, 29)),
        (date(2028, 2, 29), date(2028, 3, 29)),
        (date(2026, 3, 31), date(2026, 4, 30)),
        (date(2026, 8, 31), date(2026, 9, 30)),
        (date(2026, 12, 31), date(2027, 1, 31)),  # into the next year
        (date(2026, 12, 5), date(2027, 1, 5)),
    ],
)
def test_a_request_is_due_one_calendar_month_after_it_arrived(received, due):
    assert requests.one_month_after(received) == due


# --- the family --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "what_error", "why_error"),
    [
        ("/account/your-data/correct", "Enter what is wrong", "Enter what it should say instead"),
        ("/account/your-data/delete", "Enter what you want us to delete", "Enter why you want it deleted"),
    ],
)
def test_an_empty_request_is_refused_with_an_error_by_each_field(client, auth, parent, path, what_error, why_error):
    auth.sign_in(parent)
    response = client.post(path, data={"what": "  ", "why": ""})
    assert response.status_code == 200
    assert error_by(response, "what") == what_error
    assert error_by(response, "why") == why_error
    assert summary_errors(response) == [what_error, why_error]
    assert re.search(r"<title>\s*Error: Ask us to", response.get_data(as_text=True))


def test_what_was_typed_is_kept_when_part_is_missing(client, auth, parent):
    auth.sign_in(parent)
    response = client.post("/account/your-data/correct", data={"what": "My son's school is wrong", "why": ""})
    assert response.status_code == 200
    assert "My son&#39;s school is wrong</textarea>" in response.get_data(as_text=True)
    assert error_by(response, "why") == "Enter what it should say instead"


@pytest.mark.parametrize(
    ("path", "what", "why", "status_words"),
    [
        (
            "/account/your-data/correct",
            "The school on case 1 is wrong",
            "It is Hill Top Academy",
            "Correct information",
        ),
        ("/account/your-data/delete", "The photo I sent by mistake", "It shows my neighbour", "Delete information"),
    ],
)
def test_a_parent_asks_and_is_told_who_decides_and_by_when(
    app, client, auth, outbox, parent, today, path, what, why, status_words
):
    auth.sign_in(parent)
    # The account page leads to both forms.
    account = client.get("/account").get_data(as_text=True)
    assert 'href="/account/your-data/correct"' in account and 'href="/account/your-data/delete"' in account

    response = client.post(path, data={"what": what, "why": why})
    assert response.status_code == 302
    confirmation = client.get(response.headers["Location"])
    words = text_of(confirmation)
    assert "Request sent" in words
    assert "A manager will look at your request" in words
    assert "10 April 2026" in words  # one month after 10 March
    assert "complaints procedure" in words and "Ombudsman" in words

    email = outbox.last(parent.email, "data_request_received")
    assert "10 April 2026" in email.body and what in email.body

    page = text_of(client.get("/account/your-data"))
    reference = re.search(r"DR-\d+", words).group(0)
    assert reference in page and status_words in page and "Open" in page and "10 April 2026" in page
    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "data_request.received"))
        assert event.actor_id == parent.id


def test_a_family_sees_only_their_own_requests(app, client, auth, parent):
    with app.app_context():
        other = make_user(roles.PARENT)
    auth.sign_in(other)
    client.post("/account/your-data/delete", data={"what": "Other family's request", "why": "Mine"})
    with app.app_context():
        theirs = db.session.scalar(db.select(DataRequest.id))
    auth.sign_out()
    auth.sign_in(parent)
    assert client.get(f"/account/your-data/requests/{theirs}").status_code == 404
    assert "Other family" not in client.get("/account/your-data").get_data(as_text=True)


# --- recording a request made another way ------------------------------------------------------


def test_a_manager_records_a_request_for_a_family_without_an_account(app, client, outbox, manager, today):
    with app.app_context():
        reference = new_case(contact_name="Robin Noaccount", contact_email="robin@example.org")
    sign_in(client, manager)
    assert client.get("/manage/data-requests/new").status_code == 200
    response = client.post(
        "/manage/data-requests/new",
        data={
            "kind": "deletion",
            "who": reference.lower(),
            "received_on": day(date(2026, 3, 2)),
            "channel": "letter",
            "what": "Please delete my phone number.",
        },
    )
    assert response.status_code == 302
    page = text_of(client.get(response.headers["Location"]))
    assert "Robin Noaccount" in page and "robin@example.org" in page
    assert f"No account: known through case {reference}" in page
    assert "2 April 2026" in page  # one month after the day the letter came, not the day it was typed
    assert f'href="/cases/{reference}"' in client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 April 2026" in outbox.last("robin@example.org", "data_request_received").body


@pytest.mark.parametrize(
    ("who", "error"),
    [
        ("CAN-2026-99999", "No case has this reference. Check it, or give the email address of an account"),
        ("nobody@example.org", "No family account has this email address. Check it, or give a case reference"),
        ("", "Enter the email address of their account or a case reference"),
    ],
)
def test_an_unknown_family_is_refused_with_an_error_by_the_field(app, client, manager, today, who, error):
    sign_in(client, manager)
    response = client.post(
        "/manage/data-requests/new",
        data={
            "kind": "access",
            "who": who,
            "received_on": day(date(2026, 3, 9)),
            "channel": "phone",
            "what": "A copy of everything.",
        },
    )
    assert response.status_code == 200
    assert error_by(response, "who") == error
    assert error in summary_errors(response)
    assert "A copy of everything.</textarea>" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(DataRequest.id))) == 0


def test_a_staff_accounts_email_is_not_a_family(app, client, manager, today):
    sign_in(client, manager)
    response = client.post(
        "/manage/data-requests/new",
        data={
            "kind": "access",
            "who": manager.email,
            "received_on": day(date(2026, 3, 9)),
            "channel": "phone",
            "what": "Everything.",
        },
    )
    assert error_by(response, "who").startswith("No family account has this email address")


def test_a_request_cannot_arrive_in_the_future(app, client, manager, parent, today):
    sign_in(client, manager)
    response = client.post(
        "/manage/data-requests/new",
        data={
            "kind": "access",
            "who": parent.email,
            "received_on": day(date(2026, 3, 11)),
            "channel": "phone",
            "what": "Everything.",
        },
    )
    assert error_by(response, "received_on") == "The date it was received must be today or in the past"


# --- the copy of a family's data, produced on their behalf --------------------------------------


def family_without_account(app, label: str, caseworker) -> str:
    """A family with no account: a case with their words, a reply, and an internal note with a file."""
    with app.app_context():
        reference = new_case(
            contact_name=f"{label} Family",
            contact_email=f"{label.lower()}@example.org",
            what_happened=f"{label} words about the missed taxi",
            child_name=f"{label}child",
        )
        case = get_case(reference)
        db.session.add(CaseMessage(case=case, author_id=caseworker.id, body=f"{label} reply from the council"))
        note = CaseMessage(case=case, author_id=caseworker.id, internal=True, body=f"{label} internal note")
        db.session.add(note)
        feedback_services.add_attachment(
            check_upload(f"{label}-note.pdf", pdf_of(f"{label} note file")), case=case, message=note, from_family=False
        )
        db.session.commit()
    return reference


def test_a_manager_produces_a_familys_data_with_internal_notes_marked_and_nothing_of_another(
    app, client, manager, today
):
    with app.app_context():
        caseworker = make_user(roles.CASEWORKER)
    alder = family_without_account(app, "Alder", caseworker)
    birch = family_without_account(app, "Birch", caseworker)
    request_id = record(app, manager, who=alder)
    sign_in(client, manager)

    response = client.post(f"/manage/data-requests/{request_id}/export")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    page = archive.read("your-data.html").decode()
    data = json.loads(archive.read("your-data.json"))

    assert [case["reference"] for case in data["cases"]] == [alder]
    assert data["account"]["name"] == "Alder Family" and data["account"]["role_label"] == "No account"
    messages = {message["body"]: message["internal_note"] for message in data["cases"][0]["messages"]}
    assert messages == {"Alder reply from the council": None, "Alder internal note": REVIEW_MARK}
    [note_file] = data["cases"][0]["files"]
    assert note_file["filename"] == "Alder-note.pdf" and note_file["internal_note"] == REVIEW_MARK
    assert archive.read(note_file["path"]) == pdf_of("Alder note file")
    for words in ("Alder words about the missed taxi", "Alderchild", "Alder reply from the council"):
        assert words in page
    # The note is in the page, with the mark just before it.
    assert re.search(re.escape(REVIEW_MARK) + r".{0,200}Internal note by .*?Alder internal note", page, re.S)

    everything = b"".join(archive.read(name) for name in archive.namelist()).decode()
    for theirs in (
        birch,
        "Birch Family",
        "birch@example.org",
        "Birch words",
        "Birchchild",
        "Birch internal",
        "Birch note",
    ):
        assert theirs not in everything, theirs

    with app.app_context():
        case = get_case(alder)
        logged = db.session.scalars(db.select(AccessRecord).where(AccessRecord.case_id == case.id)).all()
        assert [(entry.user_id, entry.what) for entry in logged] == [(manager.id, AccessRecord.EXPORTED)]
        assert not db.session.scalars(db.select(AccessRecord).where(AccessRecord.case_id == get_case(birch).id)).all()
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "data_request.exported"))
        assert event.actor_id == manager.id and event.details["cases"] == [case.id]


def test_the_copy_for_an_account_holder_holds_their_cases(app, client, manager, parent, today):
    with app.app_context():
        reference = new_case(user_id=parent.id, contact_email=parent.email, what_happened="Pat's own case words")
    request_id = record(app, manager, who=parent.email)
    sign_in(client, manager)
    archive = zipfile.ZipFile(io.BytesIO(client.post(f"/manage/data-requests/{request_id}/export").data))
    data = json.loads(archive.read("your-data.json"))
    assert data["account"]["email"] == parent.email
    assert [case["reference"] for case in data["cases"]] == [reference]


def test_a_manager_a_complaint_is_about_cannot_produce_the_copy(app, client, manager, today):
    with app.app_context():
        reference = new_case(contact_email="quince@example.org", about_staff_id=manager.id)
    request_id = record(app, manager, who=reference)
    sign_in(client, manager)
    response = client.post(f"/manage/data-requests/{request_id}/export", follow_redirects=True)
    assert response.mimetype == "text/html"
    assert "another manager must produce their data" in text_of(response)
    assert reference not in text_of(client.get(f"/manage/data-requests/{request_id}"))


# --- deciding ----------------------------------------------------------------------------------


def test_a_decision_needs_a_reason_and_the_family_sees_it(app, client, auth, outbox, manager, parent, today):
    request_id = record(app, manager, kind="deletion", who=parent.email, what="Delete my old email address.")
    staff = app.test_client()
    sign_in(staff, manager)
    page = staff.get(f"/manage/data-requests/{request_id}").get_data(as_text=True)
    assert 'value="deleted"' in page and 'value="kept"' in page and 'value="corrected"' not in page

    response = staff.post(f"/manage/data-requests/{request_id}", data={"outcome": "kept", "reason": " "})
    assert response.status_code == 200
    assert error_by(response, "reason") == "Enter the reason for the decision"
    response = staff.post(f"/manage/data-requests/{request_id}", data={"reason": "Kept"})
    assert error_by(response, "outcome") == "Select what you decided"
    assert outbox.messages(parent.email, "data_request_decided") == []

    reason = "It is on a complaint that may still go to the Ombudsman, so it is kept for six years."
    response = staff.post(f"/manage/data-requests/{request_id}", data={"outcome": "kept", "reason": reason})
    assert response.status_code == 302
    decided_page = staff.get(f"/manage/data-requests/{request_id}")
    decided = text_of(decided_page)
    assert "Refused" in decided and "Morgan Manager" in decided and reason in decided
    assert 'name="outcome"' not in decided_page.get_data(as_text=True)  # no second decision offered

    email = outbox.last(parent.email, "data_request_decided")
    assert "Our decision: Kept." in email.body and reason in email.body

    auth.sign_in(parent)
    mine = text_of(client.get("/account/your-data"))
    assert "Kept" in mine and reason in mine and "Refused" in mine
    own = text_of(client.get(f"/account/your-data/requests/{request_id}"))
    assert "Our decision Kept" in own and reason in own

    with app.app_context():
        event = db.session.scalar(db.select(AuditEvent).where(AuditEvent.action == "data_request.decided"))
        assert event.actor_id == manager.id and event.details == {"outcome": "kept"}
    # Decided once: a second decision is not taken.
    staff.post(f"/manage/data-requests/{request_id}", data={"outcome": "deleted", "reason": "Changed my mind"})
    with app.app_context():
        assert db.session.get(DataRequest, request_id).outcome == "kept"


def test_an_access_request_is_decided_as_sent(app, client, manager, parent, today):
    request_id = record(app, manager, who=parent.email)
    sign_in(client, manager)
    page = client.get(f"/manage/data-requests/{request_id}").get_data(as_text=True)
    assert "Produce a copy of their data" in page
    assert 'value="sent"' in page and 'value="kept"' not in page and 'value="corrected"' not in page
    client.post(f"/manage/data-requests/{request_id}", data={"outcome": "sent", "reason": "Sent by secure email."})
    with app.app_context():
        assert db.session.get(DataRequest, request_id).status_label == "Done"


# --- the deadline as a task --------------------------------------------------------------------


def test_overdue_requests_are_counted_and_said_in_words(app, client, manager, parent, frozen):
    frozen(date(2026, 1, 10))
    overdue = record(app, manager, who=parent.email, received_on=date(2026, 1, 10))
    frozen(date(2026, 2, 1))
    record(app, manager, who=parent.email, received_on=date(2026, 2, 1), kind="correction")
    frozen(date(2026, 2, 12))
    sign_in(client, manager)

    home = text_of(client.get("/manage/cases"))
    assert "Data requests: 2 open, 1 overdue" in home
    assert 'href="/manage/data-requests"' in client.get("/manage/cases").get_data(as_text=True)

    listing = text_of(client.get("/manage/data-requests"))
    assert "Overdue by 2 days" in listing and "17 days left" in listing
    # The one due first is at the top.
    assert listing.index(f"DR-{overdue}") < listing.index("17 days left")


def test_the_staff_navigation_leads_managers_to_the_list(client, manager):
    sign_in(client, manager)
    assert 'href="/manage/data-requests"' in client.get("/cases").get_data(as_text=True)


def test_the_home_page_count_costs_the_same_however_many_requests(app, client, manager, parent, today):
    sign_in(client, manager)
    record(app, manager, who=parent.email)
    one = count_queries(app, client, "/manage/cases")
    for _ in range(6):
        record(app, manager, who=parent.email, received_on=date(2026, 1, 2))
    assert count_queries(app, client, "/manage/cases") == one
    assert "Data requests: 7 open, 6 overdue" in text_of(client.get("/manage/cases"))


@pytest.mark.parametrize("role", [roles.CASEWORKER, roles.PARENT, roles.YOUTH, roles.ADMIN])
def test_only_managers_open_the_staff_pages(app, client, manager, parent, role, today):
    request_id = record(app, manager, who=parent.email)
    with app.app_context():
        person = make_user(role)
    sign_in(client, person)
    for path in ("/manage/data-requests", "/manage/data-requests/new", f"/manage/data-requests/{request_id}"):
        assert client.get(path).status_code == 403, path
    assert client.post(f"/manage/data-requests/{request_id}/export").status_code == 403
    assert (
        client.post(f"/manage/data-requests/{request_id}", data={"outcome": "sent", "reason": "x"}).status_code == 403
    )


def test_staff_have_no_family_forms(client, manager):
    sign_in(client, manager)
    assert client.get("/account/your-data/correct").status_code == 403
    assert client.post("/account/your-data/delete", data={"what": "x", "why": "y"}).status_code == 403


def test_an_unknown_request_is_not_found(client, manager):
    sign_in(client, manager)
    assert client.get("/manage/data-requests/999999").status_code == 404


@pytest.mark.parametrize("path", ["/privacy", "/privacy/young-people"])
def test_the_privacy_notices_point_to_the_forms(client, path):
    page = client.get(path).get_data(as_text=True)
    assert 'href="/account/your-data/correct"' in page and 'href="/account/your-data/delete"' in page
