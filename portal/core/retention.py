"""How long the portal keeps each kind of record: the one place these periods are written down.

DEFAULTS hold when nobody has changed a period; administrators change them at /admin/retention
(stored as settings), within LIMITS. The privacy notice and the daily ``flask retention apply``
command (portal.retention) both read ``schedule()``, so the notice states the periods applied.
"""

from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta

from portal.core import audit
from portal.core.models import Setting
from portal.extensions import db

UNITS = ("hours", "days", "months", "years")


@dataclass(frozen=True)
class Period:
    amount: int
    unit: str  # one of UNITS

    @property
    def text(self) -> str:
        return f"{self.amount} {self.unit[:-1] if self.amount == 1 else self.unit}"

    def before(self, moment: datetime) -> datetime:
        """The moment this long before ``moment``: a record older than that has had its time."""
        return moment - relativedelta(**{self.unit: self.amount})


DEFAULTS: dict[str, Period] = {
    # After the case is closed: the complaints procedure and the Ombudsman may need it that long.
    "closed_cases": Period(6, "years"),
    # After the consultation closes: long enough to report what changed because of the answers.
    "consultation_answers": Period(2, "years"),
    # After the event: long enough to follow up with the people who came, no longer, as it
    # says what they need to take part (often about a disability).
    "opportunity_places": Period(1, "months"),
    # feedback.services.DRAFT_HOURS: a draft cannot be carried on with after that.
    "feedback_drafts": Period(24, "hours"),
    # Config.SIGNED_IN_SESSION_HOURS: a session has ended by then.
    "signed_in_sessions": Period(12, "hours"),
    # Config.KEPT_FORM_HOURS: what was kept cannot be shown again after that.
    "kept_forms": Period(24, "hours"),
    # The delivery record of each email (the body is erased as soon as it is sent).
    "outbox": Period(1, "years"),
    # The record of each email read from the replies mailbox (who sent it, its subject, what
    # became of it): what it said is on the case, or still in the mailbox.
    "inbound_mail": Period(1, "years"),
    "audit_log": Period(6, "years"),
    "access_log": Period(6, "years"),
}

# The shortest and longest period an administrator may set. The shortest is as long as the
# record is still in use (or, for cases, as long as the complaints procedure and the Ombudsman
# may need it); the longest stops a slip of the unit keeping records for centuries.
LIMITS: dict[str, tuple[Period, Period]] = {
    "closed_cases": (Period(1, "years"), Period(20, "years")),
    "consultation_answers": (Period(6, "months"), Period(10, "years")),
    "opportunity_places": (Period(1, "days"), Period(1, "years")),
    "feedback_drafts": (DEFAULTS["feedback_drafts"], DEFAULTS["feedback_drafts"]),
    "signed_in_sessions": (DEFAULTS["signed_in_sessions"], Period(1, "years")),
    "kept_forms": (DEFAULTS["kept_forms"], DEFAULTS["kept_forms"]),
    "outbox": (Period(1, "months"), Period(6, "years")),
    "inbound_mail": (Period(1, "months"), Period(6, "years")),
    "audit_log": (Period(1, "years"), Period(20, "years")),
    "access_log": (Period(1, "years"), Period(20, "years")),
}

# Kinds whose period is how long the portal itself uses them (a draft can be carried on with,
# a kept form shown again): it cannot be changed, because the record is gone by then anyway.
FIXED = frozenset(kind for kind, (least, most) in LIMITS.items() if least == most)

# What each kind is called on the admin page, and when its period starts.
LABELS = {
    "closed_cases": "Closed cases",
    "consultation_answers": "Consultation answers",
    "opportunity_places": "Places taken on working groups, drop-ins and sessions",
    "feedback_drafts": "Feedback not sent",
    "signed_in_sessions": "Signed-in sessions",
    "kept_forms": "Forms kept after a session ended",
    "outbox": "Email delivery records",
    "inbound_mail": "Records of email received",
    "audit_log": "Audit log",
    "access_log": "Access log",
}
COUNTED_FROM = {
    "closed_cases": "after the case is closed",
    "consultation_answers": "after the consultation closes",
    "opportunity_places": "after the event",
    "feedback_drafts": "after it was last changed",
    "signed_in_sessions": "after signing in, once the session has ended",
    "kept_forms": "after it was kept",
    "outbox": "after the email was queued",
    "inbound_mail": "after the email was received",
    "audit_log": "after it was recorded",
    "access_log": "after it was recorded",
}

# Kept for the published figures with the personal data taken out; every other kind is deleted.
ANONYMISED = frozenset({"closed_cases", "consultation_answers"})

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {"retention.period_changed": "Retention period changed"}


def _key(kind: str) -> str:
    return f"retention.{kind}"


def _from_stored(value) -> Period | None:
    """A stored period, or None if what is stored is not one (then the default applies)."""
    if isinstance(value, dict) and value.get("unit") in UNITS and isinstance(value.get("amount"), int):
        return Period(value["amount"], value["unit"])
    return None


def schedule() -> dict[str, Period]:
    """Every kind's period now: what an administrator set, else the default. One query."""
    stored = dict(
        db.session.execute(db.select(Setting.key, Setting.value).where(Setting.key.like("retention.%"))).all()
    )
    return {kind: _from_stored(stored.get(_key(kind))) or default for kind, default in DEFAULTS.items()}


def _hours(period: Period) -> float:
    """The period's length from a fixed moment, to compare periods of different units."""
    start = datetime(2000, 1, 1)
    return (start + relativedelta(**{period.unit: period.amount}) - start).total_seconds() / 3600


def out_of_limits(kind: str, period: Period) -> str | None:
    """Why ``period`` cannot be ``kind``'s, in words for the form, or None if it can."""
    least, most = LIMITS[kind]
    if _hours(period) < _hours(least):
        return f"The period must be at least {least.text}"
    if _hours(period) > _hours(most):
        return f"The period must be at most {most.text}"
    return None


def set_period(actor, kind: str, period: Period) -> bool:
    """Store ``kind``'s new period, audited with the old one; False when it is unchanged. The
    caller commits."""
    if out_of_limits(kind, period):
        raise ValueError(out_of_limits(kind, period))
    old = schedule()[kind]
    if old == period:
        return False
    value = {"amount": period.amount, "unit": period.unit}
    row = db.session.scalar(db.select(Setting).where(Setting.key == _key(kind)))
    if row is None:
        row = Setting(key=_key(kind), value=value)
        db.session.add(row)
    row.value = value
    audit.record(actor, "retention.period_changed", row, kind=kind, old=old.text, new=period.text)
    return True
