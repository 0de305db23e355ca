"""Measures the portal computes from its own data, one value a term.

A source is a key, a label managers choose it by, the unit and a function from a term to a
number (or None when there is nothing to count, or too little to publish). The improvement plan
computes what it can read itself; a domain above it (the reports) adds what it counts with
``register_source`` when the app starts, without this package reading it.
"""

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa

from portal.consultations.models import Consultation, Response
from portal.core.disclosure import MIN_GROUP
from portal.core.terms import Term
from portal.extensions import db
from portal.feedback.survey_models import SatisfactionSurvey

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
    # Fewer answers and a percentage could point to a family: no value is recorded.
    if row.answered < MIN_GROUP:
        return None
    return _percent(row.satisfied, row.answered)


CONSULTATION_TURNOUT = "consultation_turnout"
# Counted by the annual complaints report (every stage, by the deadline that applied), which
# registers it when the app starts (portal.reports.board_pack.register_measures).
COMPLAINTS_ON_TIME = "complaints_on_time"
COMPLAINTS_ON_TIME_LABEL = "Complaints answered by their deadline in the term"
SATISFACTION = "complaint_satisfaction"

register_source(
    CONSULTATION_TURNOUT, "Answers per consultation closed in the term", consultation_turnout, unit="answers"
)
register_source(
    SATISFACTION, "Families satisfied with how their complaint was handled", satisfaction_with_complaint_handling
)
