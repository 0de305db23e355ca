"""The browsers a person is signed in on: the list on their account page, and signing one of
them out, or all of them. The caller commits."""

from portal.accounts import services
from portal.accounts.models import SignedInSession, User
from portal.core import audit
from portal.core.time import utcnow
from portal.extensions import db


def live_sessions(user: User) -> list[SignedInSession]:
    """The person's sessions that still work, most recently used first, in one query."""
    now = utcnow()
    found = db.session.scalars(
        db.select(SignedInSession)
        .where(
            SignedInSession.user_id == user.id,
            SignedInSession.revoked_at.is_(None),
            SignedInSession.expires_at > now,
        )
        .order_by(SignedInSession.last_seen_at.desc(), SignedInSession.id.desc())
    ).all()
    # The idle spell depends on the person's role, so it is checked here rather than in SQL.
    return [signed_in for signed_in in found if services.session_ends_at(signed_in) > now]


def sign_out_one(user: User, session_id: int) -> bool:
    """End one of ``user``'s own sessions; False when they have no such live session (another
    person's id is treated as unknown)."""
    ended = db.session.execute(
        db.update(SignedInSession)
        .where(
            SignedInSession.id == session_id,
            SignedInSession.user_id == user.id,
            SignedInSession.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
    ).rowcount
    if ended:
        audit.record(user, "user.signed_out_device", user, session=session_id)
    return bool(ended)


def sign_out_everywhere(user: User) -> None:
    """End every session the person has, this browser's too."""
    services.end_all_sessions(user)
    audit.record(user, "user.signed_out_everywhere", user)
