"""What happens to a case on the family's side, announced for the staff side to act on.

Casework sits above feedback and listens here (routing a new case, starting stage 2), so
that feedback never imports casework. Receivers run inside the caller's transaction.
"""

from blinker import Namespace

_signals = Namespace()

# sender: the Case; keyword: actor (the user or None)
case_submitted = _signals.signal("case-submitted")
case_escalated = _signals.signal("case-escalated")
