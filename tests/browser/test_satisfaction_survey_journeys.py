"""The satisfaction survey in a real browser: a family opens the link from the email after
their complaint's stage 1 response, presses the button without answering (and is shown what is
missing, with what they wrote kept), answers and is thanked; opening the link again thanks them
again. A manager then follows the results over terms at /manage/satisfaction, as a chart and a
table. Every page is checked with axe (see conftest.py)."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from portal.accounts import roles
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback.survey_models import SatisfactionSurvey
from portal.notifications.models import EMAIL
from tests.casework_helpers import answer_stage_1, category_id, get_case, new_case

pytestmark = pytest.mark.browser

TEAM = "Travel Assist"
CATEGORY = "Home-to-school transport"


def closed_stage_1(app) -> str:
    """A complaint whose stage 1 response has just gone to the family."""
    with app.test_request_context():
        reference = new_case(category=category_id(CATEGORY, TEAM), contact_email="jo@example.org")
        answer_stage_1(reference)
        db.session.commit()
    return reference


def test_a_family_answers_the_survey(visitor, live_server):
    closed_stage_1(live_server.app)
    link = live_server.link_in(live_server.last_email("jo@example.org", "satisfaction_survey"))
    page = visitor.page
    visitor.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("How did we handle your complaint?")
    page.get_by_label("Is there anything else you want to tell us? (optional)").fill("The letters were clear.")
    visitor.submit("Send your answers")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Select how satisfied you are with how we handled your complaint")
    expect(summary).to_contain_text("Select whether you felt listened to")
    expect(page.get_by_label("Is there anything else you want to tell us? (optional)")).to_have_value(
        "The letters were clear."
    )
    page.get_by_role("group", name="How satisfied are you with how we handled your complaint?").get_by_label(
        "Satisfied", exact=True
    ).check()
    page.get_by_role("group", name="Did you feel listened to?").get_by_label("Partly").check()
    visitor.submit("Send your answers")
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us how we did")
    visitor.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for telling us how we did")
    with live_server.app.app_context():
        [answer] = db.session.scalars(db.select(SatisfactionSurvey)).all()
        assert (answer.satisfaction, answer.listened, answer.comments) == (4, "partly", "The letters were clear.")


def test_a_manager_follows_the_results_over_terms(visitor, live_server):
    app = live_server.app
    with app.app_context():
        category = category_id(CATEGORY, TEAM)
        answered_at = utcnow() - timedelta(days=1)
        for number in range(6):
            case = get_case(new_case(category=category))
            db.session.add(
                SatisfactionSurvey(
                    case_id=case.id,
                    stage=1,
                    channel=EMAIL,
                    invited_at=answered_at - timedelta(days=2),
                    answered_at=answered_at,
                    satisfaction=5 if number % 2 else 2,
                    listened="yes",
                )
            )
        db.session.commit()
    manager = live_server.make_user(roles.MANAGER)
    visitor.sign_in(manager.email, manager.password)
    visitor.goto("/manage/themes")
    page = visitor.page
    visitor.click(page.get_by_role("navigation", name="Managing cases").get_by_role("link", name="Satisfaction survey"))
    expect(page.get_by_role("heading", level=1)).to_have_text("How families felt we handled their complaints")
    expect(page.get_by_role("img", name="Bar chart: Families satisfied")).to_be_visible()
    expect(page.locator("#trend-numbers")).to_contain_text("50%")
