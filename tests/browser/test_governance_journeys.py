"""The governance pack and equality monitoring in a real browser: a family who has just sent a
compliment answers the optional questions about themselves from the confirmation page, and is
brought back to it; a manager trying to publish last year's complaints report is told what its
governance pack still needs, and prepares part of it.

Every page visited is checked with axe (see conftest.py).
"""

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from portal.accounts import roles
from portal.demo import seed_categories, seed_teams
from portal.equality.models import EqualityResponse
from portal.extensions import db
from portal.reports import periods
from portal.reports.governance import FINDINGS, TASK_LABELS
from tests.factories import get_user
from tests.governance_helpers import prepare_pack

pytestmark = pytest.mark.browser


@pytest.fixture
def categories(live_server):
    with live_server.app.app_context():
        seed_categories(seed_teams())
        db.session.commit()


def heading(page):
    return page.get_by_role("heading", level=1)


def choose(visitor, question: str, answer: str) -> None:
    page = visitor.page
    expect(heading(page)).to_have_text(question)
    page.get_by_role("group", name=question).get_by_role("radio", name=answer, exact=True).check()
    visitor.submit("Continue")


def send_a_compliment(visitor) -> None:
    page = visitor.page
    visitor.goto("/feedback")
    visitor.submit("Start now")
    choose(visitor, "What would you like to do?", "Give a compliment")
    choose(visitor, "What is it about?", "Home-to-school transport")
    page.locator("textarea").first.fill("The new driver is kind and always on time.")
    visitor.submit("Continue")
    expect(heading(page)).to_have_text("About the child or young person")
    visitor.submit("Continue")
    page.get_by_role("group", name="Who is giving this feedback?").get_by_label("A parent or carer").check()
    page.get_by_role("group", name="Is the child or young person aged 16 to 25?").get_by_label("No").check()
    visitor.submit("Continue")
    expect(heading(page)).to_have_text("Do you want a reply?")
    page.get_by_role("group", name="Do you want a reply?").get_by_role("radio").last.check()
    visitor.submit("Continue")
    expect(heading(page)).to_have_text("Add a file (optional)")
    visitor.submit("Continue")
    expect(page).to_have_url(re.compile(r"/feedback/check-your-answers$"))
    visitor.submit("Send compliment")
    expect(page).to_have_url(re.compile(r"/feedback/confirmation$"))


def test_a_family_answers_the_questions_about_them_after_sending_feedback(visitor, live_server, categories):
    page = visitor.page
    send_a_compliment(visitor)
    expect(page.get_by_role("heading", name="Help us check we reach everyone")).to_be_visible()
    visitor.follow("Answer the questions about you")
    expect(heading(page)).to_have_text("Questions about you (optional)")

    page.get_by_role("group", name=re.compile("^How old is the child")).get_by_label("11 to 15").check()
    page.get_by_role("group", name=re.compile("^What is your ethnic group")).get_by_label(
        "Mixed or multiple ethnic groups"
    ).check()
    page.get_by_role("group", name=re.compile("^What is your religion")).get_by_label("Prefer not to say").check()
    visitor.submit("Send these answers")

    expect(page).to_have_url(re.compile(r"/feedback/confirmation$"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "Thank you for answering the questions about you."
    )
    expect(page.get_by_role("heading", name="Help us check we reach everyone")).to_have_count(0)
    with live_server.app.app_context():
        row = db.session.scalars(sa.select(EqualityResponse)).one()
        assert (row.age_band, row.ethnicity, row.religion, row.sex) == ("11_15", "mixed", "prefer_not", None)

    # The questions are offered once: going back to them leads to the confirmation.
    visitor.goto("/feedback/questions-about-you")
    expect(page).to_have_url(re.compile(r"/feedback/confirmation$"))


def test_a_manager_is_shown_what_the_report_needs_and_prepares_it(visitor, live_server):
    page = visitor.page
    manager = live_server.make_user(roles.MANAGER, name="Morgan Manager", email="morgan.manager@example.org")
    year = periods.current_year().previous()
    visitor.sign_in(manager.email, manager.password)

    visitor.goto("/manage/reports/complaints")
    page.get_by_role("group", name="Which year's report do you want to publish?").get_by_label(year.label).check()
    visitor.submit("Publish")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the self-assessment for Section 1: Definitions")
    expect(summary).to_contain_text("Enter the governance response")

    visitor.click(summary.get_by_role("link", name="Enter the self-assessment for Section 1: Definitions"))
    expect(heading(page)).to_have_text("Section 1: Definitions")
    page.get_by_role("group", name="Does the council meet this section of the Code?").get_by_label("Partly met").check()
    page.get_by_label("Evidence").fill("The policy uses the Code's definition of a complaint.")
    visitor.submit("Save and continue")
    expect(heading(page)).to_have_text("Section 2: Exclusions")

    visitor.goto(f"/manage/reports/complaints/{year.start_year}")
    expect(heading(page)).to_have_text("Prepare the complaints report")
    expect(page.locator("#self-assessment-1-status")).to_have_text("Completed")
    visitor.follow(TASK_LABELS[FINDINGS])
    page.get_by_label("What the Ombudsman found").fill("A response went past its deadline without an extension.")
    page.get_by_label("What the council did").fill("Reminders two days before every deadline.")
    visitor.submit("Add this finding")
    expect(page.locator("table")).to_contain_text("Reminders two days before every deadline.")

    visitor.goto("/manage/reports/local-offer")
    visitor.follow(year.label)
    expect(heading(page)).to_have_text("Comments about the Local Offer")

    # With the rest prepared, the manager previews the report, publishes it, and the public reads it.
    with live_server.app.app_context():
        prepare_pack(get_user(manager), year)
    visitor.goto(f"/manage/reports/complaints/{year.start_year}")
    visitor.follow("Preview the report as it would be published")
    expect(page.get_by_role("heading", name="Governance response", exact=True)).to_be_visible()
    visitor.goto("/manage/reports/complaints")
    page.get_by_role("group", name="Which year's report do you want to publish?").get_by_label(year.label).check()
    visitor.submit("Publish")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Published version 1")
    visitor.goto(f"/reports/complaints?year={year.start_year}")
    expect(page.get_by_role("table", name="Compliance with each section of the Code")).to_contain_text("Partly met")
    expect(page.get_by_role("table", name="Findings of non-compliance with the Code")).to_contain_text(
        "Reminders two days before every deadline."
    )
