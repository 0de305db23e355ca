"""The evidence behind a You Said, We Did entry: what families told the council about one
learning theme in one term, as counts.

- Feedback: complaints, compliments and suggestions received in the term (by the London date
  they arrived) whose outcome, at either stage, was tagged with the theme. A case with outcomes
  at both stages counts once.
- Consultation answers tagged with the theme, from responses sent in the term.
- Families' comments in the satisfaction survey tagged with the theme, by the day they answered.

Counts for any number of (theme, term) pairs come from three queries: one for cases, one for
answers and one for survey comments, each grouping by theme and by a CASE expression that names the term a timestamp falls
in. Terms are compared as UTC instants worked out here from the London dates, so the SQL is the
same on SQLite and PostgreSQL. Nothing here ever reads what a family wrote.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, time, timezone

import sqlalchemy as sa

from portal.casework.models import CaseOutcome, outcome_theme
from portal.consultations.models import Answer, Response, answer_theme
from portal.core import kept_figures
from portal.core.kept_figures import OldValueUnknown, instants, values_of
from portal.core.terms import Term, parse_term
from portal.core.time import LONDON, utcnow
from portal.extensions import db
from portal.feedback.models import COMPLAINT, COMPLIMENT, SUGGESTION, Case
from portal.feedback.survey_models import SatisfactionSurvey, survey_theme

# The kinds of feedback counted, with the field each is counted in.
FEEDBACK_KINDS = {COMPLAINT: "complaints", COMPLIMENT: "compliments", SUGGESTION: "suggestions"}


@dataclass(frozen=True)
class Evidence:
    complaints: int = 0
    compliments: int = 0
    suggestions: int = 0
    answers: int = 0
    survey_comments: int = 0  # what families wrote when asked how their complaint was handled

    @property
    def feedback(self) -> int:
        return self.complaints + self.compliments + self.suggestions

    @property
    def total(self) -> int:
        return self.feedback + self.answers + self.survey_comments

    def as_dict(self) -> dict[str, int]:
        return {
            "complaints": self.complaints,
            "compliments": self.compliments,
            "suggestions": self.suggestions,
            "consultation_answers": self.answers,
            "survey_comments": self.survey_comments,
        }


NONE = Evidence()


def evidence_sentence(evidence: Evidence) -> str:
    """The counts in a sentence, for the feed and the PDF (pages use yousaid/_macros.html)."""

    def many(number: int, one: str) -> str:
        return f"{number} {one}" if number == 1 else f"{number} {one}s"

    comments = f" and {many(evidence.survey_comments, 'survey comment')}" if evidence.survey_comments else ""
    joined = "," if comments else " and"
    return (
        f"Evidence this term: {many(evidence.complaints, 'complaint')}, {many(evidence.compliments, 'compliment')}, "
        f"{many(evidence.suggestions, 'suggestion')}{joined} {many(evidence.answers, 'consultation answer')}"
        f"{comments} about this theme."
    )


def starts_at(term: Term) -> datetime:
    """The UTC instant the term begins: midnight in London on its first day."""
    return datetime.combine(term.starts_on, time.min, tzinfo=LONDON).astimezone(timezone.utc)


def bounds(term: Term) -> tuple[datetime, datetime]:
    """[start, end) of the term as UTC instants; terms follow one another with no gap."""
    return starts_at(term), starts_at(term.next())


def _term_of(column, terms: list[Term]):
    """SQL naming the term (its slug) ``column`` falls in, or NULL outside ``terms``."""
    whens = []
    for term in terms:
        start, end = bounds(term)
        whens.append((sa.and_(column >= start, column < end), sa.literal(term.slug, sa.String(20))))
    return sa.case(*whens, else_=sa.null())


def _window(column, terms: list[Term]):
    return sa.and_(column >= bounds(terms[0])[0], column < bounds(terms[-1])[1])


def _response_changed(session, response: Response) -> list[datetime]:
    """A response counts by the moment it was sent: one never sent changes no evidence."""
    if not any(values_of(session, response, "submitted_at")):
        return []
    return instants(session, response)


def _answer_changed(session, answer: Answer) -> list[datetime]:
    """An answer counts by the moment its response was sent (a change to the response's own
    sending is the response's change)."""
    response = answer.__dict__.get("response") or (
        session.get(Response, answer.response_id) if answer.response_id is not None else None
    )
    if response is None:
        raise OldValueUnknown("response_id")
    return [*instants(session, answer), *([response.submitted_at] if response.submitted_at else [])]


# Besides the cases' tables (watched by casework), evidence counts consultation answers: an
# answer's themes change through the answer, or by statements that may touch any term.
kept_figures.watch(Response.__table__, since=_response_changed)
kept_figures.watch(Answer.__table__, since=_answer_changed)
kept_figures.watch(answer_theme)
# Survey comments count by the moment the family answered; their themes change through the link.
kept_figures.watch(SatisfactionSurvey.__table__, since=instants)
kept_figures.watch(survey_theme)


def evidence_for(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Evidence]:
    """Evidence for each (theme id, term slug) pair, in three queries however many pairs, or in
    one while the evidence kept from the last time is still good (portal.core.kept_figures).
    Each term's evidence is kept on its own, so a change to this term's cases leaves the
    evidence of the terms before it in use.

    Pairs whose term slug is not a term get no evidence. Look results up with ``.get(pair, NONE)``.
    """
    by_term: dict[Term, list[tuple[int, str]]] = {}
    for theme_id, slug in sorted(set(pairs)):
        if (term := parse_term(slug)) is not None:
            by_term.setdefault(term, []).append((theme_id, slug))
    if not by_term:
        return {}
    # Evidence counts what was received and answered, never what is overdue: no day to depend on.
    parts = {
        term: kept_figures.Kept(
            f"evidence {term.slug} " + hashlib.sha256(json.dumps(found).encode()).hexdigest(),
            ends_at=bounds(term)[1],
            as_of_day=None,
        )
        for term, found in by_term.items()
    }

    def count(terms: list[Term]) -> dict[Term, dict[tuple[int, str], Evidence]]:
        found = count_evidence(pair for term in terms for pair in by_term[term])
        return {term: {pair: found[pair] for pair in by_term[term] if pair in found} for term in terms}

    per_term = kept_figures.counted_each(
        parts,
        count,
        now=utcnow(),
        to_figures=lambda found: [[*pair, asdict(evidence)] for pair, evidence in found.items()],
        from_figures=lambda rows: {(theme_id, slug): Evidence(**counts) for theme_id, slug, counts in rows},
    )
    return {pair: evidence for found in per_term.values() for pair, evidence in found.items()}


def _count_tagged(counts: dict, key: str, theme_id, dated, joins: list, theme_ids, terms) -> None:
    """Add to ``counts`` how many rows carry each theme per term, under ``key``: rows reached
    from the link table's ``theme_id`` column through ``joins``, dated by ``dated``."""
    tagged = sa.select(theme_id.label("theme_id"), _term_of(dated, terms).label("term")).select_from(theme_id.table)
    for target, on in joins:
        tagged = tagged.join(target, on)
    tagged = tagged.where(theme_id.in_(theme_ids), dated.is_not(None), _window(dated, terms)).subquery()
    rows = db.session.execute(
        sa.select(tagged.c.theme_id, tagged.c.term, sa.func.count())
        .where(tagged.c.term.is_not(None))
        .group_by(tagged.c.theme_id, tagged.c.term)
    )
    for found_theme, slug, number in rows:
        counts.setdefault((found_theme, slug), {})[key] = number


def count_evidence(pairs: Iterable[tuple[int, str]]) -> dict[tuple[int, str], Evidence]:
    """evidence_for() counted from the cases and answers now, without the kept evidence."""
    pairs = {(theme_id, slug) for theme_id, slug in pairs}
    terms = sorted({term for _, slug in pairs if (term := parse_term(slug)) is not None})
    theme_ids = sorted({theme_id for theme_id, slug in pairs if parse_term(slug) is not None})
    if not terms:
        return {}
    counts: dict[tuple[int, str], dict[str, int]] = {}

    # Feedback: each case once per theme, however many of its outcomes carry the theme.
    tagged = (
        sa.select(
            outcome_theme.c.theme_id.label("theme_id"),
            Case.id.label("case_id"),
            Case.kind.label("kind"),
            _term_of(Case.received_at, terms).label("term"),
        )
        .select_from(Case)
        .join(CaseOutcome, CaseOutcome.case_id == Case.id)
        .join(outcome_theme, outcome_theme.c.outcome_id == CaseOutcome.id)
        .where(
            outcome_theme.c.theme_id.in_(theme_ids),
            Case.kind.in_(tuple(FEEDBACK_KINDS)),
            _window(Case.received_at, terms),
        )
        .distinct()
        .subquery()
    )
    rows = db.session.execute(
        sa.select(tagged.c.theme_id, tagged.c.term, tagged.c.kind, sa.func.count())
        .where(tagged.c.term.is_not(None))
        .group_by(tagged.c.theme_id, tagged.c.term, tagged.c.kind)
    )
    for theme_id, slug, kind, number in rows:
        counts.setdefault((theme_id, slug), {})[FEEDBACK_KINDS[kind]] = number

    # Consultation answers and survey comments: each carries a theme at most once (the link
    # tables' keys).
    _count_tagged(
        counts,
        "answers",
        answer_theme.c.theme_id,
        Response.submitted_at,
        [(Answer, Answer.id == answer_theme.c.answer_id), (Response, Response.id == Answer.response_id)],
        theme_ids,
        terms,
    )
    _count_tagged(
        counts,
        "survey_comments",
        survey_theme.c.theme_id,
        SatisfactionSurvey.answered_at,
        [(SatisfactionSurvey, SatisfactionSurvey.id == survey_theme.c.survey_id)],
        theme_ids,
        terms,
    )

    return {pair: Evidence(**counts[pair]) for pair in pairs if pair in counts}


def evidence_of(entries) -> dict[int, Evidence]:
    """Evidence for each entry (by id), for a page listing many entries: three queries."""
    found = evidence_for((entry.theme_id, entry.term) for entry in entries)
    return {entry.id: found.get((entry.theme_id, entry.term), NONE) for entry in entries}
