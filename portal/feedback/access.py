"""A family's access to their case without an account. The browser keeps only random secrets;
each grant is a row here, so it can end: after CASE_ACCESS_IDLE_HOURS without a visit, when
a new link to the case is sent (whoever held an old one loses it), or when the family closes it."""

import hashlib
import secrets
from datetime import timedelta

from flask import current_app, session

from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback.models import Case, CaseAccessGrant

SESSION_KEY = "case_access"
MOST_GRANTS_PER_BROWSER = 20
# A visit within this long of the last one noted is not noted again: the idle spell is hours,
# and a write on every page opened would queue every reader behind SQLite's one writer.
NOTE_VISIT_EVERY = timedelta(minutes=1)


def hash_secret(token: str) -> str:
    """What is stored of a secret that a link or a browser holds: its SHA-256, never itself."""
    return hashlib.sha256(token.encode()).hexdigest()


def _browser_tokens() -> list[str]:
    tokens = session.get(SESSION_KEY, [])
    return [token for token in tokens if isinstance(token, str)] if isinstance(tokens, list) else []


def grant_in_this_browser(case: Case) -> None:
    """Let this browser follow ``case`` (after sending it, or through an emailed link)."""
    token = secrets.token_urlsafe(32)
    db.session.add(CaseAccessGrant(token_hash=hash_secret(token), case_id=case.id))
    session[SESSION_KEY] = (_browser_tokens() + [token])[-MOST_GRANTS_PER_BROWSER:]


def this_browser() -> str:
    """Which browser this is, as far as its grants go: pages kept for one browser's grants are
    never served to another's (portal.core.kept_pages)."""
    return hash_secret("\n".join(_browser_tokens()))


def followed_before() -> bool:
    """Whether this browser was given access to any case (perhaps since ended)."""
    return bool(_browser_tokens())


def _live_grant(case: Case) -> CaseAccessGrant | None:
    hashes = [hash_secret(token) for token in _browser_tokens()]
    if not hashes:
        return None
    idle_since = utcnow() - timedelta(hours=current_app.config["CASE_ACCESS_IDLE_HOURS"])
    return db.session.scalar(
        db.select(CaseAccessGrant).where(
            CaseAccessGrant.token_hash.in_(hashes),
            CaseAccessGrant.case_id == case.id,
            CaseAccessGrant.revoked_at.is_(None),
            CaseAccessGrant.last_seen_at > idle_since,
        )
    )


def browser_may_follow(case: Case) -> bool:
    """Whether this browser holds a live grant to ``case``; a visit keeps it alive (saved
    when the caller commits)."""
    grant = _live_grant(case)
    if grant is None:
        return False
    now = utcnow()
    if now - grant.last_seen_at >= NOTE_VISIT_EVERY:
        grant.last_seen_at = now
    return True


def end_grants(case: Case) -> int:
    """End every browser's access to ``case`` (the family's own included). Returns how many."""
    result = db.session.execute(
        db.update(CaseAccessGrant)
        .where(CaseAccessGrant.case_id == case.id, CaseAccessGrant.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return result.rowcount
