"""The rules for answering a consultation and reacting to answers on the board.

Who may answer (the audience, approved youth members), when (only while open), in which voice
(their own, or the youth forum's collective voice when the consultation allows it), what a
draft and a sent response may still change (a sent response is locked; after closing, so is a
draft), what moderation a sent response waits for, and "I agree" (given and taken back) and
comments on the board.
Plain functions: they take what they need, never the request; they record audit events and
leave the commit to the caller.
"""

from datetime import date

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import joinedload, selectinload

from portal.accounts import roles
from portal.consultations.models import (
    APPROVED,
    CHOOSE_ONE,
    CHOOSE_SEVERAL,
    CLOSED,
    EVERYONE,
    FORUM_VOICE,
    FREE_TEXT,
    OPEN,
    OUTCOME_PUBLISHED,
    OWN_VOICE,
    PARENTS,
    PENDING,
    PRIVATE,
    PUBLIC,
    SCALE,
    SCALE_POINTS,
    UPCOMING,
    YOUTH_FORUM,
    Agreement,
    Answer,
    Comment,
    Consultation,
    Question,
    Response,
)
from portal.core import audit
from portal.core.time import format_date, format_day, london_today, utcnow
from portal.extensions import db

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "consultation.response_submitted": "Answers sent to a consultation",
    "consultation.comment_added": "Comment added to an answer on the board",
}

VOICES = (OWN_VOICE, FORUM_VOICE)
# Who a consultation asks, as words in a sentence: "This consultation is for ...".
AUDIENCE_WORDS = {
    YOUTH_FORUM: "members of the youth forum",
    PARENTS: "parents and carers",
    EVERYONE: "parents, carers and members of the youth forum",
}
VISIBILITIES = (PUBLIC, PRIVATE)
ANSWER_MAX = 5000
COMMENT_MAX = 2000


class Refused(Exception):
    """Something the rules do not allow, in words for the person."""


class NotForYou(Refused):
    """The person is not in the audience asked, or may not use this voice (403)."""


class NotOpen(Refused):
    """The consultation is not open: coming up, closed, or its outcome is out."""


class Locked(Refused):
    """The answers were sent already, so they can no longer change."""


class Incomplete(Exception):
    """Answers sent without every required question answered, or without choosing who can
    see them. Nothing is saved."""

    def __init__(self, missing: list[Question], visibility_missing: bool = False):
        super().__init__("some required answers are missing")
        self.missing = missing
        self.visibility_missing = visibility_missing


# --- who, when, which voice ------------------------------------------------------------------


def not_for_you_reason(consultation: Consultation, user) -> str | None:
    """Why ``user`` may not answer this consultation, in words, or None if they may."""
    if consultation.is_for(user):
        return None
    if (
        user.is_authenticated
        and user.role == roles.YOUTH
        and user.awaiting_approval
        and consultation.audience != PARENTS
    ):
        return (
            "The council is still checking that you are a member of the youth forum. "
            "You can answer once your account is approved: we will email you."
        )
    return f"This consultation is for {AUDIENCE_WORDS[consultation.audience]}."


def may_use_voice(consultation: Consultation, user, voice: str) -> bool:
    """Everyone in the audience answers in their own voice; youth forum members may also
    answer for the forum as a whole when the consultation asks for it."""
    if voice == OWN_VOICE:
        return True
    return voice == FORUM_VOICE and consultation.forum_may_answer and user.role == roles.YOUTH


FORUM_ANSWER_TAKEN = (
    "Another youth forum member is already writing the youth forum's answer: the forum gives one "
    "answer to each consultation. You can still answer as yourself."
)


def forum_answer_taken(consultation: Consultation, user) -> bool:
    """Whether someone else holds the youth forum's one collective answer (sent or not)."""
    return db.session.scalar(
        sa.select(
            sa.exists().where(
                Response.consultation_id == consultation.id,
                Response.voice == FORUM_VOICE,
                Response.author_id != user.id,
            )
        )
    )


def check_audience(consultation: Consultation, user, voice: str = OWN_VOICE) -> None:
    reason = not_for_you_reason(consultation, user)
    if reason:
        raise NotForYou(reason)
    if not may_use_voice(consultation, user, voice):
        raise NotForYou("Only youth forum members can answer for the youth forum.")
    if voice == FORUM_VOICE and forum_answer_taken(consultation, user):
        raise NotForYou(FORUM_ANSWER_TAKEN)


def not_open_reason(consultation: Consultation, today: date) -> str | None:
    """Why answers cannot be sent now, or None while the consultation is open."""
    state = consultation.state(today)
    if state == OPEN:
        return None
    if state == UPCOMING:
        return f"This consultation is not open yet. It opens on {format_day(consultation.opens_on)}."
    if state in (CLOSED, OUTCOME_PUBLISHED):
        return f"This consultation closed on {format_day(consultation.closes_on)}. Answers can no longer be sent or changed."
    return "This consultation is not open."


def check_open(consultation: Consultation, today: date) -> None:
    reason = not_open_reason(consultation, today)
    if reason:
        raise NotOpen(reason)


def check_unlocked(response: Response | None) -> None:
    if response is not None and not response.is_draft:
        raise Locked(f"You sent these answers on {format_date(response.submitted_at)}. They can no longer be changed.")


def find_response(consultation: Consultation, user, voice: str, *, for_update: bool = False) -> Response | None:
    """The person's response in this voice, with its answers and chosen options. With
    ``for_update`` the row is locked until commit, so two saves of one response queue."""
    query = (
        sa.select(Response)
        .where(Response.consultation_id == consultation.id, Response.author_id == user.id, Response.voice == voice)
        .options(selectinload(Response.answers).selectinload(Answer.choices))
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query)


def _insert_response(consultation: Consultation, user, voice: str) -> None:
    """Make the person's response in this voice. The insert does nothing when another request
    made it first (the unique constraint), so a double click never fails."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    now = utcnow()
    db.session.execute(
        insert(Response)
        .values(
            consultation_id=consultation.id,
            author_id=user.id,
            voice=voice,
            visibility=PRIVATE,
            moderation=PENDING,
            created_at=now,
            updated_at=now,
        )
        .on_conflict_do_nothing()
    )


# --- answers ---------------------------------------------------------------------------------


def _is_empty(value) -> bool:
    return value is None or value == "" or value == [] or value == ()


def _clean(question: Question, value):
    """What is stored for one question: stripped text, a point on the scale, or options of
    this question. Anything else is treated as no answer."""
    if _is_empty(value):
        return None
    if question.kind == FREE_TEXT:
        text = str(value).strip()[:ANSWER_MAX]
        return text or None
    if question.kind == SCALE:
        try:
            point = int(value)
        except (TypeError, ValueError):
            return None
        return point if point in SCALE_POINTS else None
    offered = {option.id: option for option in question.options}
    values = value if isinstance(value, (list, tuple, set)) else [value]
    chosen = []
    for item in values:
        try:
            option = offered.get(int(item))
        except (TypeError, ValueError):
            option = None
        if option is not None and option not in chosen:
            chosen.append(option)
    if question.kind == CHOOSE_ONE:
        chosen = chosen[:1]
    return sorted(chosen, key=lambda option: option.position) or None


def missing_answers(consultation: Consultation, answers: dict) -> list[Question]:
    """The required questions left unanswered, in the order they are asked."""
    return [
        question
        for question in consultation.questions
        if question.required and _clean(question, answers.get(question.id)) is None
    ]


def saved_answers(response: Response) -> dict:
    """A saved response's answers as submit() and save_draft() take them: by question id,
    the words, the point on the scale, or the chosen option ids."""
    values = {}
    for answer in response.answers:
        if answer.text is not None:
            values[answer.question_id] = answer.text
        elif answer.scale is not None:
            values[answer.question_id] = answer.scale
        else:
            values[answer.question_id] = [option.id for option in answer.choices]
    return values


def write_answers(response: Response, consultation: Consultation, answers: dict) -> None:
    existing = {answer.question_id: answer for answer in response.answers}
    for question in consultation.questions:
        value = _clean(question, answers.get(question.id))
        answer = existing.get(question.id)
        if value is None:
            if answer is not None:
                response.answers.remove(answer)
            continue
        if answer is None:
            answer = Answer(question=question)
            response.answers.append(answer)
        answer.text = value if question.kind == FREE_TEXT else None
        answer.scale = value if question.kind == SCALE else None
        answer.choices = value if question.kind in (CHOOSE_ONE, CHOOSE_SEVERAL) else []


def _writable(consultation: Consultation, user, voice: str, today: date) -> Response | None:
    """Check the rules before anything is written; the person's existing response, if any."""
    check_audience(consultation, user, voice)
    existing = find_response(consultation, user, voice)
    check_unlocked(existing)
    check_open(consultation, today)
    return existing


def _locked_for_writing(consultation: Consultation, user, voice: str, existing: Response | None) -> Response:
    if existing is None:
        _insert_response(consultation, user, voice)
    response = find_response(consultation, user, voice, for_update=True)
    if response is None:  # another member started the forum's answer in the meantime
        raise NotForYou(FORUM_ANSWER_TAKEN)
    check_unlocked(response)  # sent by another request in the meantime
    return response


def save_draft(
    consultation: Consultation,
    user,
    answers: dict,
    *,
    voice: str = OWN_VOICE,
    visibility: str | None = None,
    wants_learning_updates: bool = False,
    today: date | None = None,
) -> Response:
    """Keep what the person has written so far, checking nothing but the rules: the audience,
    that it is open, and that it was not sent already. ``answers`` maps question ids to text,
    a point on the scale, or option ids. A draft nobody chose a visibility for stays private."""
    existing = _writable(consultation, user, voice, today or london_today())
    response = _locked_for_writing(consultation, user, voice, existing)
    write_answers(response, consultation, answers)
    if visibility in VISIBILITIES:
        response.visibility = visibility
    response.wants_learning_updates = wants_learning_updates
    response.updated_at = utcnow()
    db.session.flush()
    return response


def moderation_on_sending(response: Response, author) -> str:
    """Everything the public could see waits for a moderator, and so does everything a young
    person or the youth forum sends; a parent's private answers go straight to the council."""
    if response.visibility == PUBLIC or response.voice == FORUM_VOICE or author.role == roles.YOUTH:
        return PENDING
    return APPROVED


def submit(
    consultation: Consultation,
    user,
    answers: dict,
    *,
    voice: str = OWN_VOICE,
    visibility: str | None,
    wants_learning_updates: bool = False,
    today: date | None = None,
) -> Response:
    """Send the answers. Every required question must be answered and a visibility chosen
    (Incomplete otherwise, and nothing is saved). From then on they are locked."""
    existing = _writable(consultation, user, voice, today or london_today())
    missing = missing_answers(consultation, answers)
    if missing or visibility not in VISIBILITIES:
        raise Incomplete(missing, visibility_missing=visibility not in VISIBILITIES)
    response = _locked_for_writing(consultation, user, voice, existing)
    write_answers(response, consultation, answers)
    response.visibility = visibility
    response.wants_learning_updates = wants_learning_updates
    now = utcnow()
    response.submitted_at = now
    response.updated_at = now
    response.moderation = moderation_on_sending(response, user)
    audit.record(
        user,
        "consultation.response_submitted",
        response,
        consultation_id=consultation.id,
        voice=voice,
        visibility=visibility,
        moderation=response.moderation,
    )
    db.session.flush()
    return response


# --- the board: "I agree" and comments -------------------------------------------------------


def on_board_response(consultation: Consultation, response_id: int) -> Response | None:
    """A response to this consultation that the board shows (None for anything else)."""
    response = db.session.scalar(
        sa.select(Response)
        .where(Response.id == response_id, Response.consultation_id == consultation.id)
        .options(joinedload(Response.author), selectinload(Response.answers).selectinload(Answer.choices))
    )
    if response is None or not response.on_board:
        return None
    return response


def check_may_react(consultation: Consultation, response: Response, user, today: date) -> None:
    """Agreeing and commenting: audience members, on someone else's answers, while open."""
    reason = not_for_you_reason(consultation, user)
    if reason:
        raise NotForYou(reason)
    if response.author_id == user.id:
        raise Refused("You cannot agree with or comment on your own answers.")
    if consultation.state(today) != OPEN:
        raise NotOpen(
            f"This consultation closed on {format_day(consultation.closes_on)}. You can no longer agree or comment."
        )


def may_react(consultation: Consultation, response: Response, user, today: date) -> bool:
    try:
        check_may_react(consultation, response, user, today)
    except Refused:
        return False
    return True


def agree(consultation: Consultation, response: Response, user, today: date | None = None) -> bool:
    """Say "I agree" with ``response``. True if counted now, False if the person already
    agreed: a person counts once, however often they press the button (the primary key)."""
    check_may_react(consultation, response, user, today or london_today())
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    # RETURNING says whether the row went in: a driver's rowcount for an INSERT that may do
    # nothing is not to be trusted on every database.
    inserted = db.session.execute(
        insert(Agreement)
        .values(response_id=response.id, user_id=user.id, created_at=utcnow())
        .on_conflict_do_nothing()
        .returning(Agreement.user_id)
    ).first()
    return inserted is not None


def take_back_agreement(consultation: Consultation, response: Response, user, today: date | None = None) -> bool:
    """Take back an "I agree" with ``response``, under the same rules as giving it. True if
    one was taken back now, False if the person did not agree (or had already taken it back)."""
    check_may_react(consultation, response, user, today or london_today())
    result = db.session.execute(
        sa.delete(Agreement).where(Agreement.response_id == response.id, Agreement.user_id == user.id)
    )
    return result.rowcount == 1


def add_comment(consultation: Consultation, response: Response, user, body: str, today: date | None = None) -> Comment:
    """A comment under ``response``, shown once a moderator approves it."""
    check_may_react(consultation, response, user, today or london_today())
    body = (body or "").strip()
    if not body:
        raise ValueError("a comment needs words")
    comment = Comment(response=response, author_id=user.id, body=body[:COMMENT_MAX], moderation=PENDING)
    db.session.add(comment)
    audit.record(user, "consultation.comment_added", comment, response_id=response.id, consultation_id=consultation.id)
    return comment
