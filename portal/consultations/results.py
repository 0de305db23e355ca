"""What a consultation's answers add up to, for managers: counts computed in the database, and
every free-text answer with its moderation and its learning themes.

Counts take in every submitted response, whatever its moderation: moderation decides what the
public board shows, not whose view is counted.
"""

from dataclasses import dataclass, field

import sqlalchemy as sa

from portal.consultations import models as m
from portal.core import audit
from portal.extensions import db
from portal.themes.queries import active_themes

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {"consultation_answer.themes_changed": "Learning themes changed"}


@dataclass
class Bar:
    label: str
    count: int
    percent: int  # of the people who answered the question, rounded


@dataclass
class Chart:
    question: m.Question
    answered: int
    bars: list[Bar] = field(default_factory=list)

    @property
    def most(self) -> int:
        return max((bar.count for bar in self.bars), default=0)


@dataclass
class Totals:
    responses: int
    forum: int
    # How many responses came by each channel (online, paper, phone, in person), every channel listed.
    by_channel: dict[str, int] = field(default_factory=dict)

    @property
    def offline(self) -> int:
        return sum(count for channel, count in self.by_channel.items() if channel != m.ONLINE)


def _submitted(consultation: m.Consultation):
    return sa.and_(m.Response.consultation_id == consultation.id, m.Response.submitted_at.is_not(None))


def totals(consultation: m.Consultation) -> Totals:
    """Everyone who took part, online or not, and how many came by each channel: one query."""
    rows = db.session.execute(
        sa.select(
            m.Response.channel,
            sa.func.count(m.Response.id),
            sa.func.coalesce(sa.func.sum(sa.case((m.Response.voice == m.FORUM_VOICE, 1), else_=0)), 0),
        )
        .where(_submitted(consultation))
        .group_by(m.Response.channel)
    ).all()
    by_channel = dict.fromkeys(m.CHANNEL_LABELS, 0)
    for channel, count, _ in rows:
        by_channel[channel] = int(count)
    return Totals(sum(by_channel.values()), sum(int(forum) for _, _, forum in rows), by_channel)


def _percent(count: int, of: int) -> int:
    return round(count * 100 / of) if of else 0


def charts(consultation: m.Consultation) -> list[Chart]:
    """For each choose-one, choose-several and scale question, how many chose each option or
    point: three grouped queries, whatever the number of questions or answers."""
    option_counts = dict(
        db.session.execute(
            sa.select(m.answer_choice.c.option_id, sa.func.count())
            .join(m.Answer, m.Answer.id == m.answer_choice.c.answer_id)
            .join(m.Response, m.Response.id == m.Answer.response_id)
            .where(_submitted(consultation))
            .group_by(m.answer_choice.c.option_id)
        ).all()
    )
    # The people who chose at least one option, per question: the base for percentages.
    chose = dict(
        db.session.execute(
            sa.select(m.Answer.question_id, sa.func.count(sa.distinct(m.Answer.id)))
            .join(m.answer_choice, m.answer_choice.c.answer_id == m.Answer.id)
            .join(m.Response, m.Response.id == m.Answer.response_id)
            .where(_submitted(consultation))
            .group_by(m.Answer.question_id)
        ).all()
    )
    scale_counts: dict[int, dict[int, int]] = {}
    for question_id, point, count in db.session.execute(
        sa.select(m.Answer.question_id, m.Answer.scale, sa.func.count())
        .join(m.Response, m.Response.id == m.Answer.response_id)
        .where(_submitted(consultation), m.Answer.scale.is_not(None))
        .group_by(m.Answer.question_id, m.Answer.scale)
    ):
        scale_counts.setdefault(question_id, {})[point] = count

    results = []
    for question in consultation.questions:
        if question.has_options:
            answered = chose.get(question.id, 0)
            bars = [
                Bar(option.label, option_counts.get(option.id, 0), _percent(option_counts.get(option.id, 0), answered))
                for option in question.options
            ]
        elif question.kind == m.SCALE:
            points = scale_counts.get(question.id, {})
            answered = sum(points.values())
            bars = [
                Bar(_scale_label(question, point), points.get(point, 0), _percent(points.get(point, 0), answered))
                for point in m.SCALE_POINTS
            ]
        else:
            continue
        results.append(Chart(question, answered, bars))
    return results


def _scale_label(question: m.Question, point: int) -> str:
    if point == m.SCALE_POINTS[0] and question.scale_low_label:
        return f"{point} ({question.scale_low_label})"
    if point == m.SCALE_POINTS[-1] and question.scale_high_label:
        return f"{point} ({question.scale_high_label})"
    return str(point)


def text_answers(consultation: m.Consultation) -> dict[int, list[m.Answer]]:
    """Every submitted free-text answer with words, by question id, oldest response first,
    with its response, author and themes loaded: two queries."""
    answers = db.session.scalars(
        sa.select(m.Answer)
        .join(m.Response, m.Response.id == m.Answer.response_id)
        .join(m.Question, m.Question.id == m.Answer.question_id)
        .where(
            _submitted(consultation),
            m.Question.kind == m.FREE_TEXT,
            m.Answer.text.is_not(None),
            m.Answer.text != "",
        )
        .options(
            db.contains_eager(m.Answer.response).joinedload(m.Response.author),
            db.selectinload(m.Answer.themes),
        )
        .order_by(m.Response.submitted_at, m.Answer.id)
    ).all()
    by_question: dict[int, list[m.Answer]] = {}
    for answer in answers:
        by_question.setdefault(answer.question_id, []).append(answer)
    return by_question


def answer_in(consultation: m.Consultation, answer_id: int) -> m.Answer | None:
    """A free-text answer of a submitted response to this consultation, or None."""
    return db.session.scalar(
        sa.select(m.Answer)
        .join(m.Response, m.Response.id == m.Answer.response_id)
        .join(m.Question, m.Question.id == m.Answer.question_id)
        .where(m.Answer.id == answer_id, _submitted(consultation), m.Question.kind == m.FREE_TEXT)
        .options(db.contains_eager(m.Answer.response).joinedload(m.Response.author), db.selectinload(m.Answer.themes))
    )


def set_answer_themes(actor, answer: m.Answer, theme_ids: list[int]) -> bool:
    """Tag an answer with the chosen active themes (none is fine). A retired theme it already
    has stays: it can no longer be offered, so leaving it off the form is not a choice."""
    wanted = set(theme_ids)
    chosen = [theme for theme in active_themes() if theme.id in wanted]
    kept = [theme for theme in answer.themes if not theme.active]
    new = sorted({theme.id: theme for theme in chosen + kept}.values(), key=lambda theme: theme.name)
    old_ids = sorted(theme.id for theme in answer.themes)
    new_ids = sorted(theme.id for theme in new)
    if old_ids == new_ids:
        return False
    answer.themes = new
    audit.record(
        actor,
        "consultation_answer.themes_changed",
        answer,
        added=sorted(set(new_ids) - set(old_ids)),
        removed=sorted(set(old_ids) - set(new_ids)),
    )
    return True
