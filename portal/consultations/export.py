"""A consultation's responses as rows for a spreadsheet: one row per submitted response.

Exports leave the building, so they name no one: the author's role, never their name or
email. Hidden responses are kept and marked; the words of a post passed to safeguarding are
withheld. Comments are not exported. portal.core.exports makes every cell formula-safe.
"""

from collections.abc import Iterator

import sqlalchemy as sa

from portal.accounts import roles
from portal.consultations import models as m
from portal.core.time import LONDON
from portal.extensions import db

VOICE_LABELS = {m.OWN_VOICE: "Own", m.FORUM_VOICE: "Youth forum (collective)"}
VISIBILITY_LABELS = {m.PUBLIC: "Public", m.PRIVATE: "Private"}
WITHHELD = "Withheld: passed to safeguarding"


def filename(consultation: m.Consultation) -> str:
    return f"consultation-{consultation.slug}-responses.csv"


def header(consultation: m.Consultation) -> list[str]:
    return [
        "Response ID",
        "Submitted",
        "Voice",
        "Visibility",
        "Moderation",
        "Words removed",
        "Author role",
        *(question.prompt for question in consultation.questions),
        "Themes",
    ]


def _cell(question: m.Question, answer: m.Answer | None, response: m.Response):
    if answer is None:
        return None
    if question.kind == m.SCALE:
        return answer.scale
    if question.has_options:
        return "; ".join(option.label for option in answer.choices)
    if response.moderation == m.SAFEGUARDING and answer.text:
        return WITHHELD
    return answer.text


def _who(response: m.Response) -> str:
    """The author's role; for answers entered by staff, who gave them and how. Nothing once
    the retention schedule has anonymised the response."""
    if response.channel != m.ONLINE:
        who = m.PARTICIPANT_LABELS.get(response.participant or "", "")
        return f"{who} ({m.CHANNEL_LABELS[response.channel].lower()})" if who else ""
    return roles.LABELS.get(response.author.role, response.author.role) if response.author else ""


def rows(consultation: m.Consultation) -> Iterator[list]:
    """The rows, oldest response first: three queries, however many responses."""
    responses = db.session.scalars(
        sa.select(m.Response)
        .where(m.Response.consultation_id == consultation.id, m.Response.submitted_at.is_not(None))
        .options(
            db.joinedload(m.Response.author),
            db.selectinload(m.Response.answers).selectinload(m.Answer.choices),
            db.selectinload(m.Response.answers).selectinload(m.Answer.themes),
        )
        .order_by(m.Response.submitted_at, m.Response.id)
    ).all()
    questions = consultation.questions
    for response in responses:
        answers = {answer.question_id: answer for answer in response.answers}
        themes = sorted({theme.name for answer in response.answers for theme in answer.themes})
        yield [
            response.id,
            response.submitted_at.astimezone(LONDON).date(),
            VOICE_LABELS[response.voice],
            VISIBILITY_LABELS[response.visibility],
            m.MODERATION_LABELS[response.moderation],
            response.redacted_at is not None,
            _who(response),
            *(_cell(question, answers.get(question.id), response) for question in questions),
            "; ".join(themes),
        ]
