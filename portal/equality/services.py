"""Recording equality monitoring answers, and counting them for a period with small numbers
kept back (portal.core.disclosure). Recording leaves the commit to the caller; it records no
audit event, since an event would tie the answers to the person signed in."""

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.core.disclosure import Shown, protect
from portal.equality.models import EqualityResponse
from portal.equality.questions import NOT_ANSWERED_LABEL, QUESTIONS, SOURCE_LABELS, Question
from portal.extensions import db


def record(source: str, answers: dict[str, str | None], today: date) -> EqualityResponse | None:
    """Keep one person's answers, unless every question was left blank. Answers that are not
    one of a question's choices are left out."""
    if source not in SOURCE_LABELS:
        raise ValueError(f"unknown source {source!r}")
    kept = {}
    for question in QUESTIONS:
        value = answers.get(question.key)
        kept[question.key] = value if value in dict(question.choices) else None
    if not any(kept.values()):
        return None
    response = EqualityResponse(source=source, answered_on=today, **kept)
    db.session.add(response)
    db.session.flush()
    return response


@dataclass(frozen=True)
class AnswerCount:
    label: str
    shown: Shown


@dataclass(frozen=True)
class QuestionCounts:
    question: Question
    answers: list[AnswerCount]
    total: Shown


@dataclass(frozen=True)
class EqualityResults:
    starts_on: date
    ends_on: date
    responses: int
    questions: list[QuestionCounts]

    def figures(self) -> list[tuple[str, str, str, str]]:
        """Every count as (section, measure, breakdown, value), small numbers kept back."""
        rows = []
        for counts in self.questions:
            for answer in counts.answers:
                rows.append(("Equality monitoring", counts.question.text, answer.label, answer.shown.text))
            rows.append(("Equality monitoring", counts.question.text, "Total", counts.total.text))
        return rows


def results(starts_on: date, ends_on: date) -> EqualityResults:
    """The answers given between the two days (both included), counted per question and answer:
    one query."""
    in_period = EqualityResponse.answered_on.between(starts_on, ends_on)
    selects = [
        sa.select(sa.literal(question.key).label("question"), column.label("answer"), sa.func.count().label("n"))
        .where(in_period)
        .group_by(column)
        for question in QUESTIONS
        for column in [getattr(EqualityResponse, question.key)]
    ]
    found: dict[str, dict[str | None, int]] = {question.key: {} for question in QUESTIONS}
    for row in db.session.execute(sa.union_all(*selects)):
        found[row.question][row.answer] = row.n
    responses = sum(found[QUESTIONS[0].key].values())
    return EqualityResults(starts_on, ends_on, responses, [_counted(q, found[q.key]) for q in QUESTIONS])


def _counted(question: Question, counts: dict[str | None, int]) -> QuestionCounts:
    labelled = {label: counts.get(value, 0) for value, label in question.choices}
    labelled[NOT_ANSWERED_LABEL] = counts.get(None, 0)
    shown, total = protect(labelled)
    return QuestionCounts(question, [AnswerCount(label, shown[label]) for label in labelled], total)
