"""Nothing typed is lost when a session ends: what someone sent after their session had ended
(or after a form timed out) is kept, and shown again in its form once they are back.

The browser holds the only key to what was kept, in its session cookie; the database holds a
hash of that key. What was kept is shown once, on the page the form is on, to the person who
sent it (when someone was signed in, only to them), and then deleted. Passwords and the CSRF
token are never kept; chosen files cannot be, and the person is told to choose them again.
"""

import hashlib
import secrets
from datetime import timedelta
from urllib.parse import urlsplit

from flask import after_this_request, current_app, g, request, session
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from portal.core.models import KeptForm
from portal.core.time import utcnow
from portal.extensions import db

SESSION_KEY = "kept_form"
# flask-login's record of who was signed in, left in the cookie when a session runs out.
SIGNED_IN_AS = "_user_id"
NEVER_KEPT = ("csrf_token", "password", "confirm")
PAGE_LENGTH = 500


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _shown_on_get(path: str) -> bool:
    try:
        current_app.url_map.bind("").match(path, method="GET")
    except (HTTPException, RequestRedirect):
        return False
    return True


def _page_with_form(path: str) -> str:
    """The nearest page at or above ``path`` that opens in a browser: a form that posts to
    /cases/12/reply is on /cases/12."""
    while path.count("/") > 1 and not _shown_on_get(path):
        path = path.rsplit("/", 1)[0]
    return path


def page_of_this_form() -> str:
    """The page the form just sent is on: the page that sent it (this site's own Referer),
    else the nearest page to the address it was sent to."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.path.startswith("/") and _shown_on_get(referrer.path):
        return (referrer.path + (f"?{referrer.query}" if referrer.query else ""))[:PAGE_LENGTH]
    return _page_with_form(request.path)[:PAGE_LENGTH]


def _this_page() -> str:
    query = request.query_string.decode(errors="replace")
    return (request.path + (f"?{query}" if query else ""))[:PAGE_LENGTH]


def _keepable(name: str) -> bool:
    return not any(word in name.lower() for word in NEVER_KEPT)


def keep_this_post() -> str:
    """Keep what this request sent, to be shown again in its form; returns the page the form
    is on. The caller commits."""
    page = page_of_this_form()
    values = [[name, value] for name, value in request.form.items(multi=True) if _keepable(name)]
    if not any(value.strip() for _, value in values):
        return page
    files = sum(1 for upload in request.files.values() if upload.filename)
    forget_this_browsers()  # one kept form per browser: the newest
    _forget_the_expired()
    key = secrets.token_urlsafe(32)
    db.session.add(
        KeptForm(
            key_hash=_hash(key),
            page=page,
            user_id=session.get(SIGNED_IN_AS),
            sent={"values": values, "files": files},
        )
    )
    session[SESSION_KEY] = key
    g.post_kept = True
    return page


def kept_in_this_request() -> bool:
    return bool(g.get("post_kept"))


def _forget_the_expired() -> None:
    """What nobody came back for is deleted once it could no longer be shown (no cron needed:
    each new one clears the old)."""
    since = utcnow() - timedelta(hours=current_app.config["KEPT_FORM_HOURS"])
    db.session.execute(db.delete(KeptForm).where(KeptForm.kept_at <= since))


def forget_this_browsers() -> None:
    key = key_in_this_browser()
    if key:
        db.session.execute(db.delete(KeptForm).where(KeptForm.key_hash == _hash(key)))
        session.pop(SESSION_KEY, None)


def signed_in_before() -> bool:
    """Whether someone was signed in in this browser (perhaps until their session ran out)."""
    return session.get(SIGNED_IN_AS) is not None


def key_in_this_browser() -> str | None:
    key = session.get(SESSION_KEY)
    return key if isinstance(key, str) else None


def hold_key(key: str | None) -> None:
    """Carry the key across a fresh session (signing in starts one)."""
    if key:
        session[SESSION_KEY] = key


def _kept_for_this_page() -> KeptForm | None:
    """What was kept for the page being opened, for whoever is here now; looked up once."""
    if "kept_form" not in g:
        g.kept_form = None
        key = key_in_this_browser()
        if key and request.method == "GET":
            since = utcnow() - timedelta(hours=current_app.config["KEPT_FORM_HOURS"])
            kept = db.session.scalar(
                db.select(KeptForm).where(KeptForm.key_hash == _hash(key), KeptForm.kept_at > since)
            )
            if kept is not None and kept.page == _this_page() and kept.user_id in (None, session.get(SIGNED_IN_AS)):
                g.kept_form = kept
    return g.kept_form


def _field_names(form) -> set[str]:
    """Every name a form posts, those of rows inside it (``remedy-0-kind``) included."""
    names = set()
    for field in form:
        names.add(field.name)
        for entry in getattr(field, "entries", ()):  # a list of rows
            names |= _field_names(entry.form) if hasattr(entry, "form") else {entry.name}
        if hasattr(field, "form") and not getattr(field, "entries", None):  # one row
            names |= _field_names(field.form)
    return names


def _belongs_to(values: list, field_names: set[str]) -> bool:
    """Whether what was sent came from a form with these fields. The button that sent it may
    carry a name of its own that is no field, so one stray name is allowed."""
    sent = {name for name, value in values if value.strip()}
    return bool(sent & field_names) and len(sent - field_names) <= 1


def restore(form) -> bool:
    """Fill ``form`` with what was kept for this page, if it came from a form like it. Shown
    once: the key is forgotten and the copy deleted when the page has been sent."""
    kept = _kept_for_this_page()
    if kept is None or g.get("kept_form_shown") or not _belongs_to(kept.sent["values"], _field_names(form)):
        return False
    form.process(MultiDict([tuple(pair) for pair in kept.sent["values"]]))
    g.kept_form_shown = {"files": kept.sent.get("files", 0)}
    session.pop(SESSION_KEY, None)
    kept_id = kept.id

    @after_this_request
    def delete_once_shown(response):
        if response.status_code < 400:
            db.session.execute(db.delete(KeptForm).where(KeptForm.id == kept_id))
            db.session.commit()
        return response

    return True


def shown_here() -> dict | None:
    """For the page: whether a kept form was filled in on it, and how many files it lost."""
    return g.get("kept_form_shown")
