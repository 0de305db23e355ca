"""A caseworker's day in a real browser, on the demo data: find a family's case, acknowledge
it, reply, and record the outcome; the parent sees each reply on their own case page.

Every page visited is checked with axe (see conftest.py).
"""

import pytest
from playwright.sync_api import expect

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
        case = db.session.scalar(db.select(Case).where(Case.submission_key == "demo-02"))
        return {"reference": case.reference}


def test_caseworker_answers_a_demo_case_and_the_parent_sees_it(browser, live_server, visitor, demo_data, request):
    page = visitor.page
    reference = demo_data["reference"]

    visitor.sign_in("caseworker@example.org", PASSWORD)
    visitor.goto("/cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cases")
    expect(page.get_by_role("navigation", name="Queues")).to_contain_text("Overdue")

    page.get_by_label("Search").fill("Okafor")
    visitor.submit("Apply filters")
    expect(page.get_by_role("table")).to_contain_text("Tom Okafor")
    visitor.follow(reference)
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    expect(page.get_by_text("Overdue").first).to_be_visible()

    visitor.follow("Acknowledge")
    assert "Dear Tom Okafor" in page.get_by_label("Message to the family").input_value()
    visitor.submit("Acknowledge and send")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Acknowledged")
    expect(page.get_by_text("Respond by", exact=True)).to_be_visible()

    visitor.follow("Reply to the family")
    page.get_by_label("Reply to the family").fill("We have chased the assessment panel and will call you on Friday.")
    visitor.submit("Send reply")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Reply sent")

    visitor.follow("Add an internal note")
    page.get_by_label("Internal note").fill("Panel papers are with the SENCo, not us.")
    visitor.submit("Add note")
    expect(page.get_by_text("Internal note", exact=True).first).to_be_visible()

    # The parent, in their own browser, sees the reply and never the note.
    parent_context = browser.new_context(base_url=live_server.base_url)
    try:
        from tests.browser.conftest import Visitor

        parent = Visitor(parent_context.new_page(), live_server)
        parent.sign_in("parent2@example.org", PASSWORD)
        parent.goto("/my-cases")
        parent.follow(reference)
        expect(parent.page.get_by_text("We have chased the assessment panel")).to_be_visible()
        # A holding reply, not the response: the route onwards comes with the response.
        expect(parent.page.get_by_text("If you are unhappy with our answer")).to_have_count(0)
        assert "Panel papers" not in parent.page.content()
    finally:
        parent_context.close()

    visitor.follow("Record the response")
    page.get_by_role("group", name="What is your finding?").get_by_label("Upheld", exact=True).check()
    page.get_by_label("Our decision on each point, with the reasons").fill(
        "We are sorry the decision was late. The panel met on Tuesday and agreed to assess Grace."
    )
    page.locator("#remedy-0-kind").select_option("apology")
    page.locator("#remedy-0-description").fill("A written apology from the head of service")
    page.get_by_label("Timeliness of EHC assessments and plans").check()
    visitor.submit("Record and send response")
    expect(page.locator(".govuk-notification-banner")).to_contain_text("Response recorded")
    expect(page.get_by_text("Stage 1: Upheld")).to_be_visible()

    with live_server.app.app_context():
        case = db.session.scalar(db.select(Case).where(Case.reference == reference))
        assert case.status == "responded" and case.responded_at is not None
    # The demo's own email to this family went long ago (sent, its body erased); these wait to go.
    family_emails = [e for e in live_server.emails("parent2@example.org", "caseworker_reply") if e.status == "pending"]
    assert len(family_emails) == 3  # acknowledgement, reply, response
    assert all("Panel papers" not in (email.body or "") for email in live_server.emails())


def test_a_caseworker_logs_a_phone_complaint_and_the_family_opens_it_from_the_email(
    browser, live_server, visitor, demo_data
):
    page = visitor.page
    visitor.sign_in("caseworker@example.org", PASSWORD)
    visitor.goto("/cases")
    visitor.follow("Log feedback received another way")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log feedback received another way")

    # Sent with a mistake first: the error is shown, and nothing typed is lost.
    page.get_by_role("group", name="How did it reach the council?").get_by_label("Phone call").check()
    page.get_by_role("group", name="What kind of feedback is it?").get_by_label("Make a complaint").check()
    page.get_by_role("group", name="Is anyone worried").get_by_label("No").check()
    page.get_by_role("group", name="What is it about?").get_by_label("Communication and named contact").check()
    page.get_by_label("What happened, in the family's words").fill("Nobody has returned my calls since half term.")
    visitor.submit("Log and route the case")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Select what your complaint is about")
    expect(page.get_by_label("What happened, in the family's words")).to_have_value(
        "Nobody has returned my calls since half term."
    )

    page.get_by_label("What would they like to happen?").fill("A named contact who calls back.")
    page.get_by_role("group", name="Is the complaint about one of these?").get_by_label("None of these").check()
    page.get_by_role("group", name="Who got in touch?").get_by_label("A parent or carer").check()
    page.get_by_role("group", name="Is the child or young person aged 16 to 25?").get_by_label("No").check()
    page.get_by_role("group", name="Does the family want a reply?").get_by_label("Yes").check()
    page.get_by_label("Full name of the person who got in touch").fill("Dana Phone")
    page.get_by_label("Email address", exact=True).fill("dana.phone@example.org")
    page.get_by_label("Their relationship to the child or young person").select_option("Parent")
    page.get_by_role("group", name="How should we contact them?").get_by_label("Email").check()
    visitor.submit("Log and route the case")

    expect(page.locator(".govuk-notification-banner")).to_contain_text("logged and routed to")
    expect(page.get_by_text("Phone call, logged by")).to_be_visible()
    reference = page.get_by_role("heading", level=1).inner_text().split()[0]

    email = live_server.emails("dana.phone@example.org", "case_received")[-1]
    link = next(word for word in email.body.split() if "/open/" in word)
    family_context = browser.new_context(base_url=live_server.base_url)
    try:
        from tests.browser.conftest import Visitor

        family = Visitor(family_context.new_page(), live_server)
        family.goto(link)
        expect(family.page.get_by_role("heading", level=1)).to_have_text(
            "Your complaint about communication and named contact"
        )
        expect(family.page.get_by_text(reference).first).to_be_visible()
    finally:
        family_context.close()
