"""Data rights and the security of an account in a real browser, every page checked with axe
(see conftest.py): a parent asks for a correction and a manager decides it; an admin changes
how long closed cases are kept; a parent changes their password."""

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.rights.models import DataRequest
from tests.browser.conftest import _visitor

pytestmark = pytest.mark.browser

WRONG = "Our address is given as 12 Mill Lane. It is 21 Mill Lane."


@pytest.fixture
def manager_visitor(browser, live_server, request):
    """A second person's browser, checked by axe like the first."""
    yield from _visitor(browser, live_server, request)


def heading(page):
    return page.get_by_role("heading", level=1)


def test_a_parent_asks_for_a_correction_and_a_manager_decides_it(visitor, manager_visitor, live_server):
    page = visitor.page
    parent = live_server.make_user("parent", email="mill.lane@example.org")
    manager = live_server.make_user("manager")
    visitor.sign_in(parent.email, parent.password)
    visitor.goto("/account")
    visitor.follow("ask us to correct something")
    expect(heading(page)).to_have_text("Ask us to correct something")

    visitor.submit("Send your request")  # nothing filled in
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter what is wrong")
    expect(summary).to_be_focused()
    page.get_by_label("What is wrong?").fill(WRONG)
    page.get_by_label("What should it say instead?").fill("21 Mill Lane")
    visitor.submit("Send your request")
    expect(heading(page)).to_have_text("Request sent")
    expect(page.locator("main")).to_contain_text("We will tell you our decision, and the reason for it, by email by")

    with live_server.app.app_context():
        reference = db.session.scalar(db.select(DataRequest)).reference
    staff = manager_visitor.page
    manager_visitor.sign_in(manager.email, manager.password)
    manager_visitor.goto("/manage/data-requests")
    expect(staff.locator("main")).to_contain_text("days left")
    manager_visitor.follow(reference)
    expect(staff.locator("main")).to_contain_text(WRONG)
    staff.get_by_label("Corrected", exact=True).check()
    manager_visitor.submit("Record the decision")  # no reason yet
    expect(staff.locator(".govuk-error-summary")).to_contain_text("Enter the reason for the decision")
    staff.get_by_label("The reason for the decision").fill("We have changed the address on your case to 21 Mill Lane.")
    manager_visitor.submit("Record the decision")
    expect(staff.locator(".govuk-notification-banner--success")).to_contain_text("Decision recorded")

    visitor.goto("/account/your-data")
    expect(page.locator("main")).to_contain_text("Corrected")


def test_an_admin_changes_how_long_closed_cases_are_kept(visitor, live_server):
    page = visitor.page
    admin = live_server.make_user("admin")
    visitor.sign_in(admin.email, admin.password)
    visitor.goto("/admin/retention")
    visitor.click(page.get_by_role("link", name="Change how long closed cases are kept"))
    page.get_by_label("How long").fill("6")
    page.get_by_label("Months").check()
    visitor.submit("Save the period")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The period must be at least 1 year")
    page.get_by_label("How long").fill("8")
    page.get_by_label("Years").check()
    visitor.submit("Save the period")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("8 years after the case is closed")
    visitor.goto("/privacy")
    expect(page.locator("main")).to_contain_text("We keep it for 8 years after the case is closed")


def test_a_parent_changes_their_password(visitor, live_server):
    page = visitor.page
    parent = live_server.make_user("parent")
    visitor.sign_in(parent.email, parent.password)
    visitor.goto("/account")
    visitor.follow("Change your password")
    page.get_by_label("Your current password").fill("not the right one")
    page.get_by_label("New password").fill("Amber-Kettle-Meadow-19")
    visitor.submit("Change password")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The password is not right")
    page.get_by_label("Your current password").fill(parent.password)
    page.get_by_label("New password").fill("Amber-Kettle-Meadow-19")
    visitor.submit("Change password")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Your password has been changed")
