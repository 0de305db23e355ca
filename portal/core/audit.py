"""Record every state change: who did what to which record.

The event joins the caller's transaction, so it is saved exactly when the change is.
"""

from typing import Any

from flask import current_app

from portal.core.models import AuditEvent
from portal.extensions import db


def describe(event: AuditEvent) -> str:
    """The action in words, with any old and new values: "Role changed from caseworker to manager".
    The names of actions are the app's (portal.audit_labels, given to create_app)."""
    labels = current_app.extensions.get("audit_labels", {})
    label = labels.get(event.action) or event.action.split(".")[-1].replace("_", " ").capitalize()
    details = event.details or {}
    if "old" in details and "new" in details:
        label += f" from {details['old'] if details['old'] is not None else 'none'} to {details['new'] if details['new'] is not None else 'none'}"
    return label


def record(actor, action: str, obj, **details: Any) -> AuditEvent:
    """Add an audit event for ``action`` on ``obj`` by ``actor`` (a user, or None for the system).

    ``obj`` is a model instance; it is flushed first so that a new record has its id.
    Details must not hold personal data beyond ids: the log is kept longer than cases.
    """
    if getattr(obj, "id", None) is None:
        db.session.flush()
    event = AuditEvent(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj.__tablename__,
        object_id=str(obj.id),
        details=details,
    )
    db.session.add(event)
    return event


def history(obj) -> list[AuditEvent]:
    """The events recorded for one record, oldest first."""
    return db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.object_type == obj.__tablename__, AuditEvent.object_id == str(obj.id))
        .order_by(AuditEvent.occurred_at, AuditEvent.id)
    ).all()
