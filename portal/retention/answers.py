"""Anonymising the answers to consultations that closed long enough ago: the words people wrote
and who they were go (free-text answers, comments, agreements, moderators' reasons, the link to
the author); each response stays with its voice, choices, points on the scale and learning
themes, so the consultation's results and the evidence they gave are the same as before. Answers
staff entered for someone without an account lose the description of who gave them, and keep
their channel, so the counts by channel stay the same too.
Responses never sent are deleted: they were never counted.
"""

from datetime import date

import sqlalchemy as sa

from portal.consultations import models as m
from portal.extensions import db


def _identified():
    """Still naming who answered: their account, or (for answers staff entered from paper, a
    phone call or a meeting) the description of who gave them."""
    return sa.or_(m.Response.author_id.is_not(None), m.Response.participant.is_not(None))


def expired(closed_before: date, after_id: int = 0):
    """Responses to consultations that closed before ``closed_before`` and still say who
    answered, from the id after ``after_id`` on."""
    return (
        sa.select(m.Response.id, m.Response.submitted_at)
        .join(m.Consultation, m.Consultation.id == m.Response.consultation_id)
        .where(
            m.Consultation.closes_on < closed_before,
            _identified(),
            m.Response.id > after_id,
        )
        .order_by(m.Response.id)
    )


def anonymise(response_ids: list[int], draft_ids: list[int]) -> int:
    """Anonymise these sent responses and delete these unsent ones; returns how many of
    either this run did (another run may have claimed some first)."""
    claimed = db.session.scalars(
        sa.update(m.Response)
        .where(m.Response.id.in_(response_ids), _identified())
        .values(author_id=None, participant=None, age_band=None, moderation_reason=None, wants_learning_updates=False)
        .returning(m.Response.id)
    ).all()
    if claimed:
        db.session.execute(sa.update(m.Answer).where(m.Answer.response_id.in_(claimed)).values(text=None))
        _delete_what_others_added(list(claimed))
    return len(claimed) + _delete_drafts(draft_ids)


def _delete_what_others_added(response_ids: list[int]) -> None:
    for model in (m.Comment, m.Agreement):
        db.session.execute(sa.delete(model).where(model.response_id.in_(response_ids)))


def _delete_drafts(response_ids: list[int]) -> int:
    if not response_ids:
        return 0
    answers = sa.select(m.Answer.id).where(m.Answer.response_id.in_(response_ids))
    for table in (m.answer_choice, m.answer_theme):
        db.session.execute(sa.delete(table).where(table.c.answer_id.in_(answers)))
    db.session.execute(sa.delete(m.Answer).where(m.Answer.response_id.in_(response_ids)))
    _delete_what_others_added(response_ids)
    return db.session.execute(
        sa.delete(m.Response).where(m.Response.id.in_(response_ids), m.Response.author_id.is_not(None))
    ).rowcount
