"""A parent or youth member closing their own account (UK GDPR Article 17). The caller commits.

Closing removes the login and what identifies the person on it, and keeps the row itself.
Deleting the row would not do what the family is promised, because of what points at it:

- consultation responses, their answers, comments and "I agree"s are deleted with their author
  (ondelete CASCADE), so the published counts and themes of a consultation would change;
- cases point at it with SET NULL: they would survive, but so they do with the row kept;
- the audit log's actor and the records it describes would lose who did what, in a log that
  is never edited.

So the row stays as a tombstone: no password, an email address that can never be an
address anyone has (a reserved ``.invalid`` domain, unique by the row's id, so the person can
register again with their real one), no name, closed and disabled (every query that leaves
disabled accounts out, such as who is emailed about outcomes, leaves it out too), every
session ended, every emailed link voided and any second factor removed. Each case keeps the
contact details the family gave on it, so the council can still reply; the consultation
answers stay counted, belonging to a login that no longer exists. Domains above accounts
erase what else they hold on hearing ``signals.user_closed`` (the places a person took, with
what they need to take part, go with the account). Staff accounts are not
closed this way: an administrator disables them, so that their cases are handed over.
"""

from portal.accounts import services, signals, two_factor
from portal.accounts.models import User
from portal.accounts.passwords import verify_password
from portal.core import audit
from portal.core.time import utcnow

CLOSED_DOMAIN = "closed.invalid"


def may_close(user: User) -> bool:
    return not user.is_staff and user.is_active


def closed_email(user: User) -> str:
    return f"closed-{user.id}@{CLOSED_DOMAIN}"


def close_account(user: User, password: str) -> bool:
    """Close ``user``'s account if ``password`` is theirs; False (and nothing changed) if not."""
    if not may_close(user):
        raise ValueError("Only a parent or youth member closes their own account")
    if not verify_password(user.password_hash, password):
        return False
    now = utcnow()
    user.closed_at = now
    user.disabled_at = now
    user.password_hash = None
    user.email = closed_email(user)
    user.email_confirmed_at = None
    user.name = ""
    services.end_all_sessions(user)
    services.void_links(user)
    two_factor.remove(user)
    signals.user_closed.send(user)
    audit.record(user, "user.closed", user)
    return True
