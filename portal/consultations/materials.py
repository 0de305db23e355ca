"""What staff add to a consultation besides its questions: documents to read before answering
(checked by their content, kept in the database), and answers given on paper, by phone or in
person, entered on the person's behalf.

Answers entered by staff have no author: who took part is described (a kind of person, and for
a young person an optional age band). They are private (never on the public board, as a paper
form was not written for it) and recorded as already checked by the person who typed them in,
who has read every word; they count in the results like any answer sent online, with their
channel. Every function leaves the commit to the caller.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import defer

from portal.accounts import age_bands
from portal.consultations import models as m
from portal.consultations.answering import Incomplete, missing_answers, write_answers
from portal.core import audit
from portal.core.files import CheckedFile
from portal.core.rules import RuleError
from portal.core.time import utcnow
from portal.extensions import db

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "consultation.document_added": "Added a document to read",
    "consultation.document_removed": "Removed a document to read",
    "consultation.offline_answers_entered": "Entered answers given on paper, by phone or in person",
}

# How long after closing answers that came on paper may still be typed in (the post is slow).
LATE_ENTRY_DAYS = 28
NOT_TAKING_OFFLINE = (
    f"Answers can be entered while the consultation is open and for {LATE_ENTRY_DAYS} days after it closes"
)


# --- documents -------------------------------------------------------------------------------


def documents_of(consultation: m.Consultation) -> list[m.Document]:
    """The consultation's documents without their bytes, easy read versions first."""
    return db.session.scalars(
        sa.select(m.Document)
        .where(m.Document.consultation_id == consultation.id)
        .options(defer(m.Document.data))
        .order_by(m.Document.easy_read.desc(), m.Document.uploaded_at, m.Document.id)
    ).all()


def document_of(consultation: m.Consultation, document_id: int) -> m.Document | None:
    document = db.session.get(m.Document, document_id)
    return document if document is not None and document.consultation_id == consultation.id else None


def add_document(actor, consultation: m.Consultation, title: str, easy_read: bool, file: CheckedFile) -> m.Document:
    document = m.Document(
        consultation_id=consultation.id,
        title=title,
        easy_read=easy_read,
        filename=file.filename,
        content_type=file.content_type,
        size=file.size,
        data=file.data,
        uploaded_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    audit.record(actor, "consultation.document_added", consultation, document_id=document.id, easy_read=easy_read)
    return document


def remove_document(actor, document: m.Document) -> None:
    consultation = db.session.get(m.Consultation, document.consultation_id)
    db.session.delete(document)
    audit.record(actor, "consultation.document_removed", consultation, document_id=document.id)


# --- answers given offline ---------------------------------------------------------------------


def takes_offline_answers(consultation: m.Consultation, today: date) -> bool:
    state = consultation.state(today)
    if state == m.OPEN:
        return True
    return state == m.CLOSED and today <= consultation.closes_on + timedelta(days=LATE_ENTRY_DAYS)


def enter_offline_answers(
    actor,
    consultation: m.Consultation,
    answers: dict,
    *,
    channel: str,
    participant: str,
    age_band: str | None,
    today: date,
) -> m.Response:
    """Record one person's answers given on paper, by phone or in person. Every required
    question must be answered (Incomplete otherwise)."""
    if not takes_offline_answers(consultation, today):
        raise RuleError(NOT_TAKING_OFFLINE)
    if channel not in m.OFFLINE_CHANNELS or participant not in m.PARTICIPANT_LABELS:
        raise RuleError("Choose how the answers came and who gave them")
    missing = missing_answers(consultation, answers)
    if missing:
        raise Incomplete(missing, visibility_missing=False)
    now = utcnow()
    response = m.Response(
        consultation_id=consultation.id,
        author_id=None,
        voice=m.OWN_VOICE,
        visibility=m.PRIVATE,
        channel=channel,
        participant=participant,
        age_band=age_band if participant == m.PARTICIPANT_YOUNG_PERSON and age_band in age_bands.LABELS else None,
        entered_by_id=actor.id,
        moderation=m.APPROVED,
        moderated_by_id=actor.id,
        moderated_at=now,
        submitted_at=now,
    )
    db.session.add(response)
    write_answers(response, consultation, answers)
    db.session.flush()
    audit.record(
        actor, "consultation.offline_answers_entered", response, consultation_id=consultation.id, channel=channel
    )
    return response
