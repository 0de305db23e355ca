"""Starting a signed-in session in this browser: at once after the password, or, for someone
who has set up two-factor authentication, only once they have also given a code. Between the
two steps the browser holds only who is part-way through, for a few minutes."""

from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import request, session, url_for
from flask_login import login_user

from portal import navigation
from portal.accounts import services, two_factor
from portal.accounts.models import User
from portal.core import kept_forms
from portal.core.time import utcnow
from portal.extensions import db

SESSION_KEY = "signed_in_session"
AWAITING_CODE = "awaiting_code"
# How long someone has, after their password, to give their code.
CODE_MINUTES = 10


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: never another host, so sign-in cannot be used to redirect away."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def start(user: User, *, second_factor: bool = False) -> None:
    """Sign ``user`` in here. A fresh session: nothing from before survives (but what they sent
    as their last session ran out), and the new one is recorded server-side so that signing out
    or disabling the account ends it for good. The caller commits."""
    kept = kept_forms.key_in_this_browser()
    session.clear()
    kept_forms.hold_key(kept)
    session[SESSION_KEY] = services.start_session(
        user, second_factor=second_factor, user_agent=request.headers.get("User-Agent")
    )
    session.permanent = True
    login_user(user)


def first_factor_given(user: User, next_page: str | None) -> str:
    """After the password, or single sign-on that did not ask for a second factor: the code
    step for someone with an authenticator app, else signed in at once. Returns where to go
    next; the caller commits."""
    if two_factor.is_set_up(user):
        await_code(user, next_page)
        return url_for("accounts_two_factor.code")
    start(user)
    return safe_next(next_page) or navigation.home_for(user)


def await_code(user: User, next_page: str | None) -> None:
    """The password was right; the code is still to come."""
    session[AWAITING_CODE] = {"user_id": user.id, "since": utcnow().isoformat(), "next": safe_next(next_page)}


def awaiting_code() -> tuple[User, str | None] | None:
    """Who gave their password in this browser moments ago and has a code still to give, and
    where they were going; None when nobody has, or it was too long ago."""
    pending = session.get(AWAITING_CODE)
    if not isinstance(pending, dict):
        return None
    try:
        since = datetime.fromisoformat(pending["since"])
        user = db.session.get(User, int(pending["user_id"]))
    except (KeyError, TypeError, ValueError):
        return None
    if user is None or not user.is_active or utcnow() - since > timedelta(minutes=CODE_MINUTES):
        return None
    return user, safe_next(pending.get("next"))


def forget_code_step() -> None:
    session.pop(AWAITING_CODE, None)
