"""What the council has promised a family about their case, and whether it kept the promise:
the date of the next thing they are waiting for (an acknowledgement, a reply, a compliment
passed on), said honestly once it has passed. The staff queue shows the same dates as
deadlines (casework.clocks); this is the family's side of them."""

from datetime import date
from typing import NamedTuple

from portal.core.time import london_today
from portal.feedback.models import COMPLAINT, COMPLIMENT, QUESTION, SUGGESTION, Case

ACKNOWLEDGE = "acknowledge"
REPLY = "reply"

# What the family is waiting for, as a summary-list key: (on time, missed).
WAITING_FOR = {
    (COMPLAINT, ACKNOWLEDGE): ("We will acknowledge it by", "We should have acknowledged it by"),
    (COMPLAINT, REPLY): ("We will reply in full by", "We should have replied in full by"),
    (QUESTION, REPLY): ("We aim to answer your question by", "We should have answered your question by"),
    (SUGGESTION, REPLY): ("We aim to reply to your suggestion by", "We should have replied to your suggestion by"),
    (COMPLIMENT, REPLY): (
        "We aim to pass it on and tell you by",
        "We should have passed it on and told you by",
    ),
}


class Promise(NamedTuple):
    kind: str  # the case's kind
    clock: str  # ACKNOWLEDGE or REPLY
    due: date
    missed: bool  # the day has passed with nothing sent
    extended: bool  # the date was moved, with the reason sent to the family

    @property
    def label(self) -> str:
        on_time, late = WAITING_FOR[(self.kind, self.clock)]
        return late if self.missed else on_time

    @property
    def what(self) -> str:
        """The thing promised, in a sentence: "our acknowledgement", "our full reply"."""
        if self.clock == ACKNOWLEDGE:
            return "our acknowledgement"
        return "our full reply" if self.kind == COMPLAINT else "our reply"


def promise_of(case: Case, on: date | None = None) -> Promise | None:
    """The promise the family is waiting on now; None once nothing is owed (or the case is closed)."""
    if not case.is_open:
        return None
    today = on or london_today()
    if case.is_complaint and case.stage and case.acknowledged_at is None and case.acknowledge_by:
        return Promise(COMPLAINT, ACKNOWLEDGE, case.acknowledge_by, case.acknowledge_by < today, False)
    if case.responded_at is None and case.respond_by and (case.kind, REPLY) in WAITING_FOR:
        extended = bool(case.is_complaint and case.extension_used)
        return Promise(case.kind, REPLY, case.respond_by, case.respond_by < today, extended)
    return None
