"""Consultation alerts in a real browser, every page checked with axe (see conftest.py): a
parent chooses alerts from their account, then stops them from an email's link without
signing in."""

import pytest
from playwright.sync_api import expect

from portal.consultations import models as m
from portal.consultations.alerts import unsubscribe_token
from portal.extensions import db
from tests.factories import get_user

pytestmark = pytest.mark.browser


def heading(page):
    return page.get_by_role("heading", level=1)


def test_a_parent_chooses_alerts_and_stops_them_from_the_email_link(visitor, live_server):
    page = visitor.page
    parent = live_server.make_user("parent")
    visitor.sign_in(parent.email, parent.password)
    visitor.goto("/account")
    visitor.follow("Choose your consultation alerts")
    expect(heading(page)).to_have_text("Consultation alerts")
    page.get_by_label("When a consultation opens for you").check()
    page.get_by_label("In one email each Monday (weekly digest)").check()
    visitor.submit("Save your alerts")
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text(
        "Your consultation alerts have been saved"
    )

    with live_server.app.app_context():
        token = unsubscribe_token(get_user(parent), [m.OPENING])  # as an email about an opening has it
    page.context.clear_cookies()  # the link works for someone not signed in
    visitor.goto(f"/alerts/unsubscribe/{token}")
    expect(heading(page)).to_have_text("Stop consultation alerts")
    with live_server.app.app_context():
        assert db.session.get(m.AlertChoice, parent.id).on_opening
    page.get_by_label("All consultation alerts").check()
    visitor.submit("Stop consultation alerts")
    expect(page.locator("main")).to_contain_text("Consultation alerts stopped")
    with live_server.app.app_context():
        choice = db.session.get(m.AlertChoice, parent.id)
        assert not (choice.on_opening or choice.on_closing or choice.on_outcome)
