"""Measures the portal computes from its own data, one value a term.

A source is a key, a label managers choose it by, the unit and a function from a term to a
number (or None when there is nothing to count, or too little to publish). The improvement plan
computes what it can read itself; a domain above it (the reports) may add or replace a source
with ``register_source`` when the app starts, without this package reading it.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa

from portal.consultations.models import Consultation, Response
from portal.core.terms import Term
from portal.core.time import london_midnight
from portal.extensions import db
from portal.feedback.models import COMPLAINT, Case
from portal.feedback.survey_models import SatisfactionSurvey

# Fewer answers than this and a percentage could point to a family: no value is recorded.
MIN_ANSWERS = 5
SATISFIED = (4, 5)


@dataclass(frozen=True)
class Source:
    key: str
    label: str
    unit: str
    compute: Callable[[Term], float | None]


SOURCES: dict[str, Source] = {}


def register_source(key: str, label: str, compute: Callable[[Term], float | None], unit: str = "%") -> None:
    """Offer (or replace) a measure the portal computes each term."""
    SOURCES[key] = Source(key, label, unit, compute)


def source(key: str | None) -> Source | None:
    return SOURCES.get(key or "")


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def consultation_turnout(term: Term) -> float | None:
    """Answers sent per consultation that closed in the term."""
    closed = sa.select(Consultation.id).where(
        Consultation.published_at.is_not(None), Consultation.closes_on.between(term.starts_on, term.ends_on)
    )
    row = db.session.execute(
        sa.select(
            sa.func.count(sa.distinct(Consultation.id)).label("consultations"),
            sa.func.count(Response.id).label("answers"),
        )
        .select_from(Consultation)
        .outerjoin(Response, sa.and_(Response.consultation_id == Consultation.id, Response.submitted_at.is_not(None)))
        .where(Consultation.id.in_(closed))
    ).one()
    return round(row.answers / row.consultations, 1) if row.consultations else None


def _term_days(term: Term):
    """Each day of the term with the moment (UTC) it ends in London, to compare a reply's
    time with its deadline day the same way in every database."""
    days = (term.ends_on - term.starts_on).days + 1
    rows = [
        (term.starts_on + timedelta(days=n), london_midnight(term.starts_on + timedelta(days=n + 1)))
        for n in range(days)
    ]
    return (
        sa.values(sa.column("day", sa.Date), sa.column("ends_at", Case.responded_at.type), name="improvement_day")
        .data(rows)
        .cte("improvement_day")
    )


def complaints_answered_on_time(term: Term) -> float | None:
    """Of the complaint responses sent in the term (at the stage each complaint is at now), the
    share sent by the end of their deadline day. One aggregate."""
    days = _term_days(term)
    responded = sa.and_(
        Case.kind == COMPLAINT,
        Case.not_complaint_reason.is_(None),
        Case.respond_by.is_not(None),
        Case.responded_at >= term.starts_at,
        Case.responded_at < term.ends_at,
    )
    on_time = sa.or_(Case.respond_by > term.ends_on, Case.responded_at < days.c.ends_at)
    row = db.session.execute(
        sa.select(
            sa.func.count().label("responded"),
            sa.func.count(sa.case((on_time, 1))).label("on_time"),
        )
        .select_from(Case)
        .outerjoin(days, days.c.day == Case.respond_by)
        .where(responded)
    ).one()
    return _percent(row.on_time, row.responded)


def satisfaction_with_complaint_handling(term: Term) -> float | None:
    """The share of families answering the survey in the term who were satisfied (4 or 5 of 5)."""
    row = db.session.execute(
        sa.select(
            sa.func.count().label("answered"),
            sa.func.count(sa.case((SatisfactionSurvey.satisfaction.in_(SATISFIED), 1))).label("satisfied"),
        ).where(
            SatisfactionSurvey.satisfaction.is_not(None),
            SatisfactionSurvey.answered_at >= term.starts_at,
            SatisfactionSurvey.answered_at < term.ends_at,
        )
    ).one()
    if row.answered < MIN_ANSWERS:
        return None
    return _percent(row.satisfied, row.answered)


CONSULTATION_TURNOUT = "consultation_turnout"
COMPLAINTS_ON_TIME = "complaints_on_time"
SATISFACTION = "complaint_satisfaction"

register_source(
    CONSULTATION_TURNOUT, "Answers per consultation closed in the term", consultation_turnout, unit="answers"
)
register_source(COMPLAINTS_ON_TIME, "Complaints answered by their deadline in the term", complaints_answered_on_time)
register_source(
    SATISFACTION, "Families satisfied with how their complaint was handled", satisfaction_with_complaint_handling
)
