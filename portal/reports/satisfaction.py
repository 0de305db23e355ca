"""What families said about how their complaints were handled (the satisfaction survey sent
when a stage closes, portal.feedback.survey), counted per period: by stage, by category and
overall, with the number who answered.

An answer counts in the period it was given (by when the family pressed the button). Groups
of fewer than MIN_GROUP answers show "fewer than 5" rather than figures, so that no family can
be recognised from them; and where only one group of a breakdown would be kept back, the next
smallest is kept back too, so that it cannot be worked out from the total. Counts only, never
what a family wrote. A period costs one query, and a run of terms one query in all.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

import sqlalchemy as sa

from portal.core.complaint_code import STAGE_LABELS, STAGES
from portal.core.disclosure import FEWER, MIN_GROUP
from portal.core.time import utcnow
from portal.extensions import db
from portal.feedback.models import Case, Category
from portal.feedback.survey_models import NO, PARTLY, YES, SatisfactionSurvey
from portal.reports.complaints import NO_CATEGORY, Period, percent

SATISFIED = (4, 5)  # "satisfied" or "very satisfied"


@dataclass(frozen=True)
class Satisfaction:
    """The answers of one group of families."""

    label: str
    answered: int = 0
    satisfied: int = 0  # answered 4 or 5
    score_total: int = 0
    listened: int = 0
    partly_listened: int = 0
    not_listened: int = 0
    held_back: bool = False  # kept back so that a small group elsewhere cannot be worked out

    @property
    def suppressed(self) -> bool:
        return self.held_back or self.answered < MIN_GROUP

    @property
    def satisfied_percent(self) -> int | None:
        return None if self.suppressed else percent(self.satisfied, self.answered)

    @property
    def listened_percent(self) -> int | None:
        return None if self.suppressed else percent(self.listened, self.answered)

    @property
    def average(self) -> str | None:
        """The mean score out of 5, to one decimal place."""
        if self.suppressed or not self.answered:
            return None
        return f"{self.score_total / self.answered:.1f}"

    @property
    def answered_shown(self) -> str:
        return FEWER if self.answered < MIN_GROUP else str(self.answered)

    def __add__(self, other: "Satisfaction") -> "Satisfaction":
        return Satisfaction(
            self.label,
            self.answered + other.answered,
            self.satisfied + other.satisfied,
            self.score_total + other.score_total,
            self.listened + other.listened,
            self.partly_listened + other.partly_listened,
            self.not_listened + other.not_listened,
        )


@dataclass
class SatisfactionResults:
    period: Period
    invited: int | None = None  # how many families were asked in the period, where counted
    overall: Satisfaction = field(default_factory=lambda: Satisfaction("All complaints"))
    stages: list[Satisfaction] = field(default_factory=list)
    categories: list[Satisfaction] = field(default_factory=list)

    @property
    def answered(self) -> int:
        return self.overall.answered

    def figures(self) -> list[tuple[str, str, str, int | str | None]]:
        """Every figure as (section, measure, breakdown, value), small groups as "fewer than 5"."""
        rows = []
        for group in [self.overall, *self.stages, *self.categories]:
            rows.append(("Satisfaction", "Families who answered", group.label, group.answered_shown))
            if not group.suppressed:
                rows.append(
                    ("Satisfaction", "Satisfied with how it was handled (%)", group.label, group.satisfied_percent)
                )
                rows.append(("Satisfaction", "Felt listened to (%)", group.label, group.listened_percent))
        return rows


def _protected(groups: list[Satisfaction]) -> list[Satisfaction]:
    """Keep back the next smallest group where exactly one would be kept back, so that the
    small one cannot be worked out from the total."""
    small = [group for group in groups if 0 < group.answered < MIN_GROUP]
    if len(small) != 1:
        return groups
    shown = sorted((g for g in groups if g.answered >= MIN_GROUP), key=lambda g: (g.answered, g.label))
    if not shown:
        return groups
    other = shown[0]
    return [replace(group, held_back=True) if group is other else group for group in groups]


def _counts():
    score = SatisfactionSurvey.satisfaction
    return (
        sa.func.count().label("answered"),
        sa.func.count(sa.case((score.in_(SATISFIED), 1))).label("satisfied"),
        sa.func.coalesce(sa.func.sum(score), 0).label("score_total"),
        sa.func.count(sa.case((SatisfactionSurvey.listened == YES, 1))).label("listened"),
        sa.func.count(sa.case((SatisfactionSurvey.listened == PARTLY, 1))).label("partly_listened"),
        sa.func.count(sa.case((SatisfactionSurvey.listened == NO, 1))).label("not_listened"),
    )


def _group(label: str, row) -> Satisfaction:
    return Satisfaction(
        label,
        row.answered,
        row.satisfied,
        int(row.score_total or 0),
        row.listened,
        row.partly_listened,
        row.not_listened,
    )


def satisfaction_results(period: Period, now: datetime | None = None, *, invited: bool = False) -> SatisfactionResults:
    """The answers given in ``period`` (up to now, while it is going on): one query, and one
    more for how many families were asked in the period, if ``invited``."""
    end = min(now or utcnow(), period.ends_at)
    start = period.starts_at
    results = SatisfactionResults(period=period)
    if end <= start:
        results.stages = [Satisfaction(STAGE_LABELS[stage]) for stage in STAGES]
        return results
    answered = sa.and_(SatisfactionSurvey.answered_at >= start, SatisfactionSurvey.answered_at < end)
    rows = db.session.execute(
        sa.select(SatisfactionSurvey.stage, Category.name.label("category"), *_counts())
        .select_from(SatisfactionSurvey)
        .join(Case, Case.id == SatisfactionSurvey.case_id)
        .outerjoin(Category, Category.id == Case.category_id)
        .where(answered)
        .group_by(SatisfactionSurvey.stage, Category.name)
    ).all()
    if invited:
        results.invited = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(SatisfactionSurvey)
            .where(SatisfactionSurvey.invited_at >= start, SatisfactionSurvey.invited_at < end)
        )
    stages = {stage: Satisfaction(STAGE_LABELS[stage]) for stage in STAGES}
    categories: dict[str, Satisfaction] = {}
    overall = Satisfaction("All complaints")
    for row in rows:
        group = _group("", row)
        overall = overall + group
        if row.stage in stages:
            stages[row.stage] = replace(stages[row.stage] + group, label=STAGE_LABELS[row.stage])
        name = row.category or NO_CATEGORY
        categories[name] = replace(categories.get(name, Satisfaction(name)) + group, label=name)
    results.overall = replace(overall, label="All complaints")
    results.stages = _protected([stages[stage] for stage in STAGES])
    results.categories = _protected(sorted(categories.values(), key=lambda group: group.label))
    return results


@dataclass(frozen=True)
class TermSatisfaction:
    term: object  # a portal.core.terms.Term
    overall: Satisfaction


def trend(terms: Iterable, now: datetime | None = None) -> list[TermSatisfaction]:
    """Each term's answers overall, oldest term first: one query for them all."""
    terms = sorted(terms)
    if not terms:
        return []
    now = now or utcnow()
    whens = [
        (
            sa.and_(SatisfactionSurvey.answered_at >= term.starts_at, SatisfactionSurvey.answered_at < term.ends_at),
            sa.literal(term.slug, sa.String(20)),
        )
        for term in terms
    ]
    term_of = sa.case(*whens, else_=sa.null()).label("term")
    inner = (
        sa.select(term_of, SatisfactionSurvey.satisfaction, SatisfactionSurvey.listened)
        .where(
            SatisfactionSurvey.answered_at >= terms[0].starts_at,
            SatisfactionSurvey.answered_at < min(terms[-1].ends_at, now),
        )
        .subquery()
    )
    score = inner.c.satisfaction
    rows = db.session.execute(
        sa.select(
            inner.c.term,
            sa.func.count().label("answered"),
            sa.func.count(sa.case((score.in_(SATISFIED), 1))).label("satisfied"),
            sa.func.coalesce(sa.func.sum(score), 0).label("score_total"),
            sa.func.count(sa.case((inner.c.listened == YES, 1))).label("listened"),
            sa.func.count(sa.case((inner.c.listened == PARTLY, 1))).label("partly_listened"),
            sa.func.count(sa.case((inner.c.listened == NO, 1))).label("not_listened"),
        )
        .where(inner.c.term.is_not(None))
        .group_by(inner.c.term)
    ).all()
    found = {row.term: row for row in rows}
    return [
        TermSatisfaction(term, _group(term.label, found[term.slug]) if term.slug in found else Satisfaction(term.label))
        for term in terms
    ]
