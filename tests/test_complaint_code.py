"""The Complaint Handling Code's limits are kept in one place, portal.core.complaint_code: a
change there reaches every page, email, report and PDF that states them. The portal's own
due-soon threshold (casework.clocks) reaches the managers' page in the same way."""

import io

import pytest
from pypdf import PdfReader

from portal.accounts import roles
from portal.casework import clocks
from portal.core import complaint_code
from portal.core.complaint_code import STAGE_1, STAGE_2
from portal.extensions import db
from portal.feedback.models import Case
from tests.casework_helpers import answer_stage_1
from tests.feedback_helpers import make_category, submit, walk

TERM = "autumn-2025"


@pytest.fixture
def changed_code(monkeypatch):
    """Limits no page states today, so that finding them proves they were read."""
    monkeypatch.setitem(complaint_code.ACKNOWLEDGE_DAYS, STAGE_2, 7)
    monkeypatch.setitem(complaint_code.RESPOND_DAYS, STAGE_1, 12)
    monkeypatch.setitem(complaint_code.RESPOND_DAYS, STAGE_2, 23)
    monkeypatch.setitem(complaint_code.MAX_EXTENSION_DAYS, STAGE_1, 11)
    monkeypatch.setitem(complaint_code.MAX_EXTENSION_DAYS, STAGE_2, 21)


def text_of(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.get_data()))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


HOW_WE_COUNT = [
    "stage 1: acknowledge within 5 working days of receiving the complaint, and respond within 12 working days "
    "of acknowledging it",
    "stage 2: acknowledge within 7 working days of the family asking, and respond within 23 working days of "
    "acknowledging it",
    "where more time is needed, a response can be extended by no more than 11 working days at stage 1 and 21 at "
    "stage 2 without good reason",
]


def test_the_report_and_its_spreadsheet_state_the_limits_of_the_code(app, client, changed_code):
    page = text_of(client.get("/reports/complaints"))
    for line in HOW_WE_COUNT:
        assert line in page
    assert "Stage 1 acknowledged within 5 working days" in page
    assert "Stage 2 acknowledged within 7 working days" in page

    spreadsheet = client.get("/reports/complaints.csv").get_data(as_text=True)
    assert "Stage 2 acknowledgements within 7 working days (%)" in spreadsheet
    assert "Stage 1 acknowledgements within 5 working days (%)" in spreadsheet


def test_the_termly_update_and_its_pdf_state_the_limits_of_the_code(app, client, auth, users, changed_code):
    auth.sign_in(users.make(roles.MANAGER))
    page = text_of(client.get(f"/manage/updates/{TERM}/preview"))
    for line in HOW_WE_COUNT:
        assert line in page
    assert "Stage 1 complaints acknowledged within 5 working days" in page
    assert "Stage 2 acknowledged within 7 working days" in page

    document = pdf_text(client.get(f"/manage/updates/{TERM}/preview.pdf"))
    for line in HOW_WE_COUNT:
        assert line in document
    assert "Acknowledged within 7 working days" in document


def test_the_family_is_told_the_limits_of_the_code(app, client, outbox, changed_code):
    with app.app_context():
        category = make_category()
    walk(client, category)
    submit(client)
    confirmation = text_of(client.get("/feedback/confirmation"))
    assert "then send a full reply within 12 working days of that" in confirmation
    assert "reply in full within 12 working days of that" in outbox.last("jo@example.org", "case_received").body

    with app.test_request_context():
        reference = db.session.scalar(db.select(Case.reference))
        answer_stage_1(reference)
        db.session.commit()
    escalate = text_of(client.get(f"/my-cases/{reference}/escalate"))
    assert "acknowledge your request within 7 working days and reply in full within 23 working days" in escalate
    client.post(f"/my-cases/{reference}/escalate", data={"reason": ""})
    assert "We will acknowledge it within 7 working days." in text_of(client.get(f"/my-cases/{reference}"))
    escalated = outbox.last("jo@example.org", "case_escalated").body
    assert "reply in full within 23 working days of acknowledging it" in escalated


def test_managers_are_told_what_due_soon_means(app, client, auth, users, monkeypatch):
    monkeypatch.setattr(clocks, "DUE_SOON_WORKING_DAYS", 3)
    users.make(roles.CASEWORKER)
    auth.sign_in(users.make(roles.MANAGER))
    assert "Due soon means within 3 working days." in text_of(client.get("/manage/cases"))
