"""Settings administrators change in the portal, not in the deployment's configuration. Each
has a default, so that a portal with nothing stored behaves as the procedure expects."""

from portal.core import audit
from portal.core.models import Setting
from portal.extensions import db

# How many months after the stage 1 response a family can ask for stage 2 from their case page.
STAGE_2_REQUEST_MONTHS = "stage_2_request_months"

# The working days managers aim to answer each other kind of feedback in (a complaint follows
# its procedure's clocks instead): keyed by the kind, as Case.kind spells it.
REPLY_TARGET_DAYS = {
    "question": "reply_days_question",
    "suggestion": "reply_days_suggestion",
    "compliment": "reply_days_compliment",
}

DEFAULTS = {
    STAGE_2_REQUEST_MONTHS: 3,
    REPLY_TARGET_DAYS["question"]: 10,
    REPLY_TARGET_DAYS["suggestion"]: 20,
    REPLY_TARGET_DAYS["compliment"]: 10,
}

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {"setting.changed": "Setting changed"}


def get(key: str):
    """The stored value, or the default when nobody has set one."""
    stored = db.session.scalar(db.select(Setting.value).where(Setting.key == key))
    return DEFAULTS[key] if stored is None else stored


def reply_target_days(kind: str) -> int | None:
    """The working days a kind of feedback other than a complaint should be answered in."""
    key = REPLY_TARGET_DAYS.get(kind)
    return get(key) if key else None


def put(actor, key: str, value) -> None:
    """Store a new value, audited with the old one. The caller commits."""
    if key not in DEFAULTS:
        raise KeyError(key)
    row = db.session.scalar(db.select(Setting).where(Setting.key == key))
    old = DEFAULTS[key] if row is None else row.value
    if row is None:
        row = Setting(key=key, value=value)
        db.session.add(row)
    row.value = value
    if old != value:
        audit.record(actor, "setting.changed", row, setting=key, old=old, new=value)
