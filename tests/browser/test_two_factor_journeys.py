"""A caseworker sets up two-factor authentication in a real browser: sent to set it up at
their first sign-in, they add the key to an app, save their recovery codes, and sign in with
a code from then on. Every page is checked with axe (see conftest.py)."""

import re

import pyotp
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def test_a_caseworker_sets_up_two_factor_authentication_and_signs_in_with_a_code(visitor, live_server):
    page = visitor.page
    caseworker = live_server.make_user("caseworker", team="SENAR North", two_factor_set_up=False)

    visitor.sign_in(caseworker.email, caseworker.password)
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor authentication")
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    key = page.locator(".twc-secret").inner_text().replace(" ", "")

    # A mistyped code first: the error is by the box and in the summary.
    page.get_by_label("Enter the code your app now shows").fill("000000")
    visitor.submit("Turn on two-factor authentication")
    expect(page.locator(".govuk-error-summary")).to_contain_text("The code is not right")
    page.get_by_label("Enter the code your app now shows").fill(pyotp.TOTP(key).now())
    visitor.submit("Turn on two-factor authentication")

    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor authentication is on")
    expect(page.locator(".twc-recovery-codes li")).to_have_count(10)
    visitor.submit("I have saved my codes: continue")
    expect(page.locator("main")).to_contain_text("On: you sign in with your password and a code")

    visitor.submit("Sign out")
    visitor.goto("/sign-in")
    page.get_by_label("Email address").fill(caseworker.email)
    page.get_by_label("Password", exact=True).fill(caseworker.password)
    visitor.submit("Sign in")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter the code from your authenticator app")
    expect(page.get_by_label("Code from your authenticator app")).to_have_attribute("autocomplete", "one-time-code")
    # The code set-up accepted is used; the next one the app shows signs in.
    with live_server.app.app_context():
        from portal.accounts.models import TwoFactor
        from portal.extensions import db

        db.session.execute(db.update(TwoFactor).values(last_step=None))
        db.session.commit()
    page.get_by_label("Code from your authenticator app").fill(pyotp.TOTP(key).now())
    visitor.submit("Continue")
    expect(page).to_have_url(re.compile(r"/cases$"))
