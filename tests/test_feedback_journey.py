"""The feedback journey: branching, drafts, check your answers and the confirmation."""

import pytest

from portal.extensions import db
from portal.feedback.models import Case
from tests.feedback_helpers import SLUGS, answer, make_category, submit, walk


@pytest.fixture
def category_id(app):
    with app.app_context():
        return make_category()


def test_guest_completes_a_complaint(app, client, category_id, outbox):
    walk(client, category_id)
    check = client.get("/feedback/check-your-answers")
    text = check.get_data(as_text=True)
    assert check.status_code == 200, text
    assert "The taxi did not come for three weeks." in text
    assert "Jo Smith" in text
    response = submit(client)
    assert response.headers["Location"] == "/feedback/confirmation"
    page = client.get("/feedback/confirmation").get_data(as_text=True)
    assert "Complaint sent" in page
    with app.app_context():
        case = db.session.scalar(db.select(Case))
        assert case.reference in page
        assert case.stage == 1 and case.acknowledge_by is not None
        assert case.team.name == "Travel Assist"
        assert case.needs_easy_read
    assert outbox.last("jo@example.org", "case_received")
