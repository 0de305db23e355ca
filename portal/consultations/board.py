"""What the public board shows: the list of consultations, one consultation, and the answers
on it. Built in SQL (ordering, filtering, counting) with eager loading, so each page issues a
fixed number of queries however many consultations, responses, comments or agreements there
are. Nothing here changes data."""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from portal.consultations.models import (
    APPROVED,
    CLOSED,
    OPEN,
    OUTCOME_PUBLISHED,
    PENDING,
    PUBLIC,
    UPCOMING,
    Agreement,
    Answer,
    Comment,
    Consultation,
    Question,
    Response,
)
from portal.core.paging import Paged, clamp_page
from portal.extensions import db

RESPONSES_PER_PAGE = 20

# The board's sections, in the order they are shown.
SECTIONS = (OPEN, CLOSED, OUTCOME_PUBLISHED, UPCOMING)
SECTION_HEADINGS = {
    OPEN: "Open now",
    CLOSED: "Closed, outcome to follow",
    OUTCOME_PUBLISHED: "What happened: outcomes published",
    UPCOMING: "Coming up",
}


def closing_words(consultation: Consultation, today: date) -> str:
    """ "Closes today" on the last day, "1 day left", "5 days left" before it."""
    days = consultation.days_left(today)
    if days <= 0:
        return "Closes today"
    return f"{days} day left" if days == 1 else f"{days} days left"


# --- the board -------------------------------------------------------------------------------


def _section(today: date):
    """The consultation's section as a number (its place on the board), worked out in SQL
    exactly as Consultation.state() does in Python."""
    return sa.case(
        (Consultation.outcome_published_at.is_not(None), 2),
        (Consultation.opens_on > today, 3),
        (Consultation.closes_on >= today, 0),
        else_=1,
    )


def board(today: date) -> dict[str, list[Consultation]]:
    """Every published consultation, by section: open ones closing soonest first, closed ones
    most recently closed first, outcomes newest first, coming-up ones opening soonest first.
    Drafts never appear. One query."""
    section = _section(today)
    consultations = db.session.scalars(
        sa.select(Consultation)
        .where(Consultation.published_at.is_not(None))
        .order_by(
            section,
            sa.case((section == 0, Consultation.closes_on)).asc(),
            sa.case((section == 1, Consultation.closes_on)).desc(),
            sa.case((section == 2, Consultation.outcome_published_at)).desc(),
            sa.case((section == 3, Consultation.opens_on)).asc(),
            Consultation.title,
            Consultation.id,
        )
    ).all()
    sections: dict[str, list[Consultation]] = {name: [] for name in SECTIONS}
    for consultation in consultations:
        sections[consultation.state(today)].append(consultation)
    return sections


# --- one consultation ------------------------------------------------------------------------


def published(slug: str) -> Consultation | None:
    """The consultation at this address with its questions and their options, unless it is a
    draft (drafts are not public: the caller answers 404)."""
    return db.session.scalar(
        sa.select(Consultation)
        .where(Consultation.slug == slug, Consultation.published_at.is_not(None))
        .options(selectinload(Consultation.questions).selectinload(Question.options))
    )


def on_board_condition():
    """The SQL twin of Response.on_board: sent, public, and approved by a moderator."""
    return sa.and_(
        Response.submitted_at.is_not(None),
        Response.visibility == PUBLIC,
        Response.moderation == APPROVED,
    )


@dataclass
class ResponsesPage(Paged):
    """One page of the answers shown on the board, with what is shown under each."""

    comments: dict[int, list[Comment]] = field(default_factory=dict)
    agreements: dict[int, int] = field(default_factory=dict)
    agreed: set[int] = field(default_factory=set)


def _board_order():
    return (Response.submitted_at, Response.id)


def public_responses(consultation: Consultation, page: int = 1, viewer=None) -> ResponsesPage:
    """The page ``page`` of the consultation's answers on the board, oldest first, with their
    answers, approved comments (and ``viewer``'s own comments still waiting for a moderator,
    which nobody else sees), the number of "I agree"s and which of them ``viewer`` agrees
    with. A fixed number of queries."""
    condition = sa.and_(Response.consultation_id == consultation.id, on_board_condition())
    total = db.session.scalar(sa.select(sa.func.count(Response.id)).where(condition)) or 0
    page = clamp_page(page, total, RESPONSES_PER_PAGE)
    responses = db.session.scalars(
        sa.select(Response)
        .where(condition)
        .options(
            joinedload(Response.author),
            selectinload(Response.answers).selectinload(Answer.choices),
        )
        .order_by(*_board_order())
        .limit(RESPONSES_PER_PAGE)
        .offset((page - 1) * RESPONSES_PER_PAGE)
    ).all()
    result = ResponsesPage(items=list(responses), total=total, page=page, per_page=RESPONSES_PER_PAGE)
    ids = [response.id for response in responses]
    if not ids:
        return result

    signed_in = viewer is not None and viewer.is_authenticated
    shown = Comment.moderation == APPROVED
    if signed_in:
        shown = sa.or_(shown, sa.and_(Comment.moderation == PENDING, Comment.author_id == viewer.id))
    for comment in db.session.scalars(
        sa.select(Comment)
        .where(Comment.response_id.in_(ids), shown)
        .options(joinedload(Comment.author))
        .order_by(Comment.created_at, Comment.id)
    ):
        result.comments.setdefault(comment.response_id, []).append(comment)

    result.agreements = dict(
        db.session.execute(
            sa.select(Agreement.response_id, sa.func.count())
            .where(Agreement.response_id.in_(ids))
            .group_by(Agreement.response_id)
        ).all()
    )
    if signed_in:
        result.agreed = set(
            db.session.scalars(
                sa.select(Agreement.response_id).where(Agreement.response_id.in_(ids), Agreement.user_id == viewer.id)
            )
        )
    return result


def page_of(response: Response) -> int:
    """Which page of the board's answers ``response`` is on, to link straight to it."""
    submitted_at, response_id = response.submitted_at, response.id
    before = (
        db.session.scalar(
            sa.select(sa.func.count(Response.id)).where(
                Response.consultation_id == response.consultation_id,
                on_board_condition(),
                sa.or_(
                    Response.submitted_at < submitted_at,
                    sa.and_(Response.submitted_at == submitted_at, Response.id < response_id),
                ),
            )
        )
        or 0
    )
    return before // RESPONSES_PER_PAGE + 1


def own_responses(consultation: Consultation, user) -> dict[str, Response]:
    """The signed-in person's responses to this consultation, by voice (own, forum)."""
    if not user.is_authenticated:
        return {}
    responses = db.session.scalars(
        sa.select(Response).where(Response.consultation_id == consultation.id, Response.author_id == user.id)
    ).all()
    return {response.voice: response for response in responses}


def answers_by_question(response: Response) -> dict[int, Answer]:
    return {answer.question_id: answer for answer in response.answers}
