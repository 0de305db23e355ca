"""Anonymising closed cases whose time is up: every name, contact detail, detail of the child,
free text and file goes; what the published figures count stays (kind, category, stage,
procedure, dates and clocks, outcomes with their learning themes, remedies' kinds and dates,
the Ombudsman's decision), so reports already published still add up.

Each statement names the cases it may touch and claims them with ``anonymised_at IS NULL``,
so two runs at once never both work on one case. SQLite does not enforce foreign keys here,
so what hangs off a case is cleared explicitly rather than by cascades.
"""

from datetime import datetime

import sqlalchemy as sa

from portal.casework.models import CaseOutcome, DeadlineChange, Remedy
from portal.extensions import db
from portal.feedback.models import (
    CLOSED,
    AccessRecord,
    Adjustment,
    Attachment,
    Case,
    CaseAccessCode,
    CaseAccessGrant,
    CaseAccessToken,
    CaseMessage,
    FeedbackDraft,
    FileBlob,
)
from portal.feedback.survey_models import SatisfactionSurvey

# The columns of a case that say who the family and the child are, or what they wrote.
CASE_PERSONAL_DATA = {
    "what_happened": "",
    "outcome_wanted": None,
    "complaint_understood": None,
    "outcome_understood": None,
    "late_decision_reason": None,
    "child_name": None,
    "child_year_group": None,
    "child_setting": None,
    "child_has_ehc_plan": None,
    "contact_name": None,
    "contact_email": None,
    "contact_phone": None,
    "contact_address": None,
    "relationship_to_child": None,
    "preferred_contact": None,
    # Who spoke for the family, and a young person's own address and wishes.
    "representative_name": None,
    "representative_organisation": None,
    "representative_email": None,
    "young_person_email": None,
    "young_person_contact_directly": None,
    "young_person_parent_acts": None,
    # The family's account stays theirs to close; the case just stops pointing at it.
    "user_id": None,
    "wants_learning_updates": False,
}


def expired(cutoff: datetime, after_id: int = 0):
    """Cases closed before ``cutoff`` and not yet anonymised, from the id after ``after_id`` on."""
    return (
        sa.select(Case.id, Case.reference)
        .where(Case.status == CLOSED, Case.closed_at < cutoff, Case.anonymised_at.is_(None), Case.id > after_id)
        .order_by(Case.id)
    )


def anonymise(case_ids: list[int], now: datetime) -> int:
    """Anonymise these cases (those another run has not claimed first); returns how many."""
    claimed = db.session.scalars(
        sa.update(Case)
        .where(Case.id.in_(case_ids), Case.anonymised_at.is_(None))
        .values(anonymised_at=now, **CASE_PERSONAL_DATA)
        .returning(Case.id)
    ).all()
    if claimed:
        _clear_what_hangs_off(list(claimed))
    return len(claimed)


def _clear_what_hangs_off(case_ids: list[int]) -> None:
    _remove_files(case_ids)
    db.session.execute(
        sa.update(CaseMessage)
        .where(CaseMessage.case_id.in_(case_ids))
        .values(body="", author_id=sa.case((CaseMessage.from_family.is_(True), None), else_=CaseMessage.author_id))
    )
    db.session.execute(sa.update(Adjustment).where(Adjustment.case_id.in_(case_ids)).values(detail=None, reason=None))
    db.session.execute(sa.update(DeadlineChange).where(DeadlineChange.case_id.in_(case_ids)).values(reason=""))
    outcomes = sa.select(CaseOutcome.id).where(CaseOutcome.case_id.in_(case_ids))
    db.session.execute(
        sa.update(CaseOutcome).where(CaseOutcome.case_id.in_(case_ids)).values(summary="", still_to_do=None)
    )
    db.session.execute(sa.update(Remedy).where(Remedy.outcome_id.in_(outcomes)).values(description=""))
    # What the family wrote in the satisfaction survey goes; their scores and its themes stay counted.
    db.session.execute(
        sa.update(SatisfactionSurvey)
        .where(SatisfactionSurvey.case_id.in_(case_ids))
        .values(comments=None, token_hash=None)
    )
    # The draft the case was sent from still holds every answer; the links that opened it are no use now.
    for model in (FeedbackDraft, CaseAccessToken, CaseAccessGrant, CaseAccessCode):
        db.session.execute(sa.delete(model).where(model.case_id.in_(case_ids)))


def _remove_files(case_ids: list[int]) -> None:
    """Delete the cases' files and their bytes; the access log keeps that a file was downloaded."""
    attachments = sa.select(Attachment.id).where(Attachment.case_id.in_(case_ids))
    db.session.execute(
        sa.update(AccessRecord).where(AccessRecord.attachment_id.in_(attachments)).values(attachment_id=None)
    )
    blob_ids = db.session.scalars(
        sa.delete(Attachment).where(Attachment.case_id.in_(case_ids)).returning(Attachment.blob_id)
    ).all()
    if blob_ids:
        db.session.execute(sa.delete(FileBlob).where(FileBlob.id.in_(blob_ids)))
