"""Staff single sign-on through the council's OpenID Connect provider: a provider started by
the tests on 127.0.0.1 (tests.openid_provider) that the portal's client really talks to over
HTTP. Staff are matched to their own accounts (by the provider's subject, or by an address it
vouches for), nobody else gets in and no account is made; a token that fails any check is
refused with a plain message; a staff member who gave no second factor at the provider gives
the authenticator app's code; and staff can be kept from signing in with a password."""

import html
import logging
import re
import socket
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from config import ProductionConfig
from portal import create_app
from portal.accounts.models import User
from portal.core.models import AuditEvent
from portal.extensions import db
from tests import openid_provider
from tests.conftest import make_app
from tests.factories import give_app_code, make_user

COULD_NOT = "We could not sign you in with your council account. Try again, or ask an administrator."
NO_STAFF_ACCOUNT = "There is no staff account for you here."


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture(scope="module")
def provider():
    provider, server = openid_provider.serve()
    yield provider
    server.shutdown()


@pytest.fixture
def sso(app, provider):
    """Single sign-on switched on, against the test provider."""
    app.config.update(
        OIDC_ISSUER=provider.issuer,
        OIDC_CLIENT_ID=openid_provider.CLIENT_ID,
        OIDC_CLIENT_SECRET=openid_provider.CLIENT_SECRET,
    )
    provider.will_assert()
    return provider


@pytest.fixture
def caseworker(app):
    with app.app_context():
        return make_user("caseworker", email="sam.caseworker@example.org", team="SENAR North")


def to_provider(client, start_path="/sign-in/single-sign-on"):
    """Press the staff button; the provider signs the person in and sends them back. Returns the
    path (and query) the browser is sent back to."""
    start = client.post(start_path)
    assert start.status_code == 302
    at_provider = requests.get(start.headers["Location"], allow_redirects=False, timeout=5)
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["Location"])
    return f"{back.path}?{back.query}"


def sign_in_with_provider(client, provider, **assertion):
    provider.will_assert(**assertion)
    return client.get(to_provider(client))


def signed_in_as(client) -> str | None:
    """The email address of the account this browser is signed in to, as its account page shows."""
    response = client.get("/account")
    if response.status_code != 200:
        return None
    found = re.search(r"Email address\s*</dt>\s*<dd[^>]*>\s*([^<\s]+)", text(response))
    assert found, "the account page shows no email address"
    return found.group(1)


def refusals(app) -> list[dict]:
    with app.app_context():
        return db.session.scalars(
            db.select(AuditEvent.details).where(AuditEvent.action == "user.single_sign_on_refused")
        ).all()


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(User))


# --- matching a staff member ------------------------------------------------------------------


def test_the_sign_in_page_offers_staff_the_councils_sign_in(client, sso):
    page = text(client.get("/sign-in"))
    assert "Sign in with your council account" in page
    assert 'action="/sign-in/single-sign-on"' in page
    assert "govuk-button--secondary" in page


def test_the_staff_button_is_a_form_protected_against_forgery(csrf_app, sso):
    client = csrf_app.test_client()
    assert client.post("/sign-in/single-sign-on").status_code == 400  # no token: not from our page
    page = text(client.get("/sign-in"))
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    pressed = client.post("/sign-in/single-sign-on", data={"csrf_token": token})
    assert pressed.status_code == 302 and pressed.headers["Location"].startswith(sso.issuer)


def test_the_redirect_to_the_provider_carries_state_nonce_and_pkce(client, sso):
    start = client.post("/sign-in/single-sign-on")
    asked = parse_qs(urlsplit(start.headers["Location"]).query)
    assert start.headers["Location"].startswith(sso.issuer + "/authorize?")
    assert asked["redirect_uri"] == ["http://127.0.0.1:5000/sign-in/single-sign-on/callback"]
    assert asked["code_challenge_method"] == ["S256"] and asked["code_challenge"][0]
    assert asked["state"][0] and asked["nonce"][0]


def test_a_verified_email_signs_a_staff_member_in_and_the_subject_is_then_stored(app, client, sso, caseworker):
    response = sign_in_with_provider(client, sso, sub="sam-at-entra", email="Sam.Caseworker@Example.org", amr=["mfa"])
    assert response.status_code == 302 and response.headers["Location"] == "/cases"
    assert client.get("/cases").status_code == 200
    assert signed_in_as(client) == caseworker.email
    with app.app_context():
        assert db.session.get(User, caseworker.id).sso_subject == f"{sso.issuer}#sam-at-entra"


def test_the_stored_subject_signs_in_after_the_address_changed(app, client, sso, caseworker):
    sign_in_with_provider(client, sso, sub="sam-at-entra", email=caseworker.email, amr=["mfa"])
    client.post("/sign-out")
    # The provider now knows Sam by a new address, which no account here has.
    response = sign_in_with_provider(client, sso, sub="sam-at-entra", email="sam.new@example.org", amr=["mfa"])
    assert response.headers["Location"] == "/cases"
    assert signed_in_as(client) == caseworker.email


def test_an_address_already_tied_to_another_subject_is_refused(app, client, sso, caseworker):
    sign_in_with_provider(client, sso, sub="sam-at-entra", email=caseworker.email, amr=["mfa"])
    client.post("/sign-out")
    response = sign_in_with_provider(client, sso, sub="a-newcomer", email=caseworker.email, amr=["mfa"])
    assert response.headers["Location"] == "/sign-in"
    assert signed_in_as(client) is None
    assert refusals(app) == [{"reason": "account_linked_to_another_subject"}]


def test_an_unknown_person_is_refused_and_no_account_is_made(app, client, sso, caseworker):
    before = user_count(app)
    response = sign_in_with_provider(client, sso, email="stranger@example.org", amr=["mfa"])
    assert response.headers["Location"] == "/sign-in"
    assert NO_STAFF_ACCOUNT in text(client.get("/sign-in"))
    assert signed_in_as(client) is None
    assert user_count(app) == before
    assert refusals(app) == [{"reason": "no_account"}]


@pytest.mark.parametrize("role", ["parent", "youth"])
def test_a_family_account_cannot_sign_in_this_way(app, client, sso, role):
    with app.app_context():
        family = make_user(role)
    sign_in_with_provider(client, sso, email=family.email, amr=["mfa"])
    assert NO_STAFF_ACCOUNT in text(client.get("/sign-in"))
    assert signed_in_as(client) is None
    assert refusals(app) == [{"reason": "not_staff"}]
    with app.app_context():
        assert db.session.get(User, family.id).sso_subject is None


def test_a_disabled_staff_account_is_refused(app, client, sso):
    with app.app_context():
        gone = make_user("manager", disabled=True)
    sign_in_with_provider(client, sso, email=gone.email, amr=["mfa"])
    assert signed_in_as(client) is None
    assert refusals(app) == [{"reason": "account_inactive"}]


def test_an_unverified_email_is_refused(app, client, sso, caseworker):
    sign_in_with_provider(client, sso, email=caseworker.email, email_verified=False, amr=["mfa"])
    assert signed_in_as(client) is None
    assert refusals(app) == [{"reason": "email_unverified"}]
    with app.app_context():
        assert db.session.get(User, caseworker.id).sso_subject is None


def test_a_provider_that_vouches_for_its_addresses_needs_no_email_verified_claim(app, client, sso, caseworker):
    sign_in_with_provider(client, sso, email=caseworker.email, email_verified=None, amr=["mfa"])
    assert signed_in_as(client) is None  # no claim: not verified

    app.config["OIDC_EMAILS_VERIFIED"] = True
    sign_in_with_provider(client, sso, email=caseworker.email, email_verified=None, amr=["mfa"])
    assert signed_in_as(client) == caseworker.email


# --- tokens that fail their checks --------------------------------------------------------------


@pytest.mark.parametrize(
    "misbehaviour",
    [
        {"forged": True},  # signed with a key that is not among the provider's published keys
        {"expires_in": -600},  # expired ten minutes ago, beyond any allowance for clock drift
        {"audience": "another-application", "azp": openid_provider.CLIENT_ID},  # made for someone else
        {"nonce": "a-nonce-from-another-sign-in"},  # replayed from another sign-in
    ],
    ids=["forged", "expired", "wrong-audience", "wrong-nonce"],
)
def test_an_id_token_that_fails_a_check_is_refused(app, client, sso, caseworker, misbehaviour):
    response = sign_in_with_provider(client, sso, email=caseworker.email, amr=["mfa"], **misbehaviour)
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert COULD_NOT in text(client.get("/sign-in"))
    assert signed_in_as(client) is None
    assert refusals(app) == [{"reason": "invalid_id_token"}]
    with app.app_context():
        assert db.session.get(User, caseworker.id).sso_subject is None


def test_a_callback_this_browser_did_not_start_or_already_used_is_refused(app, client, sso, caseworker):
    sso.will_assert(email=caseworker.email, amr=["mfa"])
    callback = to_provider(client)
    elsewhere = app.test_client()
    assert elsewhere.get(callback).headers["Location"] == "/sign-in"
    assert signed_in_as(elsewhere) is None

    assert client.get(callback).headers["Location"] == "/cases"  # the browser that started it
    client.post("/sign-out")
    token_requests = sso.token_requests
    assert client.get(callback).headers["Location"] == "/sign-in"  # replayed
    assert signed_in_as(client) is None
    assert sso.token_requests == token_requests  # refused before the code was sent anywhere
    assert refusals(app) == [{"reason": "state_mismatch"}] * 2


def test_the_person_cancelling_at_the_provider_gets_a_plain_message(app, client, sso):
    callback = to_provider(client)
    state = parse_qs(urlsplit(callback).query)["state"][0]
    response = client.get(f"/sign-in/single-sign-on/callback?error=access_denied&state={state}")
    assert response.headers["Location"] == "/sign-in"
    assert COULD_NOT in text(client.get("/sign-in"))
    assert refusals(app) == [{"reason": "provider_refused"}]


def test_an_unreachable_provider_gives_a_plain_message(app, client, sso):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    app.config["OIDC_ISSUER"] = f"http://127.0.0.1:{port}"
    response = client.post("/sign-in/single-sign-on")
    assert response.status_code == 302 and response.headers["Location"] == "/sign-in"
    assert COULD_NOT in text(client.get("/sign-in"))


# --- the second factor ---------------------------------------------------------------------------


def test_multi_factor_at_the_provider_goes_straight_to_the_staff_pages(app, client, sso, caseworker):
    response = sign_in_with_provider(client, sso, email=caseworker.email, amr=["pwd", "mfa"])
    assert response.headers["Location"] == "/cases"
    assert client.get("/cases").status_code == 200


def test_without_multi_factor_the_authenticator_app_code_is_asked_for(app, client, sso, caseworker):
    response = sign_in_with_provider(client, sso, email=caseworker.email, amr=["pwd"])
    assert response.headers["Location"] == "/sign-in/code"
    assert client.get("/cases").headers["Location"].startswith("/sign-in")  # not signed in yet
    after_code = give_app_code(client, response, caseworker.email)
    assert after_code.headers["Location"] == "/cases"
    assert client.get("/cases").status_code == 200


def test_without_multi_factor_a_staff_member_with_no_app_sets_one_up_first(app, client, sso):
    with app.app_context():
        newcomer = make_user("caseworker", team="SENAR North", two_factor_set_up=False)
    sign_in_with_provider(client, sso, email=newcomer.email)
    assert client.get("/cases").headers["Location"] == "/account/two-factor"


def test_where_the_person_was_going_survives_the_trip(app, client, sso, caseworker):
    sso.will_assert(email=caseworker.email, amr=["mfa"])
    callback = to_provider(client, "/sign-in/single-sign-on?next=/manage/cases")
    assert client.get(callback).headers["Location"] == "/manage/cases"


# --- staff without passwords ------------------------------------------------------------------------


def test_staff_cannot_sign_in_with_a_password_when_it_is_turned_off(app, client, auth, sso, caseworker, users):
    app.config["STAFF_PASSWORD_SIGN_IN"] = False
    wrong = client.post("/sign-in", data={"email": caseworker.email, "password": "not-the-password"})
    assert "Enter the email address and password for your account" in text(wrong)  # as for anyone

    right = client.post("/sign-in", data={"email": caseworker.email, "password": caseworker.password})
    assert right.headers["Location"] == "/sign-in"
    assert "Staff sign in with your council account. Use the button below." in text(client.get("/sign-in"))
    assert signed_in_as(client) is None

    parent = users.make("parent")
    assert auth.sign_in(parent).status_code == 302
    assert signed_in_as(client) == parent.email


def test_staff_cannot_reset_a_password_when_it_is_turned_off(app, client, sso, caseworker, users, outbox):
    app.config["STAFF_PASSWORD_SIGN_IN"] = False
    parent = users.make("parent")
    client.post("/forgotten-password", data={"email": caseworker.email})
    client.post("/forgotten-password", data={"email": parent.email})
    assert not outbox.messages(caseworker.email, "password_reset")
    assert outbox.messages(parent.email, "password_reset")

    app.config["STAFF_PASSWORD_SIGN_IN"] = True
    client.post("/forgotten-password", data={"email": caseworker.email})
    link = outbox.link_in(outbox.last(caseworker.email, "password_reset"))
    app.config["STAFF_PASSWORD_SIGN_IN"] = False
    assert client.get(link).headers["Location"] == "/sign-in"  # a link sent before it was turned off


# --- switched off ---------------------------------------------------------------------------------------


def test_with_nothing_configured_the_sign_in_page_is_as_it_was(client):
    page = text(client.get("/sign-in"))
    assert "Sign in with" not in page and "/sign-in/single-sign-on" not in page
    assert client.post("/sign-in/single-sign-on").status_code == 404
    assert client.get("/sign-in/single-sign-on/callback?code=x&state=y").status_code == 404


def test_staff_passwords_stay_on_while_single_sign_on_is_not_configured(
    app, auth, caseworker, migrated_database, tmp_path, caplog
):
    with caplog.at_level(logging.WARNING, logger="portal.accounts.single_sign_on"):
        make_app(migrated_database, tmp_path, STAFF_PASSWORD_SIGN_IN=False)
    assert "STAFF_PASSWORD_SIGN_IN is off but single sign-on is not configured" in caplog.text

    app.config["STAFF_PASSWORD_SIGN_IN"] = False
    response = auth.sign_in(caseworker)
    assert response.headers["Location"] == "/cases"


def test_production_refuses_a_provider_over_plain_http(monkeypatch):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setattr(ProductionConfig, "PUBLIC_URL", "https://togetherwecan.example.org")
    monkeypatch.setattr(ProductionConfig, "OIDC_ISSUER", "http://login.example.org/tenant/v2.0")
    with pytest.raises(RuntimeError, match="OIDC_ISSUER must be an https:// address"):
        create_app("production")
