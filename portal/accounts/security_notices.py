"""Telling a person, by email, that how they sign in has changed (OWASP ASVS 2.2.3, 2.5.5).

Someone who has taken over an account changes its password or its second factor first; the
email reaches the address the account already had, so its owner hears of it and can act.
"""

from portal.accounts.models import User
from portal.core.links import public_url
from portal.core.time import format_datetime, utcnow
from portal.notifications.services import queue_email

# What each change is called in the email: "Your password was changed".
CHANGES = {
    "password_changed": "your password was changed",
    "two_factor_on": "two-factor authentication was turned on",
    "two_factor_off": "two-factor authentication was turned off",
    "two_factor_reset": "an administrator reset your two-factor authentication",
    "recovery_codes_replaced": "new recovery codes were made, and the old ones stopped working",
    "recovery_code_used": "one of your recovery codes was used to sign in",
    "code_reused": "someone entered an authenticator code that had already been used",
}


def tell(user: User, change: str) -> None:
    """Queue the email; it is sent when the caller commits the change itself."""
    what = CHANGES[change]
    queue_email(
        user.email,
        f"Your Together We CAN account: {what.split(',')[0]}",
        "account_security_change",
        user=user,
        what=what,
        when=format_datetime(utcnow()),
        reset_link=public_url("accounts.forgotten_password"),
    )
