"""Every page's title says what the page is: it starts with the page's main heading (then the
service's name), and no two different pages share a title, so someone moving between tabs or
hearing the title read out knows where they are (WCAG 2.4.2).

The pages are found the way a visitor finds them: by following the links on each page, from the
start page, signed out and then signed in as each of the demo's roles."""

import re
from collections import Counter, deque
from urllib.parse import urljoin, urlsplit

import lxml.html
import pytest
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import RequestRedirect

from portal.demo.accounts import ACCOUNTS
from tests.factories import give_app_code

# Links that act or hand over a file rather than show a page (a GET sign-out signs out).
NOT_PAGES = {
    "accounts.sign_out",
    "accounts.confirm_email",
    "accounts.reset_password",
    "feedback_tracking.open_link",
    "pages.healthz",
    "static",
}
NOT_PAGE_ENDINGS = ("download", "_csv", "_json", "_pdf", "feed")
# Enough of each kind of page to see that two of them (two cases, two entries) differ.
PAGES_PER_KIND = 2
# Pages whose title does not yet start with their heading, each waiting on its template's
# owner; anything else that drifts fails.
TITLE_NOT_YET_HEADING: set[str] = set()


def words(text: str | None) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def crawl(app, client, starts: list[str]) -> dict[str, tuple[str, str, str]]:
    """Follow the site's own links from ``starts``: each page's path -> (kind of page, title,
    first heading)."""
    adapter = app.url_map.bind("localhost")
    queue, seen, kinds, pages = deque(starts), set(), Counter(), {}
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        if path in seen:
            continue
        seen.add(path)
        try:
            endpoint, _ = adapter.match(path, method="GET")
        except (NotFound, MethodNotAllowed, RequestRedirect):
            continue
        if endpoint in NOT_PAGES or endpoint.endswith(NOT_PAGE_ENDINGS) or kinds[endpoint] >= PAGES_PER_KIND:
            continue
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        kinds[endpoint] += 1
        document = lxml.html.fromstring(response.get_data(as_text=True))
        headings = document.xpath("//h1")
        heading = words(headings[0].text_content()) if headings else ""
        pages[path] = (endpoint, words(document.findtext(".//title")), heading)
        for href in document.xpath("//a/@href"):
            if href.startswith("/") and not href.startswith("//"):
                queue.append(urljoin(url, href.split("#")[0]))
    return pages


@pytest.fixture
def every_page(app, demo):
    """The pages each visitor reaches: signed out, then as each demo account (the parent and the
    youth member, a caseworker, a manager and an admin)."""
    found = {}
    visitors = [None] + [email for email, _name, _role, _team in ACCOUNTS]
    for email in visitors:
        client = app.test_client()
        if email:
            signed_in = give_app_code(client, client.post("/sign-in", data={"email": email, "password": demo}), email)
            assert signed_in.status_code == 302, email
        found[email or "signed out"] = crawl(app, client, ["/", "/account", "/feedback", "/glossary"])
    return found


def test_each_pages_title_starts_with_its_heading_and_the_service_name(every_page):
    service = "Together We CAN"
    seen = {path for pages in every_page.values() for path in pages}
    # The crawl reaches what each role works with, not just the start page.
    for must in ("/", "/feedback", "/glossary", "/you-said-we-did", "/my-cases", "/cases", "/manage/you-said-we-did"):
        assert must in seen, must
    assert "/account/close" in seen  # a family's page about closing their account
    assert "/account/your-data" in seen  # a family's page about downloading their data
    assert len(seen) > 40

    wrong = []
    for visitor, pages in every_page.items():
        for path, (kind, title, heading) in pages.items():
            if kind in TITLE_NOT_YET_HEADING:
                continue
            if not heading or not title.startswith(heading) or service not in title:
                wrong.append((visitor, path, title, heading))
    assert wrong == []


def test_no_two_kinds_of_page_share_a_title(every_page):
    """The public You Said, We Did page and the managers' one, a family's page and the staff
    page about the same thing: each says which it is."""
    kinds_by_title = {}
    for pages in every_page.values():
        for path, (kind, title, _) in pages.items():
            kinds_by_title.setdefault(title, {})[kind] = path
    shared = {title: sorted(kinds.values()) for title, kinds in kinds_by_title.items() if len(kinds) > 1}
    assert shared == {}


def test_no_two_pages_of_a_kind_share_a_title(every_page):
    """Two cases, two entries, two templates: each page's title names the one it is about (its
    reference, its title or its name), so two tabs of the same kind of page can be told apart."""
    paths_by_title, paths_by_kind = {}, {}
    for pages in every_page.values():
        for path, (kind, title, _) in pages.items():
            paths_by_title.setdefault((kind, title), set()).add(path)
            paths_by_kind.setdefault(kind, set()).add(path)
    # The crawl opens two of each kind of page that is about one thing.
    for kind in (
        "feedback_tracking.case",
        "feedback_tracking.what_you_told_us",
        "casework.case",
        "casework.access_log",
        "consultations.comment",
        "consultations_manage.edit",
        "casework_manage.edit_template",
        "yousaid_manage.evidence",
    ):
        assert len(paths_by_kind.get(kind, ())) >= PAGES_PER_KIND, kind
    shared = {title: sorted(paths) for (_, title), paths in paths_by_title.items() if len(paths) > 1}
    assert shared == {}
