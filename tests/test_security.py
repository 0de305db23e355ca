"""Security behaviour an attacker (or a careful user) would notice.

CSRF on every POST, role checks on every staff page, sign-in throttling, sessions that really
end, security headers, error pages, no account enumeration, no open redirect.
"""

import base64
import hashlib
import os
import re
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest

from config import ProductionConfig
from portal import create_app
from portal.accounts import roles, services
from portal.accounts.models import AccountToken, User
from portal.core.forms import EXPIRED_MESSAGE
from portal.core.terms import term_of
from portal.core.time import london_today, utcnow
from portal.extensions import db, limiter
from portal.reports import periods
from tests.conftest import Auth, clear_tables, make_app
from tests.factories import PASSWORD, get_user, give_app_code, make_user

SESSION_COOKIE = "twc_session"
NEW_PASSWORD = "Amber-Lantern-Pebble-58"
FOOTER_LINKS = (
    "/you-said-we-did",
    "/updates",
    "/reports/complaints",
    "/accessibility",
    "/privacy",
    "/cookies",
    "/contact",
)


# --- helpers -------------------------------------------------------------------------------


class _Page(HTMLParser):
    """The parts of an HTML page these tests look at."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.inputs: list[dict] = []
        # attributes, plus "inline": True when it has no src, and "text": what it holds
        self.scripts: list[dict] = []
        self.inline_styles = 0  # <style> elements and style="" attributes
        self.inline_handlers: list[str] = []  # onclick="" and friends
        self.title = ""
        self._in = None
        self._text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input":
            self.inputs.append(attributes)
        if tag == "script":
            self.scripts.append({**attributes, "inline": "src" not in attributes, "text": ""})
        if tag == "style" or "style" in attributes:
            self.inline_styles += 1
        self.inline_handlers += [name for name in attributes if name.startswith("on")]
        if tag in ("script", "style", "title"):
            self._in = tag

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in == "title":
            self.title += data
        elif self._in == "script":
            self.scripts[-1]["text"] += data
        elif self._in is None:
            self._text.append(data)

    @property
    def text(self) -> str:
        """What a person reads on the page, with whitespace collapsed."""
        return " ".join(" ".join(self._text).split())

    def value_of(self, name: str) -> str | None:
        for field in self.inputs:
            if field.get("name") == name:
                return field.get("value")
        raise AssertionError(f"no input named {name!r} on the page")


def page(response) -> _Page:
    return _Page(response.get_data(as_text=True))


def error_summary(response) -> str:
    match = re.search(r'<div class="govuk-error-summary".*?</ul>', response.get_data(as_text=True), re.S)
    assert match, "the page has no error summary"
    return _Page(match.group(0)).text


def make(app, role="parent", **kwargs):
    with app.app_context():
        return make_user(role, **kwargs)


def snapshot(app) -> dict:
    """Every row of every table, to show that a refused request changed nothing."""
    with app.app_context():
        return {
            table.name: sorted(repr(tuple(row)) for row in db.session.execute(table.select()))
            for table in db.metadata.sorted_tables
        }


def csrf_token_from(response) -> str:
    return page(response).value_of("csrf_token")


def sign_in_with_token(client, person, password=PASSWORD, **kwargs):
    """Sign in through the real form, CSRF token and all."""
    token = csrf_token_from(client.get("/sign-in", **kwargs))
    response = client.post(
        "/sign-in", data={"email": person.email, "password": password, "csrf_token": token}, **kwargs
    )
    response = give_app_code(client, response, person.email)
    assert response.status_code == 302, "could not sign in"
    return response


def signed_in(client) -> bool:
    response = client.get("/account")
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and urlsplit(response.location).path == "/sign-in"
    return False


def session_cookie(client) -> str:
    cookie = client.get_cookie(SESSION_COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


_VARIABLE = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def fill(rule: str, **values) -> str:
    """A URL for ``rule`` with its variables filled in from ``values``."""

    def value(match):
        name = match.group(1)
        assert name in values, f"{rule}: this test has no value for <{name}>; add one"
        return str(values[name])

    return _VARIABLE.sub(value, rule)


def make_case(app) -> str:
    """A submitted case, for the routes that take a reference. Returns its reference."""
    from tests.casework_helpers import submit_case
    from tests.feedback_helpers import make_category

    with app.app_context():
        category_id = make_category()
    return submit_case(app, category_id)


def reset_token_for(app, person) -> str:
    with app.app_context():
        token = services.issue_token(get_user(person), AccountToken.SET_PASSWORD, 1)
        db.session.commit()
        return token


def is_staff_rule(rule) -> bool:
    """Staff routes that take no case: the case pages under /cases/<reference> are checked
    case by case in tests/test_casework_access.py."""
    return rule.rule in ("/cases", "/cases/new") or any(
        rule.rule == prefix or rule.rule.startswith(prefix + "/") for prefix in ("/admin", "/manage")
    )


# --- 1. CSRF -------------------------------------------------------------------------------

# Enough for any form in the portal to do something if its CSRF check were missing.
FORM_DATA = {
    "name": "Mallory Example",
    "email": "mallory@example.org",
    "password": NEW_PASSWORD,
    "role": roles.ADMIN,
    "team": "",
}


# The feedback Start button carries no token, so that its page is one page for every visitor;
# a post from another site is refused by its headers (test_public_cache).
CHECKED_BY_ORIGIN = {"feedback.begin"}


def test_every_post_route_refuses_a_request_without_a_csrf_token(csrf_app):
    admin = make(csrf_app, roles.ADMIN)
    waiting = make(csrf_app, roles.YOUTH, approved=False)  # can be approved, disabled, changed
    disabled = make(csrf_app, roles.YOUTH, disabled=True)  # can be enabled
    client = csrf_app.test_client()
    sign_in_with_token(client, admin)

    rules = [
        rule
        for rule in csrf_app.url_map.iter_rules()
        if "POST" in rule.methods and rule.endpoint not in {"static", *CHECKED_BY_ORIGIN}
    ]
    endpoints = {rule.endpoint for rule in rules}
    assert {"accounts.sign_in", "accounts.sign_out", "accounts_admin.disable_user"} <= endpoints

    reference = make_case(csrf_app)
    for rule in rules:
        for target in (waiting, disabled):
            path = fill(
                rule.rule,
                user_id=target.id,
                token=reset_token_for(csrf_app, target),
                slug="what-would-you-like-to-do",
                reference=reference,
                action_name="note",
                attachment_id=1,
                category_id=1,
                caseworker_id=target.id,
                team_id=1,
                template_id=1,
                theme_id=1,
                survey_id=1,
                consultation_id=1,
                question_id=1,
                response_id=1,
                comment_id=1,
                answer_id=1,
                entry_id=1,
                session_id=1,
                request_id=1,
                opportunity_id=1,
                document_id=1,
                term="autumn-2025",
                kind="closed_cases",
                area_id=1,
                action_id=1,
                milestone_id=1,
                measure_id=1,
                year=2025,
                section="definitions",
                finding_id=1,
            )
            before = snapshot(csrf_app)
            response = client.post(path, data=FORM_DATA)
            # 400 with the timed-out page; a page the admin may not see at all says so instead;
            # Notify's delivery receipts carry a bearer token of their own instead (401).
            assert response.status_code in (400, 401, 403, 404), (
                f"POST {rule.rule} without a CSRF token: {response.status_code}"
            )
            if response.status_code == 400:
                assert "timed out" in response.get_data(as_text=True), f"POST {rule.rule}: no timed-out message"
            assert snapshot(csrf_app) == before, f"POST {path} without a CSRF token changed data"
        assert signed_in(client), f"POST {rule.rule} without a CSRF token signed the admin out"

    with csrf_app.app_context():
        assert get_user(waiting).approved_at is None
        assert get_user(waiting).role == roles.YOUTH
        assert get_user(disabled).disabled_at is not None
        assert services.find_user_by_email(FORM_DATA["email"]) is None


def test_sign_in_without_a_csrf_token_does_not_sign_in(csrf_app):
    person = make(csrf_app)
    client = csrf_app.test_client()
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": person.email, "password": PASSWORD})
    assert response.status_code == 400
    assert not signed_in(client)
    with csrf_app.app_context():
        assert get_user(person).last_signed_in_at is None


@pytest.mark.parametrize("token", [None, "not-a-real-token"], ids=["missing token", "bad token"])
def test_register_form_with_expired_token_is_shown_again_with_the_answers(csrf_app, token):
    client = csrf_app.test_client()
    client.get("/register")
    data = {"role": roles.PARENT, "name": "Ada Lovelace", "email": "ada@example.org", "password": NEW_PASSWORD}
    if token:
        data["csrf_token"] = token
    response = client.post("/register", data=data)

    assert response.status_code == 400
    shown = page(response)
    assert shown.title.startswith("Error: Create an account")
    assert EXPIRED_MESSAGE in error_summary(response)
    assert shown.value_of("name") == "Ada Lovelace"
    assert shown.value_of("email") == "ada@example.org"
    assert shown.value_of("password") in (None, "")
    assert NEW_PASSWORD not in response.get_data(as_text=True)
    with csrf_app.app_context():
        assert services.find_user_by_email("ada@example.org") is None

    # A fresh token comes with the page, so sending the form again works.
    again = client.post("/register", data=data | {"csrf_token": shown.value_of("csrf_token")})
    assert again.status_code == 302
    assert again.location == "/register/check-your-email"


def test_sign_in_form_with_expired_token_keeps_the_email_but_not_the_password(csrf_app):
    person = make(csrf_app)
    client = csrf_app.test_client()
    response = client.post("/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": "stale"})
    assert response.status_code == 400
    assert "timed out" in error_summary(response)
    assert page(response).value_of("email") == person.email
    assert PASSWORD not in response.get_data(as_text=True)


def test_stale_sign_in_form_sent_after_signing_in_elsewhere_gets_a_real_page(csrf_app):
    # Two tabs on the sign-in page; signing in on one renews the session, so the other tab's
    # token no longer matches. The person gets the timed-out page, not a bare "Redirecting...".
    person = make(csrf_app)
    client = csrf_app.test_client()
    stale_token = csrf_token_from(client.get("/sign-in"))
    sign_in_with_token(client, person)
    response = client.post("/sign-in", data={"email": person.email, "password": PASSWORD, "csrf_token": stale_token})
    assert response.status_code == 400
    text = page(response).text
    assert "This page timed out before you sent it" in text
    assert_portal_layout(response)
    assert signed_in(client)


@pytest.mark.parametrize(
    "role, path, status",
    [
        (roles.PARENT, "/admin/users/new", 403),
        (roles.CASEWORKER, "/admin/users/{id}", 403),
        (roles.ADMIN, "/admin/users/999999", 404),
    ],
)
def test_expired_staff_form_still_gets_the_permission_answer_not_a_server_error(csrf_app, role, path, status):
    csrf_app.config["PROPAGATE_EXCEPTIONS"] = False
    person = make(csrf_app, role)
    client = csrf_app.test_client()
    sign_in_with_token(client, person)
    response = client.post(path.format(id=person.id), data=FORM_DATA)
    assert response.status_code == status
    assert "Sorry, there is a problem with the service" not in response.get_data(as_text=True)


# --- 2. Role checks ------------------------------------------------------------------------

ANONYMOUS = "anonymous"
EVERYONE = (ANONYMOUS,) + roles.ALL


def only(*allowed: str, status: int) -> dict:
    """Expected status for each kind of visitor: ``status`` for the allowed roles."""
    return {ANONYMOUS: 302} | {role: status if role in allowed else 403 for role in roles.ALL}


# Every staff route, and who gets what. A new route under /admin or /manage must be added here.
ACCESS = {
    ("/admin/users", "GET"): only(roles.ADMIN, status=200),
    ("/admin/outbox", "GET"): only(roles.ADMIN, status=200),
    ("/admin/users/new", "GET"): only(roles.ADMIN, status=200),
    ("/admin/users/new", "POST"): only(roles.ADMIN, status=302),
    ("/admin/users/<int:user_id>", "GET"): only(roles.ADMIN, status=200),
    ("/admin/users/<int:user_id>", "POST"): only(roles.ADMIN, status=302),
    ("/admin/users/<int:user_id>/disable", "POST"): only(roles.ADMIN, status=302),
    ("/admin/users/<int:user_id>/enable", "POST"): only(roles.ADMIN, status=302),
    ("/admin/users/<int:user_id>/reset-two-factor", "POST"): only(roles.ADMIN, status=302),
    ("/admin/settings", "GET"): only(roles.ADMIN, status=200),
    ("/admin/settings", "POST"): only(roles.ADMIN, status=302),
    ("/admin/retention", "GET"): only(roles.ADMIN, status=200),
    ("/admin/retention/<kind>", "GET"): only(roles.ADMIN, status=200),
    ("/admin/retention/<kind>", "POST"): only(roles.ADMIN, status=302),
    ("/manage/youth-members", "GET"): only(roles.MANAGER, roles.ADMIN, status=200),
    ("/manage/youth-members/<int:user_id>/approve", "POST"): only(roles.MANAGER, roles.ADMIN, status=302),
    ("/cases", "GET"): only(roles.CASEWORKER, roles.MANAGER, status=200),
    ("/cases/new", "GET"): only(roles.CASEWORKER, roles.MANAGER, status=200),
    ("/cases/new", "POST"): only(roles.CASEWORKER, roles.MANAGER, status=302),
    # Managers' casework pages (portal/casework/manage_views.py).
    ("/manage/cases", "GET"): only(roles.MANAGER, status=200),
    ("/manage/cases", "POST"): only(roles.MANAGER, status=302),
    ("/manage/routing", "GET"): only(roles.MANAGER, status=200),
    ("/manage/routing/categories/<int:category_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/routing/categories/<int:category_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/routing/caseworkers/<int:caseworker_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/routing/caseworkers/<int:caseworker_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/routing/targets", "GET"): only(roles.MANAGER, status=200),
    ("/manage/routing/targets", "POST"): only(roles.MANAGER, status=302),
    ("/manage/routing/teams/<int:team_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/routing/teams/<int:team_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/templates", "GET"): only(roles.MANAGER, status=200),
    ("/manage/templates/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/templates/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/templates/<int:template_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/templates/<int:template_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/templates/<int:template_id>/delete", "GET"): only(roles.MANAGER, status=200),
    ("/manage/templates/<int:template_id>/delete", "POST"): only(roles.MANAGER, status=302),
    ("/manage/themes", "GET"): only(roles.MANAGER, status=200),
    ("/manage/satisfaction", "GET"): only(roles.MANAGER, status=200),
    ("/manage/survey-comments", "GET"): only(roles.MANAGER, status=200),
    ("/manage/survey-comments/<int:survey_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/held-mail", "GET"): only(roles.MANAGER, status=200),
    ("/manage/themes/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/themes/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/themes/<int:theme_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/themes/<int:theme_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/themes/<int:theme_id>/retire", "POST"): only(roles.MANAGER, status=302),
    ("/manage/themes/<int:theme_id>/restore", "POST"): only(roles.MANAGER, status=302),
    # Writing consultations (portal/consultations/manage_views.py).
    ("/manage/consultations", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/consultations/<int:consultation_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/<int:consultation_id>/edit", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/<int:consultation_id>/edit", "POST"): only(roles.MANAGER, status=302),
    ("/manage/consultations/<int:consultation_id>/questions/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/<int:consultation_id>/questions/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/consultations/<int:consultation_id>/questions/<int:question_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/<int:consultation_id>/questions/<int:question_id>", "POST"): only(
        roles.MANAGER, status=302
    ),
    ("/manage/consultations/<int:consultation_id>/questions/<int:question_id>/delete", "POST"): only(
        roles.MANAGER, status=302
    ),
    ("/manage/consultations/<int:consultation_id>/questions/<int:question_id>/move", "POST"): only(
        roles.MANAGER, status=302
    ),
    ("/manage/consultations/<int:consultation_id>/publish", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/<int:consultation_id>/publish", "POST"): only(roles.MANAGER, status=302),
    # Moderation, results, export and outcome (portal/consultations/moderation_views.py).
    ("/manage/consultations/moderation", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/moderation/responses/<int:response_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/moderation/responses/<int:response_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/consultations/moderation/comments/<int:comment_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/moderation/comments/<int:comment_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/consultations/<int:consultation_id>/results", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/<int:consultation_id>/answers/<int:answer_id>/themes", "GET"): only(
        roles.MANAGER, status=200
    ),
    ("/manage/consultations/<int:consultation_id>/answers/<int:answer_id>/themes", "POST"): only(
        roles.MANAGER, status=302
    ),
    ("/manage/consultations/<int:consultation_id>/export.csv", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/<int:consultation_id>/outcome", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/<int:consultation_id>/outcome", "POST"): only(roles.MANAGER, status=302),
    # Documents to read and answers given offline (portal/consultations/materials_views.py).
    ("/manage/consultations/<int:consultation_id>/documents", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/<int:consultation_id>/documents", "POST"): only(roles.MANAGER, status=302),
    ("/manage/consultations/<int:consultation_id>/documents/<int:document_id>/remove", "POST"): only(
        roles.MANAGER, status=302
    ),
    ("/manage/consultations/<int:consultation_id>/offline-answers", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/<int:consultation_id>/offline-answers", "POST"): only(roles.MANAGER, status=302),
    # Ways to take part (portal/consultations/take_part_manage_views.py).
    ("/manage/consultations/opportunities", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/opportunities/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/opportunities/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/consultations/opportunities/<int:opportunity_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/opportunities/<int:opportunity_id>/edit", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/opportunities/<int:opportunity_id>/edit", "POST"): only(roles.MANAGER, status=302),
    ("/manage/consultations/opportunities/<int:opportunity_id>/publish", "POST"): only(roles.MANAGER, status=302),
    ("/manage/consultations/opportunities/<int:opportunity_id>/cancel", "GET"): only(roles.MANAGER, status=200),
    ("/manage/consultations/opportunities/<int:opportunity_id>/cancel", "POST"): only(roles.MANAGER, status=302),
    # You Said, We Did (portal/yousaid/manage_views.py).
    ("/manage/you-said-we-did", "GET"): only(roles.MANAGER, status=200),
    ("/manage/you-said-we-did/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/you-said-we-did/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/you-said-we-did/<int:entry_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/you-said-we-did/<int:entry_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/you-said-we-did/<int:entry_id>/publish", "POST"): only(roles.MANAGER, status=302),
    ("/manage/you-said-we-did/<int:entry_id>/status", "GET"): only(roles.MANAGER, status=200),
    ("/manage/you-said-we-did/<int:entry_id>/status", "POST"): only(roles.MANAGER, status=302),
    ("/manage/you-said-we-did/<int:entry_id>/evidence", "GET"): only(roles.MANAGER, status=200),
    ("/manage/you-said-we-did/<int:entry_id>/evidence", "POST"): only(roles.MANAGER, status=302),
    # The improvement plan (portal/improvement/manage_views.py).
    ("/manage/improvement", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/publish", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/publish", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/areas/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/areas/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/areas/<int:area_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/areas/<int:area_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/areas/<int:area_id>/evidence", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/areas/<int:area_id>/evidence", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/areas/<int:area_id>/actions/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/areas/<int:area_id>/actions/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/actions/<int:action_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/actions/<int:action_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/actions/<int:action_id>/milestones/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/actions/<int:action_id>/milestones/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/milestones/<int:milestone_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/milestones/<int:milestone_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/measures/<int:measure_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/measures/<int:measure_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/milestones/<int:milestone_id>/status", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/milestones/<int:milestone_id>/status", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/areas/<int:area_id>/measures/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/areas/<int:area_id>/measures/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/measures/<int:measure_id>/values/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/measures/<int:measure_id>/values/new", "POST"): only(roles.MANAGER, status=302),
    # The SEND Improvement Board's packs (portal/reports/board_pack_views.py).
    ("/manage/improvement/board-packs", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/board-packs", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/board-packs/<int:document_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/improvement/board-packs/<int:document_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/improvement/board-packs/<int:document_id>.pdf", "GET"): only(roles.MANAGER, status=200),
    # Termly updates (portal/reports/termly_views.py).
    ("/manage/updates", "GET"): only(roles.MANAGER, status=200),
    ("/manage/updates/<term>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/updates/<term>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/updates/<term>/preview", "GET"): only(roles.MANAGER, status=200),
    ("/manage/updates/<term>/preview.pdf", "GET"): only(roles.MANAGER, status=200),
    # Publishing the annual complaints report (portal/reports/complaints_views.py).
    ("/manage/reports/complaints", "GET"): only(roles.MANAGER, status=200),
    ("/manage/reports/complaints", "POST"): only(roles.MANAGER, status=302),
    # Preparing the year's governance pack (portal/reports/complaints_views.py).
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/preview", "GET"): only(roles.MANAGER, status=200),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/self-assessment/<section>", "GET"): only(
        roles.MANAGER, status=200
    ),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/self-assessment/<section>", "POST"): only(
        roles.MANAGER, status=302
    ),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/ombudsman-letter", "GET"): only(
        roles.MANAGER, status=200
    ),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/ombudsman-letter", "POST"): only(
        roles.MANAGER, status=302
    ),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/findings", "GET"): only(roles.MANAGER, status=200),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/findings", "POST"): only(roles.MANAGER, status=302),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/findings/<int:finding_id>/remove", "POST"): only(
        roles.MANAGER, status=302
    ),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/analysis", "GET"): only(roles.MANAGER, status=200),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/analysis", "POST"): only(roles.MANAGER, status=302),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/governance", "GET"): only(roles.MANAGER, status=200),
    ("/manage/reports/complaints/<int(min=2000, max=9999):year>/governance", "POST"): only(roles.MANAGER, status=302),
    # The Local Offer comments summary (portal/reports/local_offer_views.py).
    ("/manage/reports/local-offer", "GET"): only(roles.MANAGER, status=200),
    ("/manage/reports/local-offer/<int(min=2000, max=9999):year>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/reports/local-offer/<int(min=2000, max=9999):year>", "POST"): only(roles.MANAGER, status=302),
    # Requests about families' data (portal/rights/request_views.py); the export is a download.
    ("/manage/data-requests", "GET"): only(roles.MANAGER, status=200),
    ("/manage/data-requests/new", "GET"): only(roles.MANAGER, status=200),
    ("/manage/data-requests/new", "POST"): only(roles.MANAGER, status=302),
    ("/manage/data-requests/<int:request_id>", "GET"): only(roles.MANAGER, status=200),
    ("/manage/data-requests/<int:request_id>", "POST"): only(roles.MANAGER, status=302),
    ("/manage/data-requests/<int:request_id>/export", "POST"): only(roles.MANAGER, status=200),
}


def _consultation_details(made) -> dict:
    opens, closes = london_today(), london_today() + timedelta(days=14)
    return {
        "title": "A new consultation",
        "summary": "Summary.",
        "background": "Background.",
        "audience": "everyone",
        "forum_may_answer": "no",
        "opens_on": [opens.day, opens.month, opens.year],
        "closes_on": [closes.day, closes.month, closes.year],
    }


def _opportunity_details(made) -> dict:
    day = london_today() + timedelta(days=9)
    return {
        "kind": "drop_in",
        "title": "A changed drop-in",
        "description": "What will happen.",
        "format": "in_person",
        "day": [day.day, day.month, day.year],
        "starts": "10am",
        "ends": "11:30am",
        "place": "Civic Centre",
        "audience": "anyone",
        "capacity": "8",
    }


def _offline_answers(made) -> dict:
    return {"channel": "paper", "participant": "parent", f"question_{made['question_id']}": "On paper."}


def _document(made) -> dict:
    import io

    return {"title": "Draft strategy", "easy_read": "no", "file": (io.BytesIO(b"%PDF-1.4 a document"), "a.pdf")}


def _you_said_entry(made) -> dict:
    return {
        "term": term_of(london_today()).slug,
        "theme": str(made["theme_id"]),
        "title": "Changed title",
        "you_said": "You said.",
        "we_did": "We did.",
        "action_owner": "Commissioning",
        "action_status": "planned",
    }


_improvement_action = {"title": "An action", "owner": "nhs", "lead_name": "Dr Asha Patel", "lead_role": "Director"}


# What a form on each page would send: enough for the allowed roles to change something.
POSTED = {
    "/manage/reports/complaints": {"year": str(periods.current_year().previous().start_year), "publish": "Publish"},
    "/manage/reports/complaints/<int(min=2000, max=9999):year>/self-assessment/<section>": {
        "compliance": "met",
        "evidence": "Our policy.",
    },
    "/manage/reports/complaints/<int(min=2000, max=9999):year>/ombudsman-letter": {
        "received": "3",
        "decided": "2",
        "upheld": "1",
        "uphold_rate": "50",
        "compliance_rate": "100",
    },
    "/manage/reports/complaints/<int(min=2000, max=9999):year>/findings": {
        "found": "A late response.",
        "council_action": "Reminders.",
    },
    "/manage/reports/complaints/<int(min=2000, max=9999):year>/analysis": {"analysis": "What the year showed."},
    "/manage/reports/complaints/<int(min=2000, max=9999):year>/governance": {
        "member_responsible": "Councillor Example",
        "meeting": "Cabinet",
        "meeting_on": ["10", "6", "2026"],
        "governance_response": "Noted.",
    },
    "/manage/reports/local-offer/<int(min=2000, max=9999):year>": {
        "category_id": "",
        "theme_id": "",
        "response": "We will.",
        "save": "Save draft",
    },
    "/admin/users/new": {
        "name": "New Caseworker",
        "email": "new.caseworker@example.org",
        "role": roles.CASEWORKER,
        "team": "",
    },
    "/admin/users/<int:user_id>": {"role": roles.CASEWORKER, "team": ""},
    "/admin/settings": {"stage_2_request_months": "6"},
    "/admin/retention/<kind>": {"amount": "7", "unit": "years"},
    "/cases/new": lambda made: {
        "channel": "phone",
        "received_on": ["1", "12", "2026"],
        "kind": "compliment",
        "worried": "no",
        "category_id": str(made["category_id"]),
        "what_happened": "Thank you for the new taxi.",
        "speaker": "parent",
        "young_person_age": "no",
        "reply": "no",
    },
    # A function of the records made by casework_records() when the data names them.
    "/manage/cases": lambda made: {"cases": str(made["case_id"]), "caseworker": str(made["caseworker_id"])},
    "/manage/routing/categories/<int:category_id>": lambda made: {"team": str(made["other_team_id"])},
    "/manage/routing/caseworkers/<int:caseworker_id>": lambda made: {
        "team": str(made["other_team_id"]),
        "accepting": "no",
        "capacity": "12",
        "stage_2": "yes",
    },
    "/manage/routing/teams/<int:team_id>": lambda made: {"lead": str(made["lead_id"])},
    "/manage/routing/targets": lambda made: {"question": "10", "suggestion": "20", "compliment": "10"},
    "/manage/templates/new": {"name": "New template", "body": "Dear {family_name}"},
    "/manage/data-requests/new": lambda made: {
        "kind": "correction",
        "who": made["email"],
        "received_on": [str(london_today().day), str(london_today().month), str(london_today().year)],
        "channel": "phone",
        "what": "My name is spelt wrong.",
    },
    "/manage/data-requests/<int:request_id>": {"outcome": "sent", "reason": "Sent by secure email."},
    "/manage/templates/<int:template_id>": {"name": "Changed template", "body": "Hello {family_name}"},
    "/manage/themes/new": {"name": "New theme"},
    "/manage/themes/<int:theme_id>": {"name": "Renamed theme"},
    "/manage/consultations/new": _consultation_details,
    "/manage/consultations/<int:consultation_id>/edit": _consultation_details,
    "/manage/consultations/<int:consultation_id>/questions/new": {
        "prompt": "A new question?",
        "kind": "text",
        "required": "no",
    },
    "/manage/consultations/<int:consultation_id>/questions/<int:question_id>": {
        "prompt": "A changed question?",
        "kind": "text",
        "required": "yes",
    },
    "/manage/consultations/<int:consultation_id>/questions/<int:question_id>/move": {"direction": "down"},
    "/manage/consultations/moderation/responses/<int:response_id>": {"decision": "approve"},
    "/manage/consultations/moderation/comments/<int:comment_id>": {"decision": "approve"},
    "/manage/consultations/<int:consultation_id>/answers/<int:answer_id>/themes": lambda made: {
        "themes": str(made["theme_id"])
    },
    "/manage/consultations/<int:consultation_id>/outcome": {
        "we_asked": "a",
        "you_said": "b",
        "we_did": "c",
        "save": "Save draft",
    },
    "/manage/consultations/<int:consultation_id>/documents": _document,
    "/manage/consultations/<int:consultation_id>/offline-answers": _offline_answers,
    "/manage/consultations/opportunities/new": _opportunity_details,
    "/manage/consultations/opportunities/<int:opportunity_id>/edit": _opportunity_details,
    "/manage/you-said-we-did/new": _you_said_entry,
    "/manage/you-said-we-did/<int:entry_id>": _you_said_entry,
    "/manage/you-said-we-did/<int:entry_id>/status": {"status": "done"},
    "/manage/you-said-we-did/<int:entry_id>/evidence": lambda made: {"cases": made["reference"]},
    "/manage/updates/<term>": {"introduction": "An introduction", "priorities": "", "save": "Save draft"},
    "/manage/improvement/publish": {"summary": "The first version."},
    "/manage/improvement/board-packs/<int:document_id>": {"decision": "Ask health partners for a recovery plan."},
    "/manage/improvement/areas/new": {"title": "No shared strategy", "finding": "Nobody agreed a plan."},
    "/manage/improvement/areas/<int:area_id>": {"title": "A changed area", "finding": "Found."},
    "/manage/improvement/areas/<int:area_id>/evidence": lambda made: {"themes": str(made["theme_id"])},
    "/manage/improvement/areas/<int:area_id>/actions/new": _improvement_action,
    "/manage/improvement/actions/<int:action_id>": _improvement_action,
    "/manage/improvement/actions/<int:action_id>/milestones/new": {
        "title": "Strategy signed",
        "horizon_months": "6",
        "target_on": ["31", "3", "2027"],
    },
    "/manage/improvement/milestones/<int:milestone_id>": {
        "title": "A changed milestone",
        "horizon_months": "12",
        "target_on": ["31", "3", "2027"],
    },
    "/manage/improvement/measures/<int:measure_id>": {
        "title": "A changed measure",
        "unit": "%",
        "baseline": "10",
        "target": "60",
        "higher_is_better": "no",
    },
    "/manage/improvement/milestones/<int:milestone_id>/status": {"status": "on_track", "reason": "Going well."},
    "/manage/improvement/areas/<int:area_id>/measures/new": {
        "title": "Plans on time",
        "unit": "%",
        "baseline": "10",
        "target": "60",
        "higher_is_better": "yes",
    },
    "/manage/improvement/measures/<int:measure_id>/values/new": {
        "period": "Autumn term",
        "measured_on": [str(london_today().day), str(london_today().month), str(london_today().year)],
        "value": "12",
        "source": "The council's records",
    },
}

CASEWORK_PAGES = ("/cases/new", "/manage/cases", "/manage/routing", "/manage/templates", "/manage/themes")
CONSULTATION_PAGES = ("/manage/consultations",)
# Pages about a consultation's answers need a closed one; writing questions needs a draft.
ANSWER_PAGES = ("/moderation", "/results", "/answers/", "/export.csv", "/outcome", "/offline-answers")
YOU_SAID_PAGES = ("/manage/you-said-we-did",)
IMPROVEMENT_PAGES = ("/manage/improvement",)


def casework_records(app, *, retired_theme: bool = False) -> dict:
    """What the managers' casework pages act on: a category and a caseworker in one team, a
    second team to move them to, a manager who could lead it, a template, a theme and an
    unassigned case. Returns their ids under the names the routes use."""
    from portal.accounts.models import Team
    from portal.casework.models import ResponseTemplate
    from portal.feedback.models import Case, Category
    from portal.themes.models import LearningTheme

    with app.app_context():
        team, other = Team(name="Routing team"), Team(name="Other team")
        category = Category(name="Routing category", team=team)
        template = ResponseTemplate(name="A template", body="Dear {family_name}")
        theme = LearningTheme(name="A theme", active=not retired_theme)
        db.session.add_all([team, other, category, template, theme])
        db.session.commit()
        caseworker = make_user(roles.CASEWORKER, team="Routing team")
        lead = make_user(roles.MANAGER)
        case = Case(
            reference="CAN-2099-00001",
            submission_key="access-table",
            kind="complaint",
            status="received",
            stage=1,
            what_happened="Something happened.",
            team_id=team.id,
        )
        db.session.add(case)
        db.session.commit()
        return {
            "category_id": category.id,
            "caseworker_id": caseworker.id,
            "team_id": team.id,
            "other_team_id": other.id,
            "lead_id": lead.id,
            "template_id": template.id,
            "theme_id": theme.id,
            "case_id": case.id,
        }


def consultation_records(app, rule: str) -> dict:
    """A consultation (closed, for the pages about answers; a draft otherwise) with a sent
    public answer waiting for moderation, a comment under it waiting too, and a theme."""
    from portal.consultations import models as m
    from portal.core.time import utcnow
    from portal.themes.models import LearningTheme
    from tests.consultation_helpers import make_consultation

    with app.app_context():
        answers_page = any(part in rule for part in ANSWER_PAGES)
        consultation = make_consultation(title="Access table", state=m.CLOSED if answers_page else m.DRAFT)
        author, commenter = make_user(roles.PARENT), make_user(roles.YOUTH)
        response = m.Response(
            consultation=consultation,
            author_id=author.id,
            visibility=m.PUBLIC,
            moderation=m.PENDING,
            submitted_at=utcnow(),
            answers=[m.Answer(question=consultation.questions[0], text="An answer.")],
        )
        response.comments.append(m.Comment(author_id=commenter.id, body="A comment."))
        theme = LearningTheme(name="A theme")
        document = m.Document(
            consultation=consultation,
            title="A document",
            filename="a.pdf",
            content_type="application/pdf",
            size=9,
            data=b"%PDF-1.4 ",
        )
        db.session.add_all([response, theme, document])
        db.session.commit()
        return {
            "document_id": document.id,
            "consultation_id": consultation.id,
            "question_id": consultation.questions[0].id,
            "response_id": response.id,
            "comment_id": response.comments[0].id,
            "answer_id": response.answers[0].id,
            "theme_id": theme.id,
        }


def opportunity_records(app, rule: str) -> dict:
    """An opportunity (a draft, for publishing; published otherwise) with a parent's place on it."""
    from tests.take_part_helpers import make_opportunity, take

    with app.test_request_context():
        opportunity = make_opportunity(make_user(roles.MANAGER).id, publish=not rule.endswith("/publish"))
        if not rule.endswith("/publish"):
            take(opportunity.id, make_user(roles.PARENT).id, ["bsl"], "A ramp")
        return {"opportunity_id": opportunity.id}


def you_said_records(app) -> dict:
    """A draft entry about a theme, and a case that could be linked to it as evidence."""
    from portal.feedback.models import Case
    from portal.themes.models import LearningTheme
    from portal.yousaid.models import YouSaidEntry

    with app.app_context():
        theme = LearningTheme(name="A theme")
        entry = YouSaidEntry(
            term=term_of(london_today()).slug,
            theme=theme,
            title="An entry",
            you_said="You said.",
            we_did="We did.",
            action_owner="Commissioning",
        )
        case = Case(
            reference="CAN-2099-00002",
            submission_key="access-table-evidence",
            kind="complaint",
            status="closed",
            what_happened="Something happened.",
        )
        db.session.add_all([entry, case])
        db.session.commit()
        return {"entry_id": entry.id, "theme_id": theme.id, "reference": case.reference}


def improvement_records(app) -> dict:
    """An area of the improvement plan with an action, a milestone and a measure, and a theme
    that could be its evidence."""
    from portal.improvement import plan
    from portal.themes.models import LearningTheme

    with app.app_context():
        theme = LearningTheme(name="A theme")
        db.session.add(theme)
        area = plan.add_area(None, title="An area", finding="A finding.")
        action = plan.add_action(
            None, area, title="An action", owner="council", lead_name="A Lead", lead_role="Director"
        )
        milestone = plan.add_milestone(None, action, title="A milestone", horizon_months=3, target_on=london_today())
        measure = plan.add_measure(None, area, title="A measure", unit="%", baseline=1, target=2, higher_is_better=True)
        db.session.commit()
        return {
            "area_id": area.id,
            "action_id": action.id,
            "milestone_id": milestone.id,
            "measure_id": measure.id,
            "theme_id": theme.id,
        }


def board_pack_records(app) -> dict:
    """The improvement plan published, and a board pack produced from it."""
    from portal.improvement import plan
    from portal.reports import board_pack

    made = improvement_records(app)
    with app.app_context(), app.test_request_context():
        manager = get_user(make_user(roles.MANAGER))
        plan.publish(manager, "The first version.")
        document = board_pack.produce(manager)
        db.session.commit()
        return {**made, "document_id": document.id}


def data_request_records(app) -> dict:
    """A family's open request for a copy of their data."""
    from portal.rights.models import DataRequest

    with app.app_context():
        family = make_user(roles.PARENT)
        data_request = DataRequest(
            kind="access",
            user_id=family.id,
            contact_email=family.email,
            what="Everything.",
            channel="email",
            received_on=london_today(),
            due_on=london_today() + timedelta(days=28),
        )
        db.session.add(data_request)
        db.session.commit()
        return {"request_id": data_request.id, "email": family.email}


def survey_records(app) -> dict:
    """A family's answer to the satisfaction survey, with comments to tag."""
    from portal.feedback.models import Case
    from portal.feedback.survey_models import SatisfactionSurvey

    with app.app_context():
        case = Case(
            reference="CAN-2099-00003",
            submission_key="access-table-survey",
            kind="complaint",
            status="closed",
            what_happened="Something happened.",
        )
        db.session.add(case)
        db.session.flush()
        answer = SatisfactionSurvey(
            case_id=case.id,
            stage=1,
            channel="email",
            answered_at=utcnow(),
            satisfaction=3,
            listened="partly",
            comments="It was slow.",
        )
        db.session.add(answer)
        db.session.commit()
        return {"survey_id": answer.id}


def governance_records(app, rule: str) -> dict:
    """Last year, with its governance pack ready to publish and a finding to remove."""
    from portal.reports import governance
    from tests.governance_helpers import prepare_pack

    year = periods.current_year().previous()
    with app.app_context():
        manager = get_user(make_user(roles.MANAGER))
        if rule in ("/manage/reports/complaints", "/manage/reports/complaints/<int(min=2000, max=9999):year>/preview"):
            prepare_pack(manager, year)
        finding = governance.add_finding(manager, year, found="A late response.", council_action="Reminders.")
        db.session.commit()
        return {"year": year.start_year, "section": "definitions", "finding_id": finding.id}


def records_for(app, rule: str) -> dict:
    if rule.startswith("/manage/survey-comments/"):
        return survey_records(app)
    if rule.startswith(CASEWORK_PAGES):
        return casework_records(app, retired_theme=rule.endswith("/restore"))
    if rule.startswith("/manage/consultations/opportunities"):
        return opportunity_records(app, rule)
    if rule.startswith(CONSULTATION_PAGES):
        return consultation_records(app, rule)
    if rule.startswith(YOU_SAID_PAGES):
        return you_said_records(app)
    if rule.startswith("/manage/improvement/board-packs"):
        return board_pack_records(app)
    if rule.startswith(IMPROVEMENT_PAGES):
        return improvement_records(app)
    if rule.startswith("/manage/updates"):
        return {"term": term_of(london_today()).slug}
    if rule.startswith(("/manage/reports/complaints", "/manage/reports/local-offer")):
        return governance_records(app, rule)
    if rule.startswith("/manage/data-requests"):
        return data_request_records(app)
    if rule.startswith("/admin/retention"):
        return {"kind": "closed_cases"}
    return {}


@pytest.mark.parametrize("visitor", EVERYONE)
@pytest.mark.parametrize("rule, method", list(ACCESS), ids=[f"{m} {r}" for r, m in ACCESS])
def test_staff_routes_by_role(app, users, auth, client, rule, method, visitor):
    # The person acted on: someone an allowed role could approve, disable, change or enable.
    target = users.make(roles.YOUTH, approved=False, disabled=rule.endswith("/enable"))
    made = records_for(app, rule)
    path = fill(rule, user_id=target.id, **made)
    posted = POSTED.get(rule, {})
    if callable(posted):
        posted = posted(made)
    if visitor != ANONYMOUS:
        auth.sign_in(users.make(visitor))
    expected = ACCESS[(rule, method)][visitor]

    before = snapshot(app)
    response = client.open(path, method=method, data=posted)

    assert response.status_code == expected, f"{visitor} {method} {path}"
    if visitor == ANONYMOUS:
        location = urlsplit(response.location)
        assert location.path == "/sign-in"
        assert parse_qs(location.query)["next"] == [path]
    if expected == 403:
        assert "You do not have permission to see this page" in response.get_data(as_text=True)
    if method == "POST":
        # A redirect after a change, or a download that is recorded (a family's data for them).
        allowed = visitor != ANONYMOUS and expected in (200, 302)
        changed = snapshot(app) != before
        assert changed == allowed, f"{visitor} {method} {path}: data {'changed' if changed else 'unchanged'}"


def test_every_staff_route_is_in_the_access_table(app):
    routes = {
        (rule.rule, method)
        for rule in app.url_map.iter_rules()
        if is_staff_rule(rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes, "no routes under /admin or /manage: has the prefix changed?"
    assert routes - set(ACCESS) == set(), "add these staff routes to ACCESS in tests/test_security.py"
    assert set(ACCESS) - routes == set(), "ACCESS lists routes that no longer exist"


def test_every_staff_view_is_protected_by_role_required(app):
    for rule in app.url_map.iter_rules():
        if not is_staff_rule(rule):
            continue
        view = app.view_functions[rule.endpoint]
        allowed = getattr(view, "allowed_roles", None)
        assert allowed is not None, f"{rule.rule} is not protected by role_required"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            table = ACCESS[(rule.rule, method)]
            assert set(allowed) == {role for role in roles.ALL if table[role] != 403}, rule.rule


# --- 3. Sign-in throttling -----------------------------------------------------------------


def attempt(client, email, password, address):
    return client.post("/sign-in", data={"email": email, "password": password}, environ_base={"REMOTE_ADDR": address})


def assert_throttled(response):
    assert response.status_code == 429
    text = page(response).text
    assert "Too many attempts" in text
    assert "Wait 15 minutes" in text


def test_sign_in_is_throttled_per_account_from_any_address(app, client, users):
    # Set after the app was built: the limits must be read at request time.
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    person = users.make()
    for n in range(3):
        response = attempt(client, person.email, "wrong-guess-number-" + str(n), f"203.0.113.{n + 1}")
        assert response.status_code == 200
        assert "Enter the email address and password for your account" in page(response).text

    # Even the right password, from a new address, with the address written differently.
    response = attempt(client, "  " + person.email.upper(), PASSWORD, "203.0.113.99")
    assert_throttled(response)
    assert not signed_in(client)

    # The limit is read on every request: raising it lets the person in again.
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "100 per 15 minutes"
    assert attempt(client, person.email, PASSWORD, "203.0.113.99").status_code == 302
    assert signed_in(client)


def test_sign_in_is_throttled_per_address_across_accounts(app, client, users):
    app.config["SIGN_IN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    person = users.make()
    for n in range(3):
        assert attempt(client, f"guess{n}@example.org", "wrong-guess", "198.51.100.7").status_code == 200

    assert_throttled(attempt(client, person.email, PASSWORD, "198.51.100.7"))
    assert not signed_in(client)
    # The same person from their own address is not affected.
    assert attempt(client, person.email, PASSWORD, "198.51.100.8").status_code == 302


def test_throttling_one_account_does_not_block_another(app, users):
    app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "3 per 15 minutes"
    victim, bystander = users.make(), users.make()
    attacker = app.test_client()
    for n in range(4):
        attempt(attacker, victim.email, "wrong-guess", f"192.0.2.{n + 1}")
    assert_throttled(attempt(attacker, victim.email, PASSWORD, "192.0.2.50"))

    other = app.test_client()
    assert attempt(other, bystander.email, PASSWORD, "192.0.2.200").status_code == 302
    assert signed_in(other)


def test_attempts_without_a_csrf_token_count_and_are_throttled_too(csrf_app):
    csrf_app.config["PROPAGATE_EXCEPTIONS"] = False
    csrf_app.config["SIGN_IN_LIMIT_PER_ACCOUNT"] = "2 per 15 minutes"
    person = make(csrf_app)
    client = csrf_app.test_client()
    for _ in range(2):
        assert attempt(client, person.email, "wrong-guess", "203.0.113.5").status_code == 400
    assert_throttled(attempt(client, person.email, PASSWORD, "203.0.113.6"))


# A Redis database of each test worker's own (15, 14, ...), since the test empties it.
REDIS_URI = f"redis://127.0.0.1:6379/{15 - int(os.environ.get('PYTEST_XDIST_WORKER', 'gw0')[2:] or 0)}"


def redis_or_skip():
    import redis

    connection = redis.Redis.from_url(REDIS_URI, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.exceptions.RedisError as error:
        reason = f"Redis is not reachable at {REDIS_URI} ({error}): cannot test shared throttling"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return connection


def test_sign_in_limit_is_shared_between_app_servers_through_redis(migrated_database, tmp_path):
    redis_db = redis_or_skip()
    redis_db.flushdb()
    apps = []

    def server(**config):
        # Each create_app re-binds the module-global limiter to a new storage, as a second
        # server process would have its own: only counts kept in Redis survive.
        apps.append(make_app(migrated_database, tmp_path, SIGN_IN_LIMIT_PER_ACCOUNT="3 per 15 minutes", **config))
        return apps[-1]

    try:
        # Control: with in-process memory, a second server knows nothing of the first's count.
        first = server(RATELIMIT_STORAGE_URI="memory://")
        person = make(first)
        for n in range(3):
            assert attempt(first.test_client(), person.email, "wrong-guess", f"203.0.113.{n}").status_code == 200
        second = server(RATELIMIT_STORAGE_URI="memory://")
        assert attempt(second.test_client(), person.email, "wrong-guess", "203.0.113.9").status_code == 200

        # With Redis, the attempts made on one server count on the other.
        first = server(RATELIMIT_STORAGE_URI=REDIS_URI)
        for n in range(3):
            assert attempt(first.test_client(), person.email, "wrong-guess", f"203.0.113.{n}").status_code == 200
        assert redis_db.keys("*sign-in-account*"), "the per-account count is not kept in Redis"
        second = server(RATELIMIT_STORAGE_URI=REDIS_URI)
        assert_throttled(attempt(second.test_client(), person.email, PASSWORD, "203.0.113.9"))
    finally:
        redis_db.flushdb()
        limiter.reset()
        if apps:
            clear_tables(apps[0])


# --- 4. Sessions ---------------------------------------------------------------------------


def test_old_session_cookie_is_useless_after_sign_out(app, client, users, auth):
    auth.sign_in(users.make())
    copied = session_cookie(client)

    replay = app.test_client()
    replay.set_cookie(SESSION_COOKIE, copied)
    assert signed_in(replay), "a copied cookie should work while the session is live"

    auth.sign_out()
    assert not signed_in(client)
    replay = app.test_client()
    replay.set_cookie(SESSION_COOKIE, copied)
    assert not signed_in(replay)


def test_disabling_an_account_ends_its_sessions_and_stops_sign_in(app, users):
    person = users.make()
    browser = app.test_client()
    attempt(browser, person.email, PASSWORD, "127.0.0.1")
    assert signed_in(browser)

    admin = app.test_client()
    administrator = users.make(roles.ADMIN)
    give_app_code(admin, attempt(admin, administrator.email, PASSWORD, "127.0.0.1"), administrator.email)
    assert admin.post(f"/admin/users/{person.id}/disable").status_code == 302

    response = browser.get("/account")
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/sign-in"
    response = attempt(browser, person.email, PASSWORD, "127.0.0.1")
    assert response.status_code == 200
    assert "Enter the email address and password for your account" in page(response).text
    assert not signed_in(browser)


def test_session_is_renewed_at_sign_in(app, client, users, auth):
    person = users.make()
    with client.session_transaction() as session:
        session["planted"] = "set before signing in"
        session["signed_in_session"] = "a token the attacker chose"
    before = session_cookie(client)

    auth.sign_in(person)
    assert session_cookie(client) != before
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["signed_in_session"] != "a token the attacker chose"

    # Whoever planted the cookie before sign-in is still not signed in.
    planted = app.test_client()
    planted.set_cookie(SESSION_COOKIE, before)
    assert not signed_in(planted)


def test_password_reset_ends_the_users_other_sessions(app, users, outbox):
    person = users.make()
    elsewhere = app.test_client()
    attempt(elsewhere, person.email, PASSWORD, "127.0.0.1")
    assert signed_in(elsewhere)

    browser = app.test_client()
    browser.post("/forgotten-password", data={"email": person.email})
    link = outbox.link_in(outbox.last(person.email, "password_reset"))
    response = browser.post(link, data={"password": NEW_PASSWORD})
    assert response.status_code == 302
    assert urlsplit(response.location).path == "/sign-in"

    assert not signed_in(elsewhere)
    assert attempt(browser, person.email, NEW_PASSWORD, "127.0.0.1").status_code == 302


# --- 5. Headers ----------------------------------------------------------------------------


def csp(response) -> dict[str, str]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"{response.request.path}: no Content-Security-Policy"
    return {part.split()[0]: part for part in (p.strip() for p in header.split(";")) if part}


def script_hash(script: str) -> str:
    """The CSP source that allows an inline script with exactly this text."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def check_page_headers(response):
    path = response.request.path
    policy = csp(response)
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"], path
    assert policy["frame-ancestors"] == "frame-ancestors 'none'", path
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert response.headers.get("Referrer-Policy"), path
    if response.mimetype == "text/html" and not 300 <= response.status_code < 400:
        shown = page(response)
        inline = [script for script in shown.scripts if script["inline"]]
        assert inline, f"{path}: expected the layout's inline script"
        for script in inline:
            assert script_hash(script["text"]) in policy["script-src"], f"{path}: inline script blocked by the CSP"
        # style-src 'self' blocks inline styles, and script-src blocks on...="" handlers.
        assert shown.inline_styles == 0, f"{path}: inline style the CSP would block"
        assert shown.inline_handlers == [], f"{path}: inline event handler the CSP would block"


def get_pages(app, client):
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static":
            yield client.get(rule.rule)


def test_security_headers_on_every_page(app, client, users, auth):
    checked = 0
    for response in get_pages(app, client):
        check_page_headers(response)
        checked += 1
    auth.sign_in(users.make(roles.ADMIN))
    for response in get_pages(app, client):
        check_page_headers(response)
    check_page_headers(client.get("/no-such-page"))
    assert checked > 5


def test_csp_allows_the_inline_script_the_page_holds_by_its_hash_and_nothing_else(client):
    response = client.get("/")
    inline = [script["text"] for script in page(response).scripts if script["inline"]]
    assert inline
    script_src = csp(response)["script-src"]
    assert script_src.split() == ["script-src", "'self'", *sorted({script_hash(text) for text in inline})]
    assert "nonce" not in response.headers["Content-Security-Policy"]
    assert client.get("/").get_data() == response.get_data()


def test_signed_in_pages_are_not_cached(client, users, auth):
    assert "no-store" not in client.get("/").headers.get("Cache-Control", "")
    auth.sign_in(users.make())
    assert "no-store" in client.get("/account").headers["Cache-Control"]
    assert "no-store" in client.get("/").headers["Cache-Control"]


def test_too_large_request_gets_the_portals_413_page(app, client):
    limit = app.config["MAX_CONTENT_LENGTH"]
    assert isinstance(limit, int) and 0 < limit <= 100 * 1024 * 1024
    response = client.post("/sign-in", data=b"x" * (limit + 1), content_type="application/x-www-form-urlencoded")
    assert response.status_code == 413
    text = page(response).text
    assert "The files you sent are too large" in text
    assert "Together We CAN" in text


def test_production_cookies_are_secure(monkeypatch, migrated_database, tmp_path):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setattr(ProductionConfig, "PUBLIC_URL", "https://localhost")
    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=migrated_database,
        MAIL_DIR=str(tmp_path / "mail"),
        RATELIMIT_STORAGE_URI="memory://",
    )
    limiter.reset()
    try:
        assert app.config["SESSION_COOKIE_SECURE"] is True
        assert app.config["REMEMBER_COOKIE_SECURE"] is True
        person = make(app)
        client = app.test_client()
        # Over HTTPS, Flask-WTF also wants a same-site Referer, as a browser sends.
        response = sign_in_with_token(
            client, person, base_url="https://localhost", headers={"Referer": "https://localhost/sign-in"}
        )
        cookie = next(
            value
            for value in response.headers.getlist("Set-Cookie")
            if value.startswith("__Host-" + SESSION_COOKIE + "=")
        )
        flags = {flag.strip().lower() for flag in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite=lax", "path=/"} <= flags
        assert not any(flag.startswith("domain=") for flag in flags)
        assert client.get("/account", base_url="https://localhost").status_code == 200  # the cookie works
        assert "max-age=31536000" in response.headers["Strict-Transport-Security"]
    finally:
        clear_tables(app)


def test_production_will_not_make_the_demo_accounts(monkeypatch, migrated_database, tmp_path):
    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "a-long-random-production-secret")
    monkeypatch.setattr(ProductionConfig, "PUBLIC_URL", "https://localhost")
    app = create_app("production", SQLALCHEMY_DATABASE_URI=migrated_database, MAIL_DIR=str(tmp_path / "mail"))
    try:
        result = app.test_cli_runner().invoke(args=["seed-demo", "--password", "Bright-Otter-Lantern-42"])
        assert result.exit_code != 0
        assert "does not run in production" in result.output
        with app.app_context():
            assert db.session.scalar(db.select(db.func.count()).select_from(User)) == 0
    finally:
        clear_tables(app)


# --- 6. Error pages ------------------------------------------------------------------------


def assert_portal_layout(response):
    text = page(response).text
    assert "Together We CAN" in text
    html = response.get_data(as_text=True)
    for link in FOOTER_LINKS:
        assert f'href="{link}"' in html


def test_unknown_page_gets_the_portals_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Page not found" in page(response).title
    assert "Page not found" in page(response).text
    assert_portal_layout(response)


def test_server_error_gets_the_portals_500_and_rolls_back(fresh_app):
    # An app of its own: the shared one cannot take a new route once it has served requests.
    app = fresh_app
    app.config["PROPAGATE_EXCEPTIONS"] = False
    client = app.test_client()
    auth = Auth(client)

    @app.route("/test-only/explode")
    def explode():
        db.session.add(User(name="Duplicate", email=person.email, role=roles.PARENT))
        db.session.flush()  # the email is taken: IntegrityError, and the session needs a rollback

    person = make(app)
    auth.sign_in(person)
    response = client.get("/test-only/explode")

    assert response.status_code == 500
    text = page(response).text
    assert "Sorry, there is a problem with the service" in text
    assert "IntegrityError" not in text
    assert_portal_layout(response)
    # Showing the signed-in navigation needed the database after the failure.
    assert "Your account" in text
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id)).where(User.email == person.email)) == 1
    assert signed_in(client)


def test_wrong_method_gets_the_portals_405(client, users):
    person = users.make()
    response = client.get(f"/admin/users/{person.id}/disable")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert "Sorry, there is a problem with your request" in page(response).text
    assert_portal_layout(response)


# --- 7. Account enumeration ----------------------------------------------------------------


def journey_text(app, path, data) -> tuple:
    """What a stranger sees after sending a form: statuses, where it went, the page's words."""
    client = app.test_client()
    response = client.post(path, data=data, follow_redirects=True)
    return (
        [r.status_code for r in response.history] + [response.status_code],
        response.request.path,
        page(response).text.replace(data["email"], "EMAIL"),
    )


def test_forgotten_password_does_not_say_who_has_an_account(app, users, outbox):
    person = users.make()
    registered = journey_text(app, "/forgotten-password", {"email": person.email})
    stranger = journey_text(app, "/forgotten-password", {"email": "nobody-here@example.org"})

    assert registered == stranger
    assert registered[1] == "/forgotten-password/check-your-email"
    assert len(outbox.messages(person.email, "password_reset")) == 1
    assert outbox.messages("nobody-here@example.org") == []


def test_registering_a_taken_email_looks_the_same_and_tells_the_owner(app, users, outbox, auth):
    owner = users.make(name="Original Owner")
    form = {"role": roles.PARENT, "name": "Someone Else", "password": NEW_PASSWORD}
    taken = journey_text(app, "/register", form | {"email": owner.email})
    fresh = journey_text(app, "/register", form | {"email": "brand.new@example.org"})

    assert taken == fresh
    assert taken[1] == "/register/check-your-email"
    assert "Check your email" in taken[2]
    assert len(outbox.messages(owner.email, "already_registered")) == 1
    assert outbox.messages(owner.email, "confirm_email") == []
    assert len(outbox.messages("brand.new@example.org", "confirm_email")) == 1
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(User.id)).where(User.email == owner.email)) == 1
        assert get_user(owner).name == "Original Owner"
    # The owner's password still works; the one typed into the form does not.
    assert auth.sign_in(owner.email, NEW_PASSWORD).status_code == 200
    assert auth.sign_in(owner).status_code == 302


# --- 8. Open redirect ----------------------------------------------------------------------


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example", "///evil.example", "https:evil.example"])
def test_sign_in_does_not_redirect_to_another_site(auth, users, target):
    response = auth.sign_in(users.make(), query_string={"next": target})
    assert response.status_code == 302
    assert response.location == "/my-cases"


def test_sign_in_with_a_backslash_next_stays_on_the_site(auth, users):
    # Browsers read "/\\evil.example" as "//evil.example": judge the Location as they would.
    response = auth.sign_in(users.make(), query_string={"next": "/\\evil.example"})
    assert response.status_code == 302
    landing = urlsplit(urljoin("http://localhost/sign-in", response.location.replace("\\", "/")))
    assert landing.netloc == "localhost"


def test_sign_in_returns_to_the_page_asked_for(auth, users, client):
    response = auth.sign_in(users.make(roles.ADMIN), query_string={"next": "/admin/users"})
    assert response.status_code == 302
    assert response.location == "/admin/users"
    assert client.get(response.location).status_code == 200
