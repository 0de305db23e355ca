"""Disabling the account of someone with open cases: the administrator sees the cases first;
each is routed again (or left in the team's queue) in the same transaction; each family is
told their new named contact; and no open case is ever left with a disabled account."""

import re

from portal.accounts import roles
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Case, CaseMessage
from tests.casework_helpers import answer_stage_1, category_id, events_for, get_case, sign_in, submit_case
from tests.factories import make_user

TEAM = "Travel Assist"


def words(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split())


def admin_client(app):
    with app.app_context():
        admin = make_user(roles.ADMIN)
    client = app.test_client()
    sign_in(client, admin)
    return client


def test_the_administrator_sees_the_open_cases_and_each_goes_to_someone_else(app, outbox):
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        leaving = make_user(roles.CASEWORKER, team=TEAM, name="Lee Leaving")
    first = submit_case(app, category, contact_email="one@example.org")
    second = submit_case(app, category, contact_email="two@example.org", reply="no")  # anonymous
    closed = submit_case(app, category, contact_email="three@example.org")
    with app.test_request_context():
        case = get_case(closed)
        case.status = "closed"
        db.session.commit()
    with app.app_context():
        staying = make_user(roles.CASEWORKER, team=TEAM, name="Sam Staying")
    client = admin_client(app)

    page = words(client.get(f"/admin/users/{leaving.id}"))
    assert "Lee Leaving has 2 open cases" in page
    assert f"{first}: complaint, stage 1 ({TEAM})" in page and second in page and closed not in page

    response = client.post(f"/admin/users/{leaving.id}/disable")
    assert response.status_code == 302
    assert "Their 2 open cases have been handed over" in words(client.get(response.headers["Location"]))
    with app.app_context():
        assert (
            db.session.scalar(
                db.select(db.func.count()).select_from(Case).where(Case.caseworker_id == leaving.id, Case.is_open)
            )
            == 0
        )
        for reference in (first, second):
            assert get_case(reference).caseworker_id == staying.id
            assert events_for(reference, "case.handed_over")[0].details["old"] == leaving.id
        # A closed case keeps the name of who handled it.
        assert get_case(closed).caseworker_id == leaving.id
        told = db.session.scalars(db.select(CaseMessage).where(CaseMessage.case_id == get_case(first).id)).all()
        assert "Your named contact for" in told[-1].body and "Sam Staying" in told[-1].body
        # Nobody to write to for anonymous feedback.
        assert db.session.scalars(db.select(CaseMessage).where(CaseMessage.case_id == get_case(second).id)).all() == []
    email = outbox.last("one@example.org", "caseworker_reply")
    assert email.subject == f"Your new named contact for {first}"
    assert "is now Sam Staying, in the Travel Assist team" in email.body


def test_with_nobody_free_the_case_waits_in_the_teams_queue_and_the_family_is_told(app, outbox):
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        leaving = make_user(roles.CASEWORKER, team=TEAM)
    reference = submit_case(app, category)
    admin_client(app).post(f"/admin/users/{leaving.id}/disable")
    with app.app_context():
        assert get_case(reference).caseworker_id is None
    body = outbox.last("jo@example.org", "caseworker_reply").body
    assert f"The {TEAM} team will name your new contact soon" in body


def test_a_stage_2_review_goes_to_another_senior_officer_never_the_stage_1_handler(app, outbox):
    with app.app_context():
        category = category_id("Home-to-school transport", TEAM)
        stage_1 = make_user(roles.CASEWORKER, team=TEAM)
        reviewer = make_user(roles.CASEWORKER, team=TEAM, stage_2=True)
        manager = make_user(roles.MANAGER, name="Helen Brooks")
    reference = submit_case(app, category)
    with app.test_request_context():
        answer_stage_1(reference)
        feedback_services.escalate(get_case(reference), None)
        db.session.commit()
        assert get_case(reference).caseworker_id == reviewer.id
    admin_client(app).post(f"/admin/users/{reviewer.id}/disable")
    with app.app_context():
        case = get_case(reference)
        assert case.caseworker_id == manager.id != stage_1.id
    assert "is now Helen Brooks" in outbox.last("jo@example.org", "caseworker_reply").body
