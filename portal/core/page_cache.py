"""Public pages rendered once: anonymous GET requests to the views marked ``@public_page`` are
answered from a stored copy of the response, in Redis when REDIS_URL is set (shared by every
server) or else in a small in-process LRU.

A copy is stored or served only for a visitor who is not signed in and whose session holds
nothing personal and no flashed message, for GET and HEAD, when the page was a 200 that set no
cookie, left the session as it was and rendered no CSRF token (a form's token belongs to one
session). Anything else is rendered as before. Keys also hold a hash of the templates and code,
so a new release never serves an older one's pages.

Invalidation: one "public content version", a counter kept in the same store, is part of every
key. After each commit that wrote rows of any table not listed in QUIET_TABLES, the counter is
bumped, so every public page is rendered afresh on its next request. We chose one counter over
per-page invalidation because a page reads many tables (the board shows first names from
``user``, the report counts cases, You Said We Did counts feedback and consultation answers):
naming the tables that never reach a public page is short and fails safe, since a new table
invalidates until someone says it is quiet, whereas naming what each page reads is easy to get
wrong. Writes that count (a staff decision, a family's feedback arriving) come far less often
than page views, so the pages stay cached between them.

The London date is part of the key too: consultations open and close, and reports count up to,
a day, so the board changes at midnight without any write. A TTL (PAGE_CACHE_SECONDS) is the
safety net for anything else: a change committed by another process when there is no Redis to
share the counter through, or while Redis was unreachable.

Every page served this way carries an ETag (a hash of its body, answered with 304 on
If-None-Match), ``Cache-Control: public, max-age=PAGE_CACHE_MAX_AGE`` and ``Vary: Cookie``.
With Redis unreachable the page is rendered as usual and a warning logged, never an error.
"""

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_login import current_user
from sqlalchemy.orm import Session

from portal.core.session_events import listen_once
from portal.core.time import london_today

log = logging.getLogger(__name__)

PREFIX = "page-cache:"
MARK = "_public_page"
# Headers a stored page keeps; the security headers are added again to every response.
# Kept with a stored response: a download's own, stricter policy and how long it may be
# cached (a published PDF's) go with it.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Access-Control-Allow-Origin",
    "Content-Security-Policy",
    "Cache-Control",
)
# A page bigger than this is rendered each time rather than filling the store.
LARGEST_STORED_BYTES = 2 * 1024 * 1024

# Tables no public page reads, written on busy paths (sign-in, a family's draft, email, the
# audit trail): writing them leaves the public pages as they are.
QUIET_TABLES = frozenset(
    {
        "access_record",
        "account_token",
        "attachment",
        "audit_event",
        "case_access_code",
        "case_access_grant",
        "case_access_token",
        "caseworker_settings",
        "data_request",
        "feedback_draft",
        "figures_change",  # written with figures_version
        "figures_version",  # moves with the cases it follows, which are written in the same commit
        "file_blob",
        # The improvement plan's working rows are drafts: the public reads only its published versions.
        "improvement_action",
        "improvement_area",
        "improvement_area_consultation",
        "improvement_area_theme",
        "improvement_area_you_said",
        "improvement_measure",
        "improvement_measure_value",
        "improvement_milestone",
        "improvement_milestone_change",
        # Figures counted from other tables, kept to be read again: storing them changes nothing shown.
        "kept_figures",
        "kept_form",
        "outbox_message",
        "recovery_code",
        "reference_counter",
        "reminder_sent",
        "response_template",
        "retention_run",
        "signed_in_session",
        "single_sign_on",
        "two_factor",
        "you_said_notice",
    }
)
# Columns of other tables that no public page shows (a sign-in stamps the person's row).
QUIET_COLUMNS = {"user": frozenset({"last_signed_in_at", "password_hash", "email_confirmed_at"})}


def public_page(view: Callable) -> Callable:
    """Mark a view whose anonymous response may be stored and served to every visitor."""
    setattr(view, MARK, True)
    return view


# --- the stores ------------------------------------------------------------------------------


class LocalStore:
    """A bounded LRU in this process's memory, each entry expiring after ``seconds``."""

    def __init__(self, seconds: int, size: int):
        self.seconds, self.size = seconds, size
        self.pages: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self.version = 0
        self.lock = threading.Lock()

    def get_version(self) -> str:
        return str(self.version)

    def bump_version(self) -> None:
        with self.lock:
            self.version += 1

    def get(self, key: str) -> bytes | None:
        with self.lock:
            found = self.pages.get(key)
            if found is None:
                return None
            expires, value = found
            if expires < time.monotonic():
                del self.pages[key]
                return None
            self.pages.move_to_end(key)
            return value

    def put(self, key: str, value: bytes) -> None:
        with self.lock:
            self.pages[key] = (time.monotonic() + self.seconds, value)
            self.pages.move_to_end(key)
            while len(self.pages) > self.size:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()


class RedisStore:
    """Pages and the version counter in Redis, shared by every server; entries expire after
    ``seconds``. Errors propagate: the caller falls back to rendering."""

    def __init__(self, url: str, seconds: int):
        import redis

        self.seconds = seconds
        self.redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)

    def get_version(self) -> str:
        return (self.redis.get(PREFIX + "version") or b"0").decode()

    def bump_version(self) -> None:
        self.redis.incr(PREFIX + "version")

    def get(self, key: str) -> bytes | None:
        return self.redis.get(key)

    def put(self, key: str, value: bytes) -> None:
        self.redis.set(key, value, ex=self.seconds)

    def clear(self) -> None:
        for key in self.redis.scan_iter(PREFIX + "*"):
            self.redis.delete(key)


def store_failures() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.RedisError, OSError)


# --- the cache, bound to an app --------------------------------------------------------------


class PageCache:
    def __init__(self, app: Flask, personal: Callable[[], bool]):
        seconds = int(app.config["PAGE_CACHE_SECONDS"])
        url = app.config.get("REDIS_URL")
        self.store = RedisStore(url, seconds) if url else LocalStore(seconds, int(app.config["PAGE_CACHE_SIZE"]))
        self.personal = personal
        self.release = release_digest()

    def bump(self) -> None:
        try:
            self.store.bump_version()
        except store_failures() as error:
            log.warning("Page cache: could not mark public pages as changed (%s)", type(error).__name__)

    def key(self, version: str) -> str:
        query = request.query_string.decode("latin-1")
        return f"{PREFIX}{self.release}:{version}:{london_today().isoformat()}:{request.path}?{query}"

    def lookup(self) -> tuple[str | None, bytes | None]:
        """The key for this request and the stored page, if any; (None, None) with the store down."""
        try:
            key = self.key(self.store.get_version())
            return key, self.store.get(key)
        except store_failures() as error:
            log.warning("Page cache unavailable, rendering the page (%s)", type(error).__name__)
            return None, None

    def keep(self, key: str, response: Response) -> None:
        try:
            self.store.put(key, pack(response))
        except store_failures() as error:
            log.warning("Page cache unavailable, page not stored (%s)", type(error).__name__)

    def clear(self) -> None:
        self.store.clear()


def release_digest() -> str:
    """A hash of the templates and code, so a copy stored by an older release is never served."""
    root = Path(__file__).resolve().parents[2]
    digest = hashlib.sha256()
    for folder, pattern in ((root / "templates", "*.html"), (root / "portal", "*.py")):
        for path in sorted(folder.rglob(pattern)):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def pack(response: Response) -> bytes:
    headers = {name: response.headers[name] for name in (*KEPT_HEADERS, "ETag") if name in response.headers}
    return json.dumps(headers).encode() + b"\0" + response.get_data()


def unpack(value: bytes) -> Response:
    """The stored response; ValueError if what is stored is not one."""
    headers, _, body = value.partition(b"\0")
    response = current_app.response_class(body)
    for name, header in json.loads(headers).items():
        response.headers[name] = header
    return response


# --- the request hooks -----------------------------------------------------------------------


def init_app(app: Flask, personal: Callable[[], bool]) -> None:
    """Serve and store marked pages; ``personal`` says whether the session holds personal data."""
    app.extensions["page_cache"] = PageCache(app, personal)
    # First of the request hooks: a stored copy needs none of the others (rate limits, the
    # signed-in session's upkeep), and only ever answers an address that once rendered a 200.
    app.before_request_funcs.setdefault(None, []).insert(0, serve_stored_copy)
    app.after_request(store_and_tag)
    listen_for_changes()


def cache() -> PageCache:
    return current_app.extensions["page_cache"]


def anonymous_and_impersonal() -> bool:
    # The session first: reading current_user for a signed-in session costs a query.
    return (
        request.method in ("GET", "HEAD")
        and "_flashes" not in session
        and not cache().personal()
        and not current_user.is_authenticated
    )


def is_public_page() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, MARK, False))


def serve_stored_copy():
    if not current_app.config["PAGE_CACHE"] or not is_public_page() or not anonymous_and_impersonal():
        return None
    key, stored = cache().lookup()
    g.page_cache_key = key
    if stored is None:
        return None
    try:
        response = unpack(stored)
    except ValueError:
        log.warning("Page cache: a stored page could not be read, rendering it again")
        return None
    g.page_cache_served = True
    return response


def storable(response: Response) -> bool:
    return (
        response.status_code == 200
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and "csrf_token" not in g
        and not session.modified
        and anonymous_and_impersonal()
        and len(response.get_data()) <= LARGEST_STORED_BYTES
    )


def store_and_tag(response: Response) -> Response:
    key = g.get("page_cache_key")
    served = g.get("page_cache_served", False)
    if key is None and not served:
        return response
    if not served:
        if not storable(response):
            return response
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        cache().keep(key, response)
    response.headers.setdefault("Cache-Control", f"public, max-age={current_app.config['PAGE_CACHE_MAX_AGE']}")
    response.vary.add("Cookie")
    if request.if_none_match:
        response.make_conditional(request)
    return response


# --- what invalidates ------------------------------------------------------------------------

CHANGED = "page_cache_changed"


def listen_for_changes() -> None:
    """Session events for every app: a flush or bulk statement notes whether it touched what a
    public page shows, and the commit that keeps it bumps the version."""
    listen_once(
        {
            "after_flush": note_flushed_changes,
            "do_orm_execute": note_bulk_change,
            "after_commit": bump_if_changed,
            "after_rollback": forget_changes,
        }
    )


def shows_publicly(table: str, changed_columns: set[str] | None = None) -> bool:
    if table in QUIET_TABLES:
        return False
    if changed_columns is not None and table in QUIET_COLUMNS:
        return bool(changed_columns - QUIET_COLUMNS[table])
    return True


def changed_columns(obj) -> set[str]:
    from sqlalchemy import inspect

    state = inspect(obj)
    return {attr.key for attr in state.attrs if attr.history.has_changes()}


def note_flushed_changes(session: Session, _flush_context) -> None:
    if session.info.get(CHANGED):
        return
    touched = [obj.__table__.name for obj in (*session.new, *session.deleted) if hasattr(obj, "__table__")]
    touched_publicly = any(shows_publicly(table) for table in touched) or any(
        shows_publicly(obj.__table__.name, changed_columns(obj))
        for obj in session.dirty
        if hasattr(obj, "__table__") and session.is_modified(obj)
    )
    if touched_publicly:
        session.info[CHANGED] = True


def note_bulk_change(execute_state) -> None:
    if not (execute_state.is_insert or execute_state.is_update or execute_state.is_delete):
        return
    table = getattr(execute_state.statement, "table", None)
    if table is None or shows_publicly(getattr(table, "name", "")):
        execute_state.session.info[CHANGED] = True


def bump_if_changed(session: Session) -> None:
    if not session.info.pop(CHANGED, False) or not has_app_context():
        return
    page_cache = current_app.extensions.get("page_cache")
    if page_cache is not None:
        page_cache.bump()


def forget_changes(session: Session) -> None:
    session.info.pop(CHANGED, None)
