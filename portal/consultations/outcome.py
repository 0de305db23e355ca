"""A consultation's outcome: "We asked", "You said", "We did".

Written once the consultation has closed, kept as a draft until published, and shown on the
public page from then on. Publishing tells everyone who took part who has not turned outcome alerts off, once each; corrections made
afterwards are saved without emailing anyone again.
"""

from datetime import date

import sqlalchemy as sa

from portal.accounts.models import User
from portal.consultations import alerts
from portal.consultations import models as m
from portal.core import audit
from portal.core.rules import RuleError
from portal.core.time import utcnow
from portal.extensions import db

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "consultation.outcome_saved": "Outcome draft saved",
    "consultation.outcome_published": "Outcome published",
    "consultation.outcome_corrected": "Published outcome corrected",
}

FIELDS = ("we_asked", "you_said", "we_did")
MISSING = {
    "we_asked": "Enter what the consultation asked",
    "you_said": "Enter a summary of what people said",
    "we_did": "Enter what the council decided and will do",
}


class OutcomeError(RuleError):
    """An outcome that cannot be published as asked; ``field`` names the form field."""


def may_write(consultation: m.Consultation, today: date) -> bool:
    """The outcome is written once the consultation has closed."""
    return consultation.state(today) in (m.CLOSED, m.OUTCOME_PUBLISHED)


def _check_closed(consultation: m.Consultation, today: date) -> None:
    if not may_write(consultation, today):
        raise OutcomeError("The outcome can be written once the consultation has closed")


def _apply(consultation: m.Consultation, words: dict[str, str | None]) -> list[str]:
    changed = []
    for name in FIELDS:
        value = (words.get(name) or "").strip() or None
        if getattr(consultation, name) != value:
            setattr(consultation, name, value)
            changed.append(name)
    return changed


def save_draft(actor: User, consultation: m.Consultation, today: date, **words: str | None) -> bool:
    """Keep the outcome as written so far, unpublished. Blank parts are fine in a draft."""
    _check_closed(consultation, today)
    if consultation.outcome_published_at is not None:
        raise OutcomeError("The outcome is already published: save your corrections instead")
    changed = _apply(consultation, words)
    if changed:
        audit.record(actor, "consultation.outcome_saved", consultation, fields=changed)
    return bool(changed)


def publish(actor: User, consultation: m.Consultation, today: date, **words: str | None) -> int | None:
    """Publish the outcome, or correct one already published.

    Returns how many people were told on first publication, None for a correction.
    """
    _check_closed(consultation, today)
    for name in FIELDS:
        if not (words.get(name) or "").strip():
            raise OutcomeError(MISSING[name], field=name)
    changed = _apply(consultation, words)
    if consultation.outcome_published_at is not None:
        if changed:
            audit.record(actor, "consultation.outcome_corrected", consultation, fields=changed)
        return None
    # Claim the publication in the database: of two managers (or a double click) publishing at
    # once, only the one whose UPDATE changes the row tells people.
    now = utcnow()
    claimed = db.session.execute(
        sa.update(m.Consultation)
        .where(m.Consultation.id == consultation.id, m.Consultation.outcome_published_at.is_(None))
        .values(outcome_published_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        db.session.refresh(consultation, ["outcome_published_at"])
        return None
    consultation.outcome_published_at = now
    # Each is told at once or in their weekly digest, as they chose (portal.consultations.alerts).
    told = alerts.outcome_published(consultation, participants(consultation))
    audit.record(actor, "consultation.outcome_published", consultation, told=told)
    return told


def participants(consultation: m.Consultation) -> list[User]:
    """Everyone who took part: the authors of submitted responses and of comments, once each
    (a youth forum member who answered in their own voice and the forum's is one person).
    Disabled accounts are left out."""
    responded = sa.select(m.Response.author_id).where(
        m.Response.consultation_id == consultation.id, m.Response.submitted_at.is_not(None)
    )
    commented = (
        sa.select(m.Comment.author_id)
        .join(m.Response, m.Response.id == m.Comment.response_id)
        .where(m.Response.consultation_id == consultation.id)
    )
    return db.session.scalars(
        sa.select(User)
        .where(User.id.in_(sa.union(responded, commented).scalar_subquery()), User.disabled_at.is_(None))
        .order_by(User.id)
    ).all()
