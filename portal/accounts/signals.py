"""What happens to an account, announced for the domains above accounts to act on.

Casework sits above accounts and listens here (handing over a disabled caseworker's open
cases), so that accounts never imports casework. Receivers run inside the caller's transaction.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the User. Each receiver returns a list of what the person holds that would have to be
# handed over if their account were disabled, as short lines for the administrator to read.
holdings = _signals.signal("user-holdings")
# sender: the User, just disabled; keyword: actor. Receivers hand over what the person held.
user_disabled = _signals.signal("user-disabled")
# sender: the User, whose own account has just been closed. Receivers erase what the domains
# above accounts hold about them that the closing promises to remove.
user_closed = _signals.signal("user-closed")


def what_they_hold(user) -> list[str]:
    """Everything the domains say ``user`` holds, in the order they answered."""
    return [line for _, lines in holdings.send(user) for line in (lines or [])]
