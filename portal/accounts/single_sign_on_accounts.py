"""Which staff account a verified single sign-on identity is. The caller commits.

First the provider's subject stored on an account at an earlier sign-in; otherwise the email
address, matched as every sign-in matches it, but only one the provider vouches for (an
``email_verified`` claim, or OIDC_EMAILS_VERIFIED for a provider that manages its tenant's
addresses), and only for an account not already tied to another subject; the subject is then
stored, so a later change of address changes nothing. No account is ever made here, and the
portal's own roles decide what the person may do: nothing about roles is read from the provider.
Whoever cannot sign in this way is refused, and the refusal is audited.
"""

import hashlib
from dataclasses import dataclass
from typing import ClassVar

from portal.accounts import services
from portal.accounts.models import User
from portal.accounts.single_sign_on import Identity
from portal.core import audit
from portal.extensions import db

AUDIT_LABELS = {
    "user.single_sign_on": "Signed in with single sign-on",
    "user.single_sign_on_linked": "Single sign-on linked to the account",
    "user.single_sign_on_refused": "Single sign-on refused",
    "user.password_sign_in_refused": "Password sign-in refused: staff sign in with single sign-on",
}

# Why a verified identity was refused: the reasons recorded in the audit log.
UNKNOWN = "no_account"
NOT_STAFF = "not_staff"
INACTIVE = "account_inactive"
EMAIL_UNVERIFIED = "email_unverified"
LINKED_ELSEWHERE = "account_linked_to_another_subject"


@dataclass(frozen=True)
class Attempt:
    """What a refusal with no account to name is recorded against: a digest of the provider's
    subject, so that one person's repeated attempts can be seen without keeping who they are."""

    __tablename__: ClassVar[str] = "single_sign_on"
    id: str

    @classmethod
    def of(cls, subject: str | None) -> "Attempt":
        return cls(hashlib.sha256(subject.encode()).hexdigest()[:32] if subject else "unknown")


def refuse(reason: str, user: User | None = None, subject: str | None = None) -> None:
    audit.record(None, "user.single_sign_on_refused", user or Attempt.of(subject), reason=reason)


def _by_subject(identity: Identity) -> User | None:
    return db.session.scalar(db.select(User).where(User.sso_subject == identity.subject))


def _by_verified_email(identity: Identity) -> User | None:
    """The account with the address the provider vouches for, not yet tied to another subject
    (an address handed on to someone new at the provider is not the old owner's account)."""
    if not identity.email:
        refuse(UNKNOWN, subject=identity.subject)
        return None
    if not identity.email_verified:
        refuse(EMAIL_UNVERIFIED, subject=identity.subject)
        return None
    user = services.find_user_by_email(identity.email)
    if user is None:
        refuse(UNKNOWN, subject=identity.subject)
        return None
    if user.sso_subject is not None:
        refuse(LINKED_ELSEWHERE, user)
        return None
    return user


def _refusal(user: User) -> str | None:
    if not user.is_active or user.closed_at is not None:
        return INACTIVE
    if not user.is_staff:
        return NOT_STAFF
    return None


def staff_member_for(identity: Identity) -> User | None:
    """The active staff account ``identity`` signs in to, or None (the refusal audited)."""
    user, matched_by = _by_subject(identity), "subject"
    if user is None:
        user, matched_by = _by_verified_email(identity), "email"
    if user is None:
        return None
    reason = _refusal(user)
    if reason:
        refuse(reason, user)
        return None
    if user.sso_subject is None:
        user.sso_subject = identity.subject
        audit.record(user, "user.single_sign_on_linked", user)
    audit.record(user, "user.single_sign_on", user, matched_by=matched_by, multi_factor=identity.multi_factor)
    return user


def refuse_password(user: User) -> None:
    audit.record(user, "user.password_sign_in_refused", user)
