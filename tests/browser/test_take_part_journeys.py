"""Ways to take part in a real browser: a parent on a phone finds a drop-in, takes a place
saying what they need, and gives it up; a manager sees who is coming and what they need, and
adds a document and answers given on paper. Every page visited is checked with axe."""

import pytest
from playwright.sync_api import expect

from portal.consultations import models as m
from portal.consultations import take_part_models as t
from portal.extensions import db
from tests.browser.test_feedback_journeys import fits_a_phone, heading
from tests.consultation_helpers import make_consultation
from tests.take_part_helpers import make_opportunity

pytestmark = pytest.mark.browser


def a_drop_in(live_server, **changes):
    manager = live_server.make_user("manager")
    with live_server.app.test_request_context():
        return make_opportunity(manager.id, **changes), manager


def test_a_parent_on_a_phone_takes_a_place_at_a_drop_in_and_gives_it_up(phone_visitor, live_server):
    visitor = phone_visitor
    page = visitor.page
    check_page = visitor.assert_accessible
    visitor.assert_accessible = lambda: (check_page(), fits_a_phone(page))
    drop_in, _ = a_drop_in(live_server, capacity=3)
    parent = live_server.make_user("parent", name="Amara Okafor")

    visitor.goto("/take-part")
    expect(heading(page)).to_have_text("Ways to take part")
    visitor.follow("Short breaks drop-in")
    expect(page.locator("#places")).to_have_text("3 places left")
    visitor.click(page.get_by_role("button", name="Sign in or create an account to take a place"))
    page.get_by_label("Email address").fill(parent.email)
    page.get_by_label("Password", exact=True).fill(parent.password)
    visitor.submit("Sign in")
    expect(heading(page)).to_have_text("Short breaks drop-in")

    needs = page.get_by_role("group", name="Do you need any of these to take part? (optional)")
    needs.get_by_role("checkbox", name="Step-free access").check()
    needs.get_by_role("checkbox", name="A quiet space to take a break").check()
    page.get_by_label("Anything else we should know or arrange for you? (optional)").fill("My daughter will come too")
    visitor.submit("Take a place")
    expect(page.get_by_role("alert").or_(page.locator(".govuk-notification-banner"))).to_contain_text(
        "You have a place"
    )
    expect(page.locator("#places")).to_have_text("2 places left")
    expect(page.get_by_text("My daughter will come too")).to_be_visible()
    assert "Step-free access" in live_server.last_email(parent.email, "opportunity_place_taken").body

    visitor.click(page.get_by_role("button", name="Give up my place"))
    expect(heading(page)).to_have_text("Are you sure you want to give up your place?")
    visitor.submit("Give up my place")
    expect(page.locator("#places")).to_have_text("3 places left")
    expect(page.get_by_role("button", name="Take a place")).to_be_visible()


def test_a_full_drop_in_on_a_phone_says_so_and_offers_no_place(phone_visitor, live_server):
    drop_in, _ = a_drop_in(live_server, capacity=1)
    with live_server.app.test_request_context():
        from tests.take_part_helpers import take

        take(drop_in.id, live_server.make_user("parent").id)
    parent = live_server.make_user("parent")
    phone_visitor.sign_in(parent.email, parent.password)
    phone_visitor.goto(f"/take-part/{drop_in.slug}")
    page = phone_visitor.page
    expect(page.get_by_text("This is full: all 1 places have been taken.")).to_be_visible()
    expect(page.get_by_role("button", name="Take a place")).to_have_count(0)


def test_a_manager_sees_what_people_need_and_adds_a_document_and_paper_answers(visitor, live_server):
    drop_in, manager = a_drop_in(live_server)
    with live_server.app.test_request_context():
        from tests.take_part_helpers import take

        take(drop_in.id, live_server.make_user("parent", name="Bea Lind").id, [t.BSL_INTERPRETER], "Front row")
        consultation = make_consultation(title="Short breaks")
        consultation_id = consultation.id
        free_text = consultation.questions[0].prompt
    page = visitor.page
    visitor.sign_in(manager.email, manager.password)

    visitor.goto("/manage/consultations/opportunities")
    visitor.follow("Short breaks drop-in")
    expect(page.get_by_role("cell", name="Bea Lind")).to_be_visible()
    expect(page.get_by_text("A British Sign Language (BSL) interpreter")).to_be_visible()
    visitor.follow("Change the details")
    visitor.goto("/manage/consultations/opportunities/new")
    visitor.submit("Save and continue")  # nothing filled in: every problem shown
    expect(page.get_by_role("alert")).to_contain_text("Enter the title")

    visitor.goto(f"/manage/consultations/{consultation_id}/documents")
    page.get_by_label("Title").fill("Draft strategy")
    page.get_by_label("Upload a file").set_input_files(
        {"name": "strategy.txt", "mimeType": "text/plain", "buffer": b"not a document"}
    )
    visitor.submit("Add the document")
    expect(page.get_by_role("alert")).to_contain_text("The selected file must be a PDF")
    page.get_by_label("Upload a file").set_input_files(
        {"name": "strategy.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4 a small document"}
    )
    visitor.submit("Add the document")
    expect(page.get_by_role("button", name="Remove Draft strategy")).to_be_visible()

    visitor.goto(f"/manage/consultations/{consultation_id}/offline-answers")
    page.get_by_role("group", name="How were the answers given?").get_by_role("radio", name="Paper").check()
    page.get_by_role("group", name="Who gave them?").get_by_role("radio", name="Parent or carer").check()
    page.get_by_label(free_text).fill("Written on a form at the drop-in.")
    visitor.submit("Save these answers")
    visitor.goto(f"/manage/consultations/{consultation_id}/results")
    expect(page.locator("#channels")).to_contain_text("Paper")
    with live_server.app.app_context():
        assert db.session.scalar(db.select(db.func.count(m.Response.id)).where(m.Response.channel == m.PAPER)) == 1
