"""What the demo's cases are made of: what a family sent, and what was done to it afterwards, step
by step. Plans are plain data; portal.demo.playback makes each one happen through the real actions."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone

from portal.core.time import LONDON

# What a step can be, and what its details hold. Who acts is not planned: the case's caseworker
# at that moment (or, with none, the demo manager) does what staff do, and the family the rest.
ACKNOWLEDGE = "acknowledge"  # body (optional: the default acknowledgement otherwise)
REPLY = "reply"  # body
EXTEND = "extend"  # working_days, reason
RESPOND = "respond"  # outcome (complaints), summary, remedies [(kind, description, due_on)], themes [names]
CLOSE = "close"
NOT_A_COMPLAINT = "not_a_complaint"  # reason, signposting
FAMILY_REPLY = "family_reply"  # body
ESCALATE = "escalate"  # reason (optional)
REMEDY_DONE = "remedy_done"  # description: of the promise kept; note (optional)


@dataclass
class Step:
    """One thing done to a case, when (UTC), with what the action is given."""

    action: str
    at: datetime
    details: dict = field(default_factory=dict)


@dataclass
class PlannedCase:
    """A case as a family sends it through the feedback journey, and what happens to it next.

    ``answers`` are the journey's answers but for the category, which is named in ``category``.
    ``account`` is the email of the parent account it is sent from (signed in), if any.
    ``received_at`` is when it was sent, or logged by staff."""

    key: str
    kind: str
    category: str
    received_at: datetime
    answers: dict
    steps: list[Step] = field(default_factory=list)
    account: str | None = None
    wants_updates: bool = False
    # Feedback staff logged for the family (feedback.services.log_case): how it came, and the
    # day it really arrived, which can be before ``received_at``, when it was logged.
    channel: str | None = None
    arrived_on: date | None = None


def london_day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def london_moment(day: date, minutes: int) -> datetime:
    """``minutes`` after midnight on ``day`` in London, as UTC."""
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=LONDON).astimezone(timezone.utc)
