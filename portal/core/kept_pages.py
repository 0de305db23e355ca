"""Personal pages rendered once per change: a page that only one visitor sees (a family's case,
a question of their feedback journey with its draft) is kept after rendering, for that visitor
alone, until what it shows changes.

The view says what the page shows by a *version*: values read cheaply that change whenever the
page would (the draft's last change, a case's page version). The key is made of the version,
the page's address, who is looking (the signed-in person, or nobody), the London date (dates
on the page are "today"-relative) and a hash of the code and templates. So a visitor is only
ever served a page rendered for the same address, the same person and the same version: the
view's own access check still runs first, on every request, and decides whether there is a
page at all.

What changes per request is never kept: the CSRF token is stored as a slot and the timeout
warning's seconds left as another, both filled in again when the page is served. A request
with a flashed message or a form kept to be shown again (portal.core.kept_forms) is rendered as
usual, and so is anything but a GET or HEAD answered 200.

The pages live in each process's memory only, never in Redis: they hold a child's story, and
another server has no business with them. Each expires after KEPT_PAGES_SECONDS, the bound on
anything a version cannot see (a caseworker's name, a team's address).
"""

import hashlib
import re
from collections.abc import Callable

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from portal.core.components import CSRF_SLOT
from portal.core.page_cache import LocalStore, release_digest
from portal.core.time import london_today

# The timeout warning (templates/partials/timeout_warning.html) says how long the session has.
SECONDS_LEFT = re.compile(r'data-seconds-left="\d+"')
SECONDS_LEFT_SLOT = 'data-seconds-left="\x00seconds-left\x00"'
# Session keys that mean a page must be rendered afresh: a message to show once, a kept form.
SHOWN_ONCE = ("_flashes", "kept_form")


class KeptPages:
    def __init__(self, app: Flask, seconds_left: Callable[[], int | None]):
        self.seconds_left = seconds_left
        self.store = LocalStore(int(app.config["KEPT_PAGES_SECONDS"]), int(app.config["KEPT_PAGES_SIZE"]))
        self.release = release_digest()

    def key(self, version: tuple) -> str:
        viewer = current_user.get_id() if current_user.is_authenticated else ""
        described = repr((self.release, london_today().isoformat(), request.full_path, viewer, version))
        return hashlib.sha256(described.encode()).hexdigest()

    def clear(self) -> None:
        self.store.clear()


def install(app: Flask, seconds_left: Callable[[], int | None]) -> None:
    """``seconds_left`` says how long the visitor's session has, for the timeout warning (None
    when nobody is signed in)."""
    app.extensions["kept_pages"] = KeptPages(app, seconds_left)


def kept_pages() -> KeptPages:
    return current_app.extensions["kept_pages"]


def may_keep() -> bool:
    return (
        current_app.config["KEPT_PAGES"]
        and request.method in ("GET", "HEAD")
        and not any(key in session for key in SHOWN_ONCE)
    )


def rendered_for_viewer(version: tuple, render: Callable[[], str]) -> str:
    """The page ``render`` makes, kept for this visitor until ``version`` changes."""
    if not may_keep():
        return render()
    pages = kept_pages()
    key = pages.key(version)
    stored = pages.store.get(key)
    if stored is not None:
        return _filled_in(stored.decode(), pages.seconds_left)
    html = render()
    if isinstance(html, str):
        pages.store.put(key, _with_slots(html).encode())
    return html


def _with_slots(html: str) -> str:
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    if token:
        html = html.replace(token, CSRF_SLOT)
    return SECONDS_LEFT.sub(SECONDS_LEFT_SLOT, html)


def _filled_in(html: str, seconds_left: Callable[[], int | None]) -> str:
    if CSRF_SLOT in html:
        html = html.replace(CSRF_SLOT, generate_csrf())
    if SECONDS_LEFT_SLOT in html:
        html = html.replace(SECONDS_LEFT_SLOT, f'data-seconds-left="{seconds_left() or 0}"')
    return html
