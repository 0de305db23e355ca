"""A manager's casework pages in a real browser, on the demo data: oversight, routing settings
with a mistake on the way, response templates, learning themes, and moving cases (a stage 2
case refused for its stage 1 handler), with JavaScript on and off.

Every page visited is checked with axe (see conftest.py).
"""

import re

import pytest
from playwright.sync_api import expect

from portal.accounts import roles
from portal.extensions import db
from portal.feedback.models import Case
from tests import demo_rows
from tests.demo_rows import DEMO_PASSWORD

pytestmark = pytest.mark.browser

PASSWORD = DEMO_PASSWORD


@pytest.fixture
def demo_data(live_server, demo_snapshot):
    with live_server.app.app_context():
        demo_rows.restore(demo_snapshot)
        stage2 = db.session.scalar(db.select(Case).where(Case.submission_key == "demo-05"))
        found = {"stage2": stage2.reference, "stage1_handler": stage2.stage1_caseworker_id}
    found["newcomer"] = live_server.make_user(
        roles.CASEWORKER, name="Nia Newcomer", email="nia.newcomer@example.org", team="SENAR South", stage_2=True
    )
    return found


def heading(page):
    return page.get_by_role("heading", level=1)


def test_manager_changes_routing_templates_and_themes(visitor, demo_data):
    page = visitor.page
    visitor.sign_in("manager@example.org", PASSWORD)
    visitor.click(page.get_by_role("navigation", name="Menu").get_by_role("link", name="Manage cases"))
    expect(heading(page)).to_have_text("Manage cases")
    expect(page.get_by_role("table").first).to_contain_text("Sam Taylor")

    # Routing: a caseworker's capacity, with a mistake first.
    visitor.click(page.get_by_role("navigation", name="Managing cases").get_by_role("link", name="Routing"))
    expect(heading(page)).to_have_text("Routing")
    visitor.follow("Change routing settings for Jordan Lee")
    expect(heading(page)).to_have_text("Jordan Lee")
    page.get_by_role("group", name="Are they taking new cases?").get_by_label("No").check()
    page.get_by_label("Capacity").fill("500")
    visitor.submit("Save")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Capacity must be between 0 and 200")
    expect(page.get_by_role("group", name="Are they taking new cases?").get_by_label("No")).to_be_checked()
    summary.get_by_role("link", name="Capacity must be between 0 and 200").click()
    expect(page.get_by_label("Capacity")).to_be_focused()
    page.get_by_label("Capacity").fill("25")
    visitor.submit("Save")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Routing settings saved for Jordan Lee")
    expect(page.locator("#caseworkers ~ table").first).to_contain_text("Jordan Lee")

    # Response templates: a misspelt placeholder is caught.
    visitor.follow("Response templates")
    visitor.click(page.get_by_role("button", name="Add a template"))
    page.get_by_label("Name").fill("Chasing the school")
    page.get_by_label("Wording").fill("Dear {family_name},\n\nI have written to {childs_school}.")
    visitor.submit("Save template")
    expect(page.locator(".govuk-error-summary")).to_contain_text("{childs_school}")
    expect(page.get_by_label("Name")).to_have_value("Chasing the school")
    page.get_by_label("Wording").fill(
        "Dear {family_name},\n\nI have written to {child_name}'s school about {reference}."
    )
    visitor.submit("Save template")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Template \u201cChasing the school\u201d added")

    # Learning themes: retire one, and it says so in words.
    visitor.follow("Learning themes")
    visitor.click(page.get_by_role("button", name="Retire Preparing for adulthood"))
    expect(page.locator(".govuk-notification-banner")).to_contain_text("retired")
    expect(page.get_by_role("row", name=re.compile("Preparing for adulthood"))).to_contain_text("Retired")


def test_manager_moves_a_stage_2_case_but_not_to_its_stage_1_handler(no_js_visitor, demo_data):
    visitor = no_js_visitor
    page = visitor.page
    reference = demo_data["stage2"]
    visitor.sign_in("manager@example.org", PASSWORD)
    visitor.goto("/manage/cases")
    visitor.click(
        page.get_by_role("navigation", name="Lists of cases").get_by_role("link", name=re.compile(r"^Stage 2"))
    )

    page.get_by_label(f"Select {reference}").check()
    page.get_by_label("Move the ticked cases to").select_option(value=str(demo_data["stage1_handler"]))
    visitor.submit("Move ticked cases")
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_contain_text(f"{reference} cannot go to Jordan Lee")
    expect(page.get_by_label(f"Select {reference}")).to_be_checked()

    page.get_by_label("Move the ticked cases to").select_option(value=str(demo_data["newcomer"].id))
    page.get_by_label("Why are they moving? (optional)").fill("Sharing out stage 2 reviews")
    visitor.submit("Move ticked cases")
    expect(page.locator(".govuk-notification-banner")).to_contain_text(f"1 case moved to Nia Newcomer: {reference}")
    expect(page.get_by_role("row", name=re.compile(reference))).to_contain_text("Nia Newcomer")
