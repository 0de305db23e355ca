"""How long the portal keeps each kind of record: the one place these periods are written down.

The privacy notice is rendered from DEFAULTS, so it cannot promise a period the code does not
hold. An admin schedule (per kind of record) and a daily ``flask retention apply`` command will
act on these periods; neither is built yet. Until then only the kinds in DELETED_BY_CODE are
removed when their time is up (see each one's note), and the notice says so.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # "hours", "months" or "years"

    @property
    def text(self) -> str:
        return f"{self.amount} {self.unit[:-1] if self.amount == 1 else self.unit}"


DEFAULTS: dict[str, Period] = {
    # After the case is closed: the complaints procedure and the Ombudsman may need it that long.
    "closed_cases": Period(6, "years"),
    # After the consultation closes: long enough to report what changed because of the answers.
    "consultation_answers": Period(2, "years"),
    # feedback.services.DRAFT_HOURS: `flask feedback purge-drafts` deletes them.
    "feedback_drafts": Period(24, "hours"),
    # Config.SIGNED_IN_SESSION_HOURS: a session ends then at the latest.
    "signed_in_sessions": Period(12, "hours"),
    # Config.KEPT_FORM_HOURS: core.kept_forms deletes them.
    "kept_forms": Period(24, "hours"),
    # The delivery record of each email (the body is erased as soon as it is sent).
    "outbox": Period(1, "years"),
    "audit_log": Period(6, "years"),
    "access_log": Period(6, "years"),
}

# The kinds that code deletes today when their period ends.
DELETED_BY_CODE = frozenset({"feedback_drafts", "kept_forms"})
