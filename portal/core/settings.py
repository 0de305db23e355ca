"""Settings administrators change in the portal, not in the deployment's configuration. Each
has a default, so that a portal with nothing stored behaves as the procedure expects."""

from portal.core import audit
from portal.core.models import Setting
from portal.extensions import db

# How many months after the stage 1 response a family can ask for stage 2 from their case page.
STAGE_2_REQUEST_MONTHS = "stage_2_request_months"

DEFAULTS = {STAGE_2_REQUEST_MONTHS: 3}

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {"setting.changed": "Setting changed"}


def get(key: str):
    """The stored value, or the default when nobody has set one."""
    stored = db.session.scalar(db.select(Setting.value).where(Setting.key == key))
    return DEFAULTS[key] if stored is None else stored


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
