"""The SEND Improvement Board's packs: produced from the plan as published, frozen when
produced (a later change to the plan never alters a pack), with the term's complaints and
consultations, a PDF, and the board's decisions recorded against the pack they were made on."""

import io
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from portal.accounts import roles
from portal.consultations import models as cm
from portal.core.time import london_today, utcnow
from portal.extensions import db
from portal.improvement import plan
from portal.improvement.models import OFF_TRACK, ON_TRACK, Milestone
from portal.reports.models import BoardDecision
from tests.consultation_helpers import make_consultation
from tests.factories import make_user
from tests.test_improvement import make_area, publish, text
from tests.test_security import error_summary, page

PACKS = "/manage/improvement/board-packs"


@pytest.fixture
def manager(users, auth):
    person = users.make(roles.MANAGER, name="Morgan Manager")
    auth.sign_in(person)
    return person


def produce(client):
    response = client.post(PACKS, data={"submit": "Produce a board pack"})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response.headers["Location"]


def pack_content(response) -> str:
    """The frozen pack as its page shows it, without the page around it."""
    html = response.get_data(as_text=True)
    return html[html.index("This pack is frozen") : html.index('id="decisions"')]


def test_a_pack_cannot_be_produced_before_the_plan_is_published(app, client, manager):
    response = client.post(PACKS, data={"submit": "Produce a board pack"})
    assert response.status_code == 200
    assert "Publish the improvement plan before producing a board pack" in error_summary(response)
    assert "No board pack has been produced yet" in text(response)


def test_a_pack_shows_the_plan_as_published_with_what_is_behind_due_and_the_terms_consultations(app, client, manager):
    make_area(
        app,
        title="Long waits for therapies",
        milestones=(("Hire six therapists", 30, OFF_TRACK), ("Open a second clinic", 200, ON_TRACK)),
    )
    with app.app_context():
        consultation = make_consultation(title="Home to school transport", state=cm.OPEN)
        for _ in range(2):
            author = make_user(roles.PARENT)
            db.session.add(cm.Response(consultation=consultation, author_id=author.id, submitted_at=utcnow()))
        db.session.commit()
    publish(app)

    shown = text(client.get(produce(client)))
    assert "SEND Improvement Board pack" in shown
    assert "Long waits for therapies" in shown
    missed = shown[
        shown.index("Milestones missed or off track") : shown.index("Milestones due in the next three months")
    ]
    assert "Hire six therapists" in missed and "Open a second clinic" not in missed
    due = shown[shown.index("Milestones due in the next three months") : shown.index("Measures")]
    assert "Hire six therapists" in due and "Open a second clinic" not in due
    assert "Weeks waited for therapy" in shown and "64 weeks" in shown
    consultations = shown[shown.index("Consultations in") :]
    assert "Home to school transport" in consultations and "2" in consultations


def test_a_pack_never_changes_when_the_plan_does(app, client, manager):
    made = make_area(app, title="Long waits for therapies", milestones=(("Hire six therapists", 30, ON_TRACK),))
    publish(app)
    first = produce(client)
    before = pack_content(client.get(first))
    with app.app_context():
        milestone = db.session.get(Milestone, made["milestone_ids"][0])
        plan.change_status(make_user(roles.MANAGER), milestone, OFF_TRACK, "The recruitment round failed.")
        db.session.commit()
    publish(app, "The therapists milestone is off track.")

    assert pack_content(client.get(first)) == before
    later = text(client.get(produce(client)))
    assert "The recruitment round failed." in later
    assert "The recruitment round failed." not in page(client.get(first)).text
    listed = text(client.get(PACKS))
    assert listed.count("SEND Improvement Board pack") >= 2 and "pack 2 of the day" in listed


def test_the_boards_decisions_are_recorded_against_the_pack(app, client, manager):
    make_area(app)
    publish(app)
    address = produce(client)

    response = client.post(address, data={"decision": "  ", "owner": "", "due_on": ["31", "2", ""]})
    assert response.status_code == 200
    summary = error_summary(response)
    assert "Enter what the board decided" in summary
    assert "must include a year" in summary
    assert 'value="31"' in response.get_data(as_text=True)

    due = london_today() + timedelta(days=60)
    response = client.post(
        address,
        data={
            "decision": "Ask health partners for a recovery plan for therapy waits.",
            "owner": "Designated Clinical Officer",
            "due_on": [str(due.day), str(due.month), str(due.year)],
        },
    )
    assert response.status_code == 302
    shown = text(client.get(address))
    decisions = shown[shown.index("The board's decisions") :]
    assert "Ask health partners for a recovery plan for therapy waits." in decisions
    assert "For Designated Clinical Officer" in decisions
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(BoardDecision.id))) == 1


def test_the_pack_is_a_tagged_pdf_with_the_same_content(app, client, manager):
    make_area(app, title="Long waits for therapies", milestones=(("Hire six therapists", 30, OFF_TRACK),))
    publish(app)
    address = produce(client)
    response = client.get(address + ".pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    reader = PdfReader(io.BytesIO(response.data))
    words = " ".join(pdf_page.extract_text() for pdf_page in reader.pages)
    assert "SEND Improvement Board pack" in words
    assert "Hire six therapists" in words
    assert "/StructTreeRoot" in reader.trailer["/Root"]


def test_the_demo_has_a_pack_with_the_boards_decisions(app, demo, client, auth):
    auth.sign_in("manager@example.org", demo)
    listed = client.get(PACKS).get_data(as_text=True)
    address = re.search(r'href="(/manage/improvement/board-packs/\d+)"', listed).group(1)
    shown = text(client.get(address))
    assert "Milestones missed or off track" in shown and "Recruitment failed twice" in shown
    decisions = shown[shown.index("The board's decisions") :]
    assert "recovery plan for speech and language therapy waits" in decisions
