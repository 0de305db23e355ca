"""Real-browser journeys: Debian's Chromium, driven by Playwright, against the app served from
a thread in this process.

Every page a test visits is checked with axe for WCAG 2.2 AA problems. The ``visitor`` helper
does that on each page load it makes; anything else that loads a page (a click on a link, a
redirect after a form) is followed by ``visitor.assert_accessible()``, and a test that leaves a
loaded page unchecked fails at teardown, so a page cannot slip past without a check. A document
exactly like one axe has already passed in this process, at the same window size, passes
without running axe again.
"""

import hashlib
import os
import re
import threading
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, Response, sync_playwright
from werkzeug.serving import make_server

from portal.extensions import db, limiter
from portal.notifications.models import OutboxMessage
from tests.conftest import delete_rows, make_app
from tests.factories import Person, app_code, make_user

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Chromium not installed: apt-get install chromium"
BUILT_MANIFEST = Path(__file__).resolve().parents[2] / "static" / "dist" / "manifest.json"
ASSETS_MISSING = "Front end not built (static/dist/manifest.json is missing): run `npm run build` or `make test`"

LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": AXE_TAGS}, "resultTypes": ["violations"]}
_axe = Axe()

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Everything under tests/browser is a browser test (``-m "not browser"`` leaves them out)."""
    for item in items:
        if HERE in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _cannot_run(reason: str):
    """Skip on a laptop that lacks something; in CI a missing piece is a failure."""
    if os.environ.get("CI"):
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


# --- The browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not os.access(CHROMIUM, os.X_OK):
        _cannot_run(CHROMIUM_MISSING)
    if not BUILT_MANIFEST.exists():
        _cannot_run(ASSETS_MISSING)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        yield browser
        browser.close()


# --- The app, served from a thread -------------------------------------------------------


class LiveServer:
    """The running app: its address, and the test data and outbox behind it."""

    def __init__(self, app, base_url: str):
        self.app = app
        self.base_url = base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def make_user(self, role: str = "parent", **kwargs) -> Person:
        with self.app.app_context():
            return make_user(role, **kwargs)

    def emails(self, recipient: str | None = None, template: str | None = None) -> list[OutboxMessage]:
        with self.app.app_context():
            query = db.select(OutboxMessage).order_by(OutboxMessage.id)
            if recipient:
                query = query.where(OutboxMessage.recipient == recipient)
            if template:
                query = query.where(OutboxMessage.template == template)
            messages = db.session.scalars(query).all()
            db.session.expunge_all()
            return messages

    def last_email(self, recipient: str, template: str) -> OutboxMessage:
        messages = self.emails(recipient, template)
        assert messages, f"no {template!r} email queued for {recipient}"
        return messages[-1]

    def link_in(self, message: OutboxMessage) -> str:
        """The first link to this site in the message, as an absolute URL on this server."""
        match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
        assert match, f"no link in the email:\n{message.body}"
        return self.url(match.group(1))


@pytest.fixture(scope="session")
def served_app(browser, migrated_database, tmp_path_factory):
    """One app served from a thread for every browser test, so its templates compile once."""
    app = make_app(migrated_database, tmp_path_factory.mktemp("served"), WTF_CSRF_ENABLED=True)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="portal-live-server", daemon=True)
    thread.start()
    base_url = f"http://127.0.0.1:{server.server_port}"
    # The server's public address is where it really listens, as in production.
    app.config["PUBLIC_URL"] = base_url
    try:
        yield LiveServer(app, base_url)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def live_server(served_app, tmp_path):
    """The served app for one test: its own mail folder and fresh rate limits; its settings
    are put back and its rows deleted when the test ends (the server commits for real)."""
    app = served_app.app
    saved = dict(app.config)
    app.config["MAIL_DIR"] = str(tmp_path / "mail")
    # The limiter is one object: another test may have bound it to another app.
    limiter.init_app(app)
    limiter.reset()
    try:
        yield served_app
    finally:
        delete_rows(app)
        app.config.clear()
        app.config.update(saved)


# --- Axe -----------------------------------------------------------------------------------


def _axe_report(page: Page, violations: list[dict]) -> str:
    lines = [f"{len(violations)} accessibility violation(s) on {page.url} ({page.title()!r}):"]
    for violation in violations:
        lines.append("")
        lines.append(f"* {violation['id']} ({violation.get('impact')}): {violation['help']}")
        lines.append(f"  {violation['helpUrl']}")
        for node in violation["nodes"]:
            lines.append(f"  - {', '.join(str(target) for target in node['target'])}")
            lines.append(f"    {node['html'].strip()[:300]}")
            for summary_line in (node.get("failureSummary") or "").splitlines():
                lines.append(f"      {summary_line.strip()}")
    return "\n".join(lines)


# The documents axe has passed in this process, by their HTML and the window's size. A document
# exactly like one already passed (the sign-in page in every journey, say) would pass again, so
# it is not checked twice; one that differs by a single character is.
_passed: set[tuple] = set()
# The CSRF token is the only part of a form page that differs between two loads of it: its
# value, after or before the field's name.
_CSRF_TOKEN = re.compile(r'(?<=name="csrf_token")([^>]*value=")[^"]*"|value="[^"]*"(?=[^>]*name="csrf_token")')


def _without_token(match: re.Match) -> str:
    return f'{match.group(1)}token"' if match.group(1) else 'value="token"'


def _document_key(page: Page) -> tuple:
    html = _CSRF_TOKEN.sub(_without_token, page.content())
    size = page.viewport_size or {}
    return (size.get("width"), size.get("height"), hashlib.sha256(html.encode()).hexdigest())


def assert_accessible(page: Page) -> None:
    """Run axe on the page as it is now and expect no WCAG 2.2 AA violations."""
    page.wait_for_load_state("load")
    key = _document_key(page)
    if key in _passed:
        return
    results = _axe.run(page, options=AXE_OPTIONS)
    violations = results.response["violations"]
    assert len(violations) == 0, _axe_report(page, violations)
    _passed.add(key)


# --- A visitor: a fresh browser context per test --------------------------------------------


class NoScriptMirror:
    """Runs axe on pages from a context that has JavaScript turned off.

    axe needs timers, and a page with JavaScript off runs none, so axe would wait forever.
    Instead the page's DOM (exactly as the browser built it without scripts) is shown again in
    a second context, at the same address and size, with a policy that blocks the page's own
    scripts; axe, injected through the DevTools protocol, is not affected by that policy.
    (A page that relied on <noscript> content would need another way: the copy hides it.)
    """

    def __init__(self, browser, context_options: dict):
        self.browser = browser
        self.context_options = context_options
        self.context = None
        self.copy = None
        self.shown = ("", "")  # the address and the HTML the copy is showing

    def _copy_page(self) -> Page:
        """One tab for every copy: a new tab each time would start a new renderer, and axe
        would be compiled again cold, several times slower."""
        if self.copy is None:
            self.context = self.browser.new_context(**self.context_options)
            self.copy = self.context.new_page()
            self.copy.route(lambda address: address.split("#")[0] == self.shown[0], self._show)
        return self.copy

    def _show(self, route) -> None:
        route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": "script-src 'none'"},
            body=self.shown[1],
        )

    def assert_accessible(self, page: Page) -> None:
        page.wait_for_load_state("load")
        self.shown = (page.url.split("#")[0], page.content())
        copy = self._copy_page()
        copy.goto(self.shown[0])
        assert_accessible(copy)

    def close(self) -> None:
        if self.context is not None:
            self.context.close()


class Visitor:
    """One person's browser tab. ``goto``, ``click`` and ``submit`` check each page they load."""

    def __init__(self, page: Page, server: LiveServer, mirror: "NoScriptMirror | None" = None):
        self.page = page
        self.server = server
        self.mirror = mirror
        self._loads: list[str] = []
        self._checked = 0
        page.on("framenavigated", self._loaded)

    def _loaded(self, frame) -> None:
        if frame != self.page.main_frame:
            return
        # Following a link to "#main-content" is not a new page.
        if "#" in frame.url and self._loads and frame.url.split("#")[0] == self._loads[-1].split("#")[0]:
            return
        self._loads.append(frame.url)

    def assert_accessible(self) -> None:
        if self.mirror:
            self.mirror.assert_accessible(self.page)
        else:
            assert_accessible(self.page)
        self._checked = len(self._loads)

    def unchecked_pages(self) -> list[str]:
        return self._loads[self._checked :]

    def goto(self, path_or_url: str) -> Response:
        url = path_or_url if "://" in path_or_url else self.server.url(path_or_url)
        response = self.page.goto(url)
        self.assert_accessible()
        return response

    def click(self, locator) -> Response:
        """Click something that loads a page, wait for that page, and check it."""
        with self.page.expect_navigation() as navigation:
            locator.click()
        self.assert_accessible()
        return navigation.value

    def submit(self, button_name: str) -> Response:
        return self.click(self.page.get_by_role("button", name=button_name, exact=True))

    def follow(self, link_name: str) -> Response:
        return self.click(self.page.get_by_role("link", name=link_name, exact=True))

    def sign_in(self, email: str, password: str) -> Response:
        self.goto("/sign-in")
        self.page.get_by_label("Email address").fill(email)
        self.page.get_by_label("Password", exact=True).fill(password)
        response = self.submit("Sign in")
        if self.page.url.endswith("/sign-in/code"):  # staff: the code from their authenticator app too
            self.page.get_by_label("Code from your authenticator app").fill(app_code(self.server.app, email))
            response = self.submit("Continue")
        return response


def _visitor(browser, live_server, request, **context_options):
    context = browser.new_context(base_url=live_server.base_url, **context_options)
    context.set_default_timeout(10_000)
    mirror = None
    if context_options.get("java_script_enabled") is False:
        options = {key: value for key, value in context_options.items() if key != "java_script_enabled"}
        mirror = NoScriptMirror(browser, options)
    visitor = Visitor(context.new_page(), live_server, mirror)
    try:
        yield visitor
    finally:
        context.close()
        if mirror:
            mirror.close()
    call = getattr(request.node, "report_call", None)
    if call is not None and call.passed:
        unchecked = visitor.unchecked_pages()
        assert not unchecked, f"pages loaded without an axe check: {unchecked}"


@pytest.fixture
def visitor(browser, live_server, request):
    yield from _visitor(browser, live_server, request)


@pytest.fixture
def phone_visitor(browser, live_server, request):
    yield from _visitor(
        browser,
        live_server,
        request,
        viewport={"width": 375, "height": 667},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )


@pytest.fixture
def no_js_visitor(browser, live_server, request):
    yield from _visitor(browser, live_server, request, java_script_enabled=False)
