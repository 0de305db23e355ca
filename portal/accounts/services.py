"""The rules for accounts. Plain functions: they take what they need, record audit events,
queue email, and leave the commit to the caller."""

import functools
import hashlib
import math
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager

from portal.accounts import roles, security_notices, signals, single_sign_on, user_agents
from portal.accounts.models import AccountToken, SignedInSession, Team, User
from portal.accounts.passwords import hash_password, needs_rehash, verify_password
from portal.core import audit
from portal.core.forms import canonical_text, whole_number
from portal.core.links import public_url
from portal.core.time import utcnow
from portal.extensions import db
from portal.notifications.services import queue_email

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "user.registered": "Registered",
    "user.created": "Account created",
    "user.email_confirmed": "Email address confirmed",
    "user.signed_in": "Signed in",
    "user.password_reset_requested": "Asked to reset password",
    "user.password_set": "Password set",
    "user.password_changed": "Password changed",
    "user.role_changed": "Role changed",
    "user.team_changed": "Team changed",
    "user.disabled": "Account disabled",
    "user.enabled": "Account enabled",
    "user.approved": "Approved as a youth forum member",
    "user.signed_out_device": "Signed out on another device",
    "user.signed_out_everywhere": "Signed out on every device",
    "user.closed": "Account closed by its owner",
}


def normalise_email(email: str) -> str:
    """The one form of an address that lookups, storage and per-account throttling all use, so
    that "Manager@Example.org ", a pasted control character or a full-width lookalike is the
    same account, and never a fresh allowance of guesses."""
    return canonical_text(email).lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(db.select(User).where(User.email == normalise_email(email)))


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- email links -----------------------------------------------------------------------


def issue_token(user: User, purpose: str, hours: int) -> str:
    """Make a single-use secret for ``user``. Returns the secret; only its hash is stored."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountToken(
            token_hash=_hash_token(token),
            purpose=purpose,
            user=user,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    return token


def find_token(token: str, purpose: str) -> AccountToken | None:
    """The unused, unexpired token with this secret, or None."""
    found = db.session.scalar(
        db.select(AccountToken).where(AccountToken.token_hash == _hash_token(token), AccountToken.purpose == purpose)
    )
    if found is None or found.used_at is not None or found.expires_at <= utcnow():
        return None
    if not found.user.is_active:
        return None
    return found


def use_token(token: AccountToken) -> bool:
    """Mark the token used. A single UPDATE, so two clicks at once cannot both succeed."""
    result = db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.id == token.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )
    return result.rowcount == 1


def void_links(user: User) -> None:
    """End every emailed link the account still has (reset, invitation, confirmation), so a
    link sent before a change to the account cannot be used after it."""
    db.session.execute(
        db.update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.used_at.is_(None))
        .values(used_at=utcnow())
    )


def _link(endpoint: str, **values) -> str:
    return public_url(endpoint, **values)


# --- registration ------------------------------------------------------------------------


def register(name: str, email: str, password: str, role: str, age_band: str | None = None) -> User | None:
    """Register a parent or youth forum member, and ask them to confirm their email.

    If the address already has an account, that account's owner is told by email instead,
    and nothing on screen differs: the form must not reveal who is registered.
    """
    if role not in roles.SELF_REGISTERED:
        raise ValueError(f"{role} accounts are made by an administrator")
    existing = find_user_by_email(email)
    if existing is not None:
        queue_email(
            existing.email,
            "You already have a Together We CAN account",
            "already_registered",
            user=existing,
            sign_in_url=_link("accounts.sign_in"),
            reset_url=_link("accounts.forgotten_password"),
        )
        return None
    user = User(
        name=name.strip(),
        email=normalise_email(email),
        role=role,
        password_hash=hash_password(password),
        age_band=age_band if role == roles.YOUTH else None,
    )
    db.session.add(user)
    audit.record(None, "user.registered", user, role=role)
    send_email_confirmation(user)
    return user


def send_email_confirmation(user: User) -> None:
    hours = current_app.config["EMAIL_CONFIRMATION_HOURS"]
    token = issue_token(user, AccountToken.CONFIRM_EMAIL, hours)
    queue_email(
        user.email,
        "Confirm your email address",
        "confirm_email",
        user=user,
        link=_link("accounts.confirm_email", token=token),
        hours=hours,
    )


def confirm_email(token: AccountToken) -> User | None:
    if not use_token(token):
        return None
    user = token.user
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
        audit.record(user, "user.email_confirmed", user)
    return user


# --- signing in and out ------------------------------------------------------------------


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None. Takes the same time either way."""
    user = find_user_by_email(email)
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not user.is_active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def start_session(user: User, *, second_factor: bool = False, user_agent: str | None = None) -> str:
    """Record a new signed-in browser for ``user`` (that gave a code too, if ``second_factor``;
    named from its ``user_agent`` header for the account page's list); returns the secret for
    its cookie."""
    token = secrets.token_urlsafe(32)
    hours = current_app.config["SIGNED_IN_SESSION_HOURS"]
    now = utcnow()
    db.session.add(
        SignedInSession(
            token_hash=_hash_token(token),
            user=user,
            expires_at=now + timedelta(hours=hours),
            last_seen_at=now,
            second_factor_at=now if second_factor else None,
            device=user_agents.describe(user_agent),
        )
    )
    user.last_signed_in_at = now
    audit.record(user, "user.signed_in", user)
    return token


# What a person is told when their session has run out, before and after sending a form.
SIGNED_OUT_FOR_INACTIVITY = (
    "You were signed out because you had not used the portal for a while. Sign in again to carry on."
)
KEPT_FOR_AFTER_SIGN_IN = (
    "You were signed out because you had not used the portal for a while, so what you sent has not been "
    "saved yet. Sign in again and we will show it to you, to check and send."
)


def idle_limit(user: User) -> timedelta:
    """How long a session of ``user``'s lasts without a page being opened."""
    setting = "STAFF_SESSION_IDLE_MINUTES" if user.is_staff else "FAMILY_SESSION_IDLE_MINUTES"
    return timedelta(minutes=current_app.config[setting])


def session_ends_at(signed_in: SignedInSession) -> datetime:
    """When this session ends if nothing more is opened: after its idle spell, or at its
    fixed end after sign-in, whichever comes first."""
    last_seen = signed_in.last_seen_at or signed_in.created_at
    return min(signed_in.expires_at, last_seen + idle_limit(signed_in.user))


@functools.cache
def _live_session_statement():
    """Built once: the query runs on every signed-in page, and building it cost more than
    running it."""
    return (
        db.select(SignedInSession)
        .join(User, SignedInSession.user_id == User.id)
        .options(contains_eager(SignedInSession.user))
        .where(
            User.id == sa.bindparam("user_id"),
            User.disabled_at.is_(None),
            SignedInSession.token_hash == sa.bindparam("token_hash"),
            SignedInSession.revoked_at.is_(None),
            SignedInSession.expires_at > sa.bindparam("now"),
        )
    )


def live_session(user_id: str, token: str | None) -> SignedInSession | None:
    """The session a cookie holds, if it is still live (its user loaded with it)."""
    if not token or whole_number(user_id) is None:
        return None
    now = utcnow()
    signed_in = db.session.scalar(
        _live_session_statement(), {"user_id": int(user_id), "token_hash": _hash_token(token), "now": now}
    )
    if signed_in is None or session_ends_at(signed_in) <= now:
        return None
    return signed_in


def user_for_session(user_id: str, token: str | None) -> User | None:
    """The user a session cookie belongs to, if that session is still live."""
    signed_in = live_session(user_id, token)
    return signed_in.user if signed_in else None


def seconds_left(signed_in: SignedInSession) -> int:
    """Whole seconds left, rounded up: a live session never says 0."""
    return max(0, math.ceil((session_ends_at(signed_in) - utcnow()).total_seconds()))


# A page opened within this long of the last one noted is not noted again: one write a minute
# at most, however fast someone clicks.
NOTE_ACTIVITY_EVERY = timedelta(seconds=60)


def note_activity(signed_in: SignedInSession) -> bool:
    """Keep the session alive from now; False when it was noted moments ago (nothing to save)."""
    now = utcnow()
    if signed_in.last_seen_at and now - signed_in.last_seen_at < NOTE_ACTIVITY_EVERY:
        return False
    signed_in.last_seen_at = now
    return True


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(
            db.update(SignedInSession)
            .where(SignedInSession.token_hash == _hash_token(token))
            .values(revoked_at=utcnow())
        )


def end_all_sessions(user: User) -> None:
    db.session.execute(
        db.update(SignedInSession)
        .where(SignedInSession.user_id == user.id, SignedInSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


# --- passwords -----------------------------------------------------------------------------


def request_password_reset(email: str) -> None:
    """Email a reset link if the address belongs to an active account. Says nothing either way."""
    user = find_user_by_email(email)
    if user is None or not user.is_active or not single_sign_on.may_use_password(user):
        return
    hours = current_app.config["PASSWORD_RESET_HOURS"]
    token = issue_token(user, AccountToken.SET_PASSWORD, hours)
    queue_email(
        user.email,
        "Reset your Together We CAN password",
        "password_reset",
        user=user,
        link=_link("accounts.reset_password", token=token),
        hours=hours,
    )
    audit.record(None, "user.password_reset_requested", user)


def set_password(token: AccountToken, password: str) -> User | None:
    """Use a set-password link: the new password replaces the old and every session ends."""
    if not use_token(token):
        return None
    user = token.user
    if user.password_hash:  # a change, not the first password of an account made for someone
        security_notices.tell(user, "password_changed")
    user.password_hash = hash_password(password)
    # Following the emailed link proves the address.
    if user.email_confirmed_at is None:
        user.email_confirmed_at = utcnow()
    end_all_sessions(user)
    void_links(user)
    audit.record(user, "user.password_set", user)
    return user


def change_password(user: User, current: str, new: str, *, keep_token: str | None) -> bool:
    """A signed-in person changes their password, giving the one they have (ASVS 2.1.6).
    Every other session ends, as after a reset; this one (``keep_token``) goes on."""
    if not verify_password(user.password_hash, current):
        return False
    security_notices.tell(user, "password_changed")
    user.password_hash = hash_password(new)
    db.session.execute(
        db.update(SignedInSession)
        .where(
            SignedInSession.user_id == user.id,
            SignedInSession.revoked_at.is_(None),
            SignedInSession.token_hash != _hash_token(keep_token or ""),
        )
        .values(revoked_at=utcnow())
    )
    void_links(user)
    audit.record(user, "user.password_changed", user)
    return True


# --- administration ------------------------------------------------------------------------


def create_user(
    actor: User | None,
    *,
    name: str,
    email: str,
    role: str,
    team: Team | None = None,
    password: str | None = None,
) -> User:
    """Create an account on someone's behalf. Without a password, the person is emailed a
    link to set their own. Accounts made this way are confirmed and approved."""
    if role not in roles.ALL:
        raise ValueError(f"unknown role {role!r}")
    if find_user_by_email(email) is not None:
        raise ValueError("An account with this email address already exists")
    now = utcnow()
    user = User(
        name=name.strip(),
        email=normalise_email(email),
        role=role,
        team=team,
        password_hash=hash_password(password) if password else None,
        email_confirmed_at=now,
        approved_at=now,
    )
    db.session.add(user)
    audit.record(actor, "user.created", user, role=role)
    if password is None:
        hours = current_app.config["STAFF_INVITATION_HOURS"]
        token = issue_token(user, AccountToken.SET_PASSWORD, hours)
        queue_email(
            user.email,
            "Your Together We CAN account",
            "account_created",
            user=user,
            link=_link("accounts.reset_password", token=token),
            hours=hours,
        )
    return user


def update_user(actor: User, user: User, *, role: str, team: Team | None) -> None:
    if role not in roles.ALL:
        raise ValueError(f"unknown role {role!r}")
    if user.role != role:
        audit.record(actor, "user.role_changed", user, old=user.role, new=role)
        user.role = role
        void_links(user)
    if user.team_id != (team.id if team else None):
        audit.record(actor, "user.team_changed", user, old=user.team_id, new=team.id if team else None)
        user.team = team


def disable_user(actor: User, user: User) -> None:
    """Disable the account; every session it has stops working on the next request. What the
    person held (a caseworker's open cases) is handed over in the same transaction."""
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        end_all_sessions(user)
        void_links(user)
        audit.record(actor, "user.disabled", user)
        signals.user_disabled.send(user, actor=actor)


def enable_user(actor: User, user: User) -> None:
    # A closed account has no login left to give back (accounts.closing).
    if user.disabled_at is not None and user.closed_at is None:
        user.disabled_at = None
        void_links(user)
        audit.record(actor, "user.enabled", user)


def approve_youth_member(actor: User, user: User) -> None:
    if user.role == roles.YOUTH and user.approved_at is None:
        user.approved_at = utcnow()
        audit.record(actor, "user.approved", user)
        queue_email(
            user.email,
            "You can now take part on Together We CAN",
            "youth_approved",
            user=user,
            sign_in_url=_link("accounts.sign_in"),
        )
