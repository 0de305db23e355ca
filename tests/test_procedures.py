"""The right procedure for each case: complaints about social care for disabled children follow
the statutory children's procedure (Children Act 1989 s26; the Children Act 1989 Representations
Procedure (England) Regulations 2006), not the Code's two stages. The procedure is chosen by the
category, and a manager can change it with a reason."""

import html
import re
from datetime import date

import pytest

from portal.accounts import roles
from portal.casework import clocks, services
from portal.core.calendar import add_working_days
from portal.core.procedures import CHILDRENS_SOCIAL_CARE, CODE
from portal.extensions import db
from portal.feedback import services as feedback_services
from portal.feedback.models import Category
from tests.casework_helpers import category_id, events_for, get_case, sign_in, submit_case
from tests.factories import get_user, make_user
from tests.feedback_helpers import open_case_by_link

TEAM = "Commissioning"
MONDAY = date(2026, 3, 2)


def words(response) -> str:
    return html.unescape(" ".join(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)).split()))


@pytest.fixture
def social_care(app, frozen):
    """Monday 2 March 2026: a complaint about short breaks, whose category follows the children's
    procedure, handled by one caseworker, with a stage 2 handler and a manager in the team."""
    frozen(MONDAY)
    with app.app_context():
        category = category_id("Short breaks and social care", TEAM)
        db.session.get(Category, category).procedure = CHILDRENS_SOCIAL_CARE
        db.session.commit()
        handler = make_user(roles.CASEWORKER, team=TEAM, name="Sam Handler")
    reference = submit_case(app, category)
    with app.app_context():
        reviewer = make_user(roles.CASEWORKER, team=TEAM, name="Ola Investigator", stage_2=True)
        manager = make_user(roles.MANAGER, name="Helen Brooks")
    return {"reference": reference, "handler": handler, "reviewer": reviewer, "manager": manager}


def answer(app, reference, person):
    with app.test_request_context():
        case = get_case(reference)
        if case.acknowledged_at is None:
            services.acknowledge(case, get_user(person))
        services.record_outcome(case, get_user(person), outcome="not_upheld", summary="We looked again.")
        db.session.commit()


def test_stage_1_is_local_resolution_in_10_working_days_from_receipt(app, outbox, social_care, frozen):
    reference = social_care["reference"]
    with app.app_context():
        case = get_case(reference)
        assert case.procedure == CHILDRENS_SOCIAL_CARE and case.stage == 1
        assert case.acknowledge_by == add_working_days(MONDAY, 3)
        # Regulation 14: the response is due 10 working days from the start, not from the acknowledgement.
        assert case.respond_by == add_working_days(MONDAY, 10) == date(2026, 3, 16)
    frozen(date(2026, 3, 5))
    with app.test_request_context():
        services.acknowledge(get_case(reference), get_user(social_care["handler"]))
        db.session.commit()
        assert get_case(reference).respond_by == date(2026, 3, 16)
    # An advocate is offered to the child or young person.
    acknowledgement = outbox.last("jo@example.org", "caseworker_reply").body
    assert "A child or young person can have an advocate, free of charge" in acknowledgement


def test_stage_1_can_take_20_working_days_and_no_more_whoever_asks(app, social_care):
    reference = social_care["reference"]
    with app.test_request_context():
        case = get_case(reference)
        services.acknowledge(case, get_user(social_care["handler"]))
        # A caseworker may use the 10 extra days the regulations allow, without a manager.
        services.extend(case, get_user(social_care["handler"]), 10, "The family asked for an advocate first.")
        db.session.commit()
        assert get_case(reference).respond_by == add_working_days(MONDAY, 20)
        # Not even a manager can go beyond them.
        with pytest.raises(clocks.ClockError, match="no more than 20 working days in all") as refused:
            services.extend(get_case(reference), get_user(social_care["manager"]), 1, "Still waiting.")
        assert "Regulation 14" in str(refused.value)
        db.session.rollback()


def test_three_stages_then_the_ombudsman(app, outbox, social_care, frozen):
    reference = social_care["reference"]
    answer(app, reference, social_care["handler"])
    email = outbox.last("jo@example.org", "caseworker_reply").body
    assert "(stage 2: an investigation with an independent person)" in email
    family = open_case_by_link(app, outbox, reference)
    page = words(family.get(f"/my-cases/{reference}"))
    # Regulation 17: 20 working days to ask for stage 2.
    assert f"You can ask here until {add_working_days(MONDAY, 20):%-d %B %Y}" in page
    assert "A child or young person can have an advocate" in page
    assert "Ask for a stage 2 review" in page

    frozen(date(2026, 3, 9))
    family = open_case_by_link(app, outbox, reference)
    assert family.post(f"/my-cases/{reference}/escalate", data={"reason": ""}).status_code == 302
    with app.app_context():
        case = get_case(reference)
        assert case.stage == 2 and case.caseworker_id == social_care["reviewer"].id
        assert case.respond_by == add_working_days(date(2026, 3, 9), 25)
    asked = outbox.last("jo@example.org", "case_escalated").body
    assert "at stage 2 (stage 2: an investigation with an independent person)" in asked
    assert "within 25 working days of your request (up to 65 if it is complicated" in asked
    with app.test_request_context():
        case = get_case(reference)
        services.acknowledge(case, get_user(social_care["reviewer"]))
        # Up to 65 working days in all at stage 2.
        services.extend(case, get_user(social_care["reviewer"]), 40, "The independent person needs the records.")
        db.session.commit()
        assert get_case(reference).respond_by == add_working_days(date(2026, 3, 9), 65)
    answer(app, reference, social_care["reviewer"])
    frozen(date(2026, 3, 20))
    family = open_case_by_link(app, outbox, reference)
    assert "Ask for a stage 3 review" in words(family.get(f"/my-cases/{reference}"))
    assert family.post(f"/my-cases/{reference}/escalate", data={"reason": "The panel, please."}).status_code == 302
    with app.app_context():
        case = get_case(reference)
        assert case.stage == 3
        # Neither earlier handler reviews it: the manager does.
        assert case.caseworker_id == social_care["manager"].id
        # Regulation 19: the panel within 30 working days of the request.
        assert case.respond_by == add_working_days(date(2026, 3, 20), 30)
    answer(app, reference, social_care["manager"])
    assert "This is the council's final response" in outbox.last("jo@example.org", "caseworker_reply").body
    with app.app_context():
        assert feedback_services.next_stage_request(get_case(reference)) is None


def test_a_manager_moves_a_complaint_to_the_childrens_procedure_with_a_reason(app, outbox, frozen):
    frozen(MONDAY)
    with app.app_context():
        category = category_id("Home-to-school transport", "Travel Assist")
        caseworker = make_user(roles.CASEWORKER, team="Travel Assist")
        manager = make_user(roles.MANAGER)
    reference = submit_case(app, category)
    with app.app_context():
        assert get_case(reference).procedure == CODE and get_case(reference).respond_by is None
    staff = app.test_client()
    sign_in(staff, caseworker)
    assert "Change the complaints procedure" not in words(staff.get(f"/cases/{reference}"))
    boss = app.test_client()
    sign_in(boss, manager)
    form = {"procedure": CHILDRENS_SOCIAL_CARE, "reason": ""}
    assert "Enter why" in words(boss.post(f"/cases/{reference}/procedure", data=form))
    form["reason"] = "The complaint is about the short breaks the taxi takes him to."
    assert boss.post(f"/cases/{reference}/procedure", data=form).status_code == 302
    with app.app_context():
        case = get_case(reference)
        assert case.procedure == CHILDRENS_SOCIAL_CARE
        assert (case.acknowledge_by, case.respond_by) == (add_working_days(MONDAY, 3), add_working_days(MONDAY, 10))
        assert events_for(reference, "case.procedure_changed")[0].details == {"old": CODE, "new": CHILDRENS_SOCIAL_CARE}
    page = words(boss.get(f"/cases/{reference}"))
    assert "Children's social care statutory procedure" in page and "Stage 1: local resolution" in page
    body = outbox.last("jo@example.org", "caseworker_reply").body
    assert "will now be handled under the children's social care statutory procedure" in body


def test_a_manager_chooses_the_procedure_for_a_category(app, frozen):
    frozen(MONDAY)
    with app.app_context():
        category = category_id("Short breaks and social care", TEAM)
        manager = make_user(roles.MANAGER)
        team = db.session.get(Category, category).team_id
    boss = app.test_client()
    sign_in(boss, manager)
    assert "Complaint Handling Code" in words(boss.get("/manage/routing"))
    response = boss.post(
        f"/manage/routing/categories/{category}", data={"team": str(team), "procedure": CHILDRENS_SOCIAL_CARE}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Category, category).procedure == CHILDRENS_SOCIAL_CARE
        make_user(roles.CASEWORKER, team=TEAM)
    reference = submit_case(app, category)
    with app.app_context():
        assert get_case(reference).procedure == CHILDRENS_SOCIAL_CARE


def test_the_annual_report_counts_the_childrens_procedure_apart_from_the_code(app, client, social_care, frozen):
    from datetime import datetime

    from portal.core.time import LONDON
    from portal.reports.complaints import complaints_report
    from portal.reports.periods import year_of

    reference = social_care["reference"]
    answer(app, reference, social_care["handler"])
    with app.app_context():
        code_complaint = submit_case(app, category_id("Home-to-school transport", "Travel Assist"))
        assert get_case(code_complaint).procedure == CODE
    with app.test_request_context():
        report = complaints_report(year_of(MONDAY), now=datetime(2026, 3, 31, tzinfo=LONDON))
        # The Code's figures hold only the Code's complaint.
        assert report.complaints_received == 1
        assert report.outcomes_total(1) == 0
        (childrens,) = report.other_procedures
        assert childrens.name == "Children's social care statutory procedure" and childrens.received == 1
        assert [(stage.name, stage.asked_for, stage.responses) for stage in childrens.stages] == [
            ("Stage 1: local resolution", None, 1),
            ("Stage 2: an investigation with an independent person", 0, 0),
            ("Stage 3: a review panel", 0, 0),
        ]
        rows = report.figures()
        assert ("Children's social care statutory procedure", "Complaints received", "", 1) in rows
    frozen(date(2026, 3, 3))  # the report counts up to now: the response was sent yesterday
    page = words(client.get("/reports/complaints?year=2025"))
    assert "Complaints under other procedures" in page
    assert "Stage 1: local resolution: responses sent 1" in page
