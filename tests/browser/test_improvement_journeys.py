"""The improvement plan in a real browser.

A manager finds a milestone in the plan, moves it off track (forgetting the reason at first),
and publishes the change; a member of the public, on a phone, then sees it among the milestones
where not enough progress has been made, reads the chart and its table, and the first version,
which has not changed. Every page visited is checked with axe (see conftest.py), the manager's
forms included.
"""

import re

import pytest
from playwright.sync_api import expect

from portal.accounts import roles
from tests.test_improvement import make_area, publish

pytestmark = pytest.mark.browser

AREA = "Long waits for therapies"
MILESTONE = "A second therapy clinic open"
REASON = "Recruitment failed twice: opening moved to spring."


def heading(page):
    return page.get_by_role("heading", level=1)


def nav_link(page, name: str):
    return page.get_by_role("navigation", name="Menu").get_by_role("link", name=name, exact=True)


def test_a_manager_moves_a_milestone_off_track_and_publishes_and_the_public_sees_it(
    visitor, phone_visitor, live_server
):
    app = live_server.app
    made = make_area(app, title=AREA, milestones=[(MILESTONE, 60, "on_track"), ("Every child seen", 30, None)])
    publish(app, "The plan as agreed.")
    manager = live_server.make_user(roles.MANAGER, name="Morgan Manager", email="morgan.improvement@example.org")
    page = visitor.page

    # --- The public reads the first version: nothing is behind yet. -------------------------
    public = phone_visitor
    public.goto("/improvement")
    expect(heading(public.page)).to_have_text("Our improvement plan")
    expect(public.page.get_by_text("no milestone is off track")).to_be_visible()

    # --- The manager moves the milestone off track, with its reason. ------------------------
    visitor.sign_in(manager.email, manager.password)
    visitor.click(nav_link(page, "Improvement plan"))
    expect(heading(page)).to_have_text("Improvement plan")
    visitor.follow(AREA)
    expect(heading(page)).to_have_text(AREA)
    visitor.click(page.get_by_role("link", name=f"Change status of {MILESTONE}"))
    expect(heading(page)).to_have_text("Change the status of the milestone")
    page.get_by_label("Off track").check()
    visitor.submit("Save status")
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter why the status is changing")
    expect(page.get_by_label("Off track")).to_be_checked()  # what was chosen is kept
    summary.get_by_role("link", name="Enter why the status is changing").click()
    expect(page.get_by_label("Why is it changing?")).to_be_focused()
    page.get_by_label("Why is it changing?").fill(REASON)
    visitor.submit("Save status")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Status saved with its reason")
    expect(page.get_by_role("main")).to_contain_text(REASON)

    # The draft is not public yet.
    public.goto("/improvement")
    expect(public.page.get_by_role("main")).not_to_contain_text(REASON)

    # --- The manager's other forms, each checked by axe. ------------------------------------
    for path in (
        "/manage/improvement/areas/new",
        f"/manage/improvement/areas/{made['area_id']}/evidence",
        f"/manage/improvement/areas/{made['area_id']}/actions/new",
        f"/manage/improvement/actions/{made['action_id']}",
        f"/manage/improvement/actions/{made['action_id']}/milestones/new",
        f"/manage/improvement/areas/{made['area_id']}/measures/new",
        f"/manage/improvement/measures/{made['measure_id']}/values/new",
    ):
        visitor.goto(path)
        expect(page.get_by_role("button").first).to_be_visible()

    # --- Publishing. ------------------------------------------------------------------------
    visitor.goto("/manage/improvement")
    expect(page.get_by_text("There are changes the public cannot see yet")).to_be_visible()
    visitor.follow("Publish changes")
    page.get_by_label("What changed?").fill("The second clinic is off track.")
    visitor.submit("Publish changes")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Published.")

    # --- The public sees it where not enough progress has been made. ------------------------
    public.goto("/improvement")
    section = public.page.locator("table").first
    expect(public.page.get_by_role("heading", name="Where we have not made enough progress")).to_be_visible()
    expect(section).to_contain_text(MILESTONE)
    expect(section).to_contain_text("Off track")
    expect(section).to_contain_text(REASON)
    expect(public.page.get_by_role("img", name=re.compile("Weeks waited for therapy"))).to_be_visible()
    expect(public.page.get_by_role("table").filter(has_text="The figures: Weeks waited for therapy")).to_contain_text(
        "Summer term"
    )
    public.click(public.page.get_by_role("link", name="Version 1", exact=True))
    expect(heading(public.page)).to_have_text("Improvement plan, version 1")
    expect(public.page.get_by_role("main")).not_to_contain_text(REASON)

    # --- The manager produces the board's pack and records its decision. --------------------
    visitor.goto("/manage/improvement")
    visitor.follow("SEND Improvement Board packs")
    expect(heading(page)).to_have_text("SEND Improvement Board packs")
    visitor.submit("Produce a board pack")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The board pack is produced")
    missed = page.get_by_role("table").filter(has_text="Off track, or past the target date")
    expect(missed).to_contain_text(MILESTONE)
    expect(missed).to_contain_text(REASON)
    visitor.submit("Record the decision")
    expect(page).to_have_title(re.compile(r"^Error: "))
    page.locator(".govuk-error-summary").get_by_role("link", name="Enter what the board decided").click()
    expect(page.get_by_label("What the board decided")).to_be_focused()
    page.get_by_label("What the board decided").fill("Ask health partners for a recovery plan.")
    page.get_by_label("Who will act on it (optional)").fill("Designated Clinical Officer")
    visitor.submit("Record the decision")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("The decision is recorded")
    expect(page.get_by_role("main")).to_contain_text("For Designated Clinical Officer")
