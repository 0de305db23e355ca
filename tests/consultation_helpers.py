"""Consultations for tests, made straight in the database."""

from datetime import timedelta

from portal.consultations import models as m
from portal.core.time import london_today, utcnow
from portal.extensions import db


def make_consultation(
    *,
    title: str = "Renaming SEND to CAN",
    audience: str = m.EVERYONE,
    state: str = m.OPEN,
    forum_may_answer: bool = False,
    questions: list[dict] | None = None,
    **fields,
) -> m.Consultation:
    """A consultation in ``state`` (draft, upcoming, open, closed or outcome) with questions.

    ``questions`` are dicts: {"kind": ..., "prompt": ..., "required": bool, "options": [...]};
    by default one of each kind, the free-text one required.
    """
    today = london_today()
    opens_on, closes_on = {
        m.DRAFT: (today, today + timedelta(days=14)),
        m.UPCOMING: (today + timedelta(days=7), today + timedelta(days=21)),
        m.OPEN: (today - timedelta(days=7), today + timedelta(days=7)),
        m.CLOSED: (today - timedelta(days=30), today - timedelta(days=1)),
        m.OUTCOME_PUBLISHED: (today - timedelta(days=60), today - timedelta(days=30)),
    }[state]
    consultation = m.Consultation(
        slug=fields.pop("slug", None) or title.lower().replace(" ", "-"),
        title=title,
        summary=fields.pop("summary", f"What do you think about {title.lower()}?"),
        background=fields.pop("background", "The background to the question."),
        audience=audience,
        opens_on=fields.pop("opens_on", opens_on),
        closes_on=fields.pop("closes_on", closes_on),
        forum_may_answer=forum_may_answer,
        published_at=None if state == m.DRAFT else utcnow(),
        **fields,
    )
    if state == m.OUTCOME_PUBLISHED:
        consultation.we_asked = consultation.we_asked or "We asked what you thought."
        consultation.you_said = consultation.you_said or "You said it mattered."
        consultation.we_did = consultation.we_did or "We changed it."
        consultation.outcome_published_at = utcnow()
    for position, spec in enumerate(questions if questions is not None else DEFAULT_QUESTIONS):
        question = m.Question(
            position=position,
            kind=spec["kind"],
            prompt=spec["prompt"],
            required=spec.get("required", False),
            hint=spec.get("hint"),
        )
        question.options = [
            m.QuestionOption(position=i, label=label) for i, label in enumerate(spec.get("options", []))
        ]
        consultation.questions.append(question)
    db.session.add(consultation)
    db.session.commit()
    return consultation


DEFAULT_QUESTIONS = [
    {"kind": m.FREE_TEXT, "prompt": "What do you think?", "required": True},
    {"kind": m.CHOOSE_ONE, "prompt": "Which name do you prefer?", "options": ["SEND", "CAN", "Something else"]},
    {
        "kind": m.CHOOSE_SEVERAL,
        "prompt": "Where should the new name appear?",
        "options": ["Letters", "Website", "Schools"],
    },
    {"kind": m.SCALE, "prompt": "How much does the name matter to you?"},
]
