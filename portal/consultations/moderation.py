"""Moderating the board: the queue of posts waiting for a decision, the decisions themselves,
passing a post to the children's advice and support service, and telling the author.

A decision replaces what moderation recorded before, so a post can be decided again (an
approved one hidden later). Removing words replaces the stored text: the old words are kept
nowhere, not even in the audit log, which records only who decided what and when.
"""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app

from portal.accounts import roles
from portal.accounts.models import User
from portal.consultations import models as m
from portal.core import audit
from portal.core.links import public_url
from portal.core.paging import Paged, clamp_page
from portal.core.rules import RuleError
from portal.core.time import utcnow
from portal.extensions import db
from portal.notifications.services import queue_email

# --- how long a post waits ------------------------------------------------------------------

# How many working days a post usually waits for a moderator: the one number every page of the
# board tells people to expect. A council promising something else sets
# CONSULTATION_CHECK_WORKING_DAYS in its configuration.
USUAL_CHECK_WORKING_DAYS = 2


def usual_check_working_days(config) -> int:
    """The working days a post usually waits, from ``config`` when it holds a sensible number
    (a whole number of at least one), USUAL_CHECK_WORKING_DAYS otherwise."""
    value = config.get("CONSULTATION_CHECK_WORKING_DAYS", USUAL_CHECK_WORKING_DAYS)
    try:
        days = int(value)
    except (TypeError, ValueError):
        return USUAL_CHECK_WORKING_DAYS
    return days if days >= 1 else USUAL_CHECK_WORKING_DAYS


# --- decisions -------------------------------------------------------------------------------

APPROVE = "approve"
REDACT = "redact"
HIDE = "hide"
SAFEGUARD = "safeguarding"

DECISION_LABELS = {
    APPROVE: "Approve",
    REDACT: "Approve with words removed",
    HIDE: "Hide",
    SAFEGUARD: "Pass to safeguarding",
}
# What each decision leaves the post as.
OUTCOMES = {APPROVE: m.APPROVED, REDACT: m.APPROVED, HIDE: m.HIDDEN, SAFEGUARD: m.SAFEGUARDING}
NEEDS_REASON = (REDACT, HIDE, SAFEGUARD)

ACTIONS = {APPROVE: "approved", REDACT: "redacted", HIDE: "hidden", SAFEGUARD: "passed_to_safeguarding"}

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "consultation_response.approved": "Response approved",
    "consultation_response.redacted": "Response approved with words removed",
    "consultation_response.hidden": "Response hidden",
    "consultation_response.passed_to_safeguarding": "Response passed to safeguarding",
    "consultation_comment.approved": "Comment approved",
    "consultation_comment.redacted": "Comment approved with words removed",
    "consultation_comment.hidden": "Comment hidden",
    "consultation_comment.passed_to_safeguarding": "Comment passed to safeguarding",
}


class ModerationError(RuleError):
    """A decision that cannot be made as asked; ``field`` names the form field to blame."""


NOTHING_REMOVED = "Change the words you want to remove, or choose Approve"


# --- the queue -------------------------------------------------------------------------------

PER_PAGE = 50
RESPONSE = "response"
COMMENT = "comment"


@dataclass
class QueueItem:
    kind: str  # RESPONSE or COMMENT
    post: m.Response | m.Comment
    consultation: m.Consultation
    author: User
    at: datetime

    @property
    def visibility(self) -> str:
        # A comment sits under a public response, so it is public once approved.
        return self.post.visibility if self.kind == RESPONSE else m.PUBLIC


def _waiting():
    """Every submitted response and comment waiting for a decision: (kind, id, at)."""
    responses = sa.select(
        sa.literal(RESPONSE, sa.String(10)).label("kind"),
        m.Response.id.label("id"),
        m.Response.submitted_at.label("at"),
    ).where(m.Response.submitted_at.is_not(None), m.Response.moderation == m.PENDING)
    comments = (
        sa.select(
            sa.literal(COMMENT, sa.String(10)).label("kind"),
            m.Comment.id.label("id"),
            m.Comment.created_at.label("at"),
        )
        .join(m.Response, m.Response.id == m.Comment.response_id)
        .where(m.Response.submitted_at.is_not(None), m.Comment.moderation == m.PENDING)
    )
    return sa.union_all(responses, comments).subquery()


def queue_page(page: int = 1) -> Paged:
    """One page of the posts waiting for moderation, oldest first, across consultations:
    four queries however many there are."""
    waiting = _waiting()
    total = db.session.scalar(sa.select(sa.func.count()).select_from(waiting))
    page = clamp_page(page, total, PER_PAGE)
    rows = db.session.execute(
        sa.select(waiting.c.kind, waiting.c.id, waiting.c.at)
        .order_by(waiting.c.at, waiting.c.kind, waiting.c.id)
        .limit(PER_PAGE)
        .offset((page - 1) * PER_PAGE)
    ).all()
    response_ids = [row.id for row in rows if row.kind == RESPONSE]
    comment_ids = [row.id for row in rows if row.kind == COMMENT]
    responses = {
        response.id: response
        for response in db.session.scalars(
            sa.select(m.Response)
            .where(m.Response.id.in_(response_ids))
            .options(db.joinedload(m.Response.author), db.joinedload(m.Response.consultation))
        )
    }
    comments = {
        comment.id: comment
        for comment in db.session.scalars(
            sa.select(m.Comment)
            .where(m.Comment.id.in_(comment_ids))
            .options(
                db.joinedload(m.Comment.author),
                db.joinedload(m.Comment.response).joinedload(m.Response.consultation),
                db.joinedload(m.Comment.response).joinedload(m.Response.author),
            )
        )
    }
    items = []
    for row in rows:
        if row.kind == RESPONSE and row.id in responses:
            post = responses[row.id]
            items.append(QueueItem(RESPONSE, post, post.consultation, post.author, post.submitted_at))
        elif row.kind == COMMENT and row.id in comments:
            post = comments[row.id]
            items.append(QueueItem(COMMENT, post, post.response.consultation, post.author, post.created_at))
    return Paged(items, total, page, PER_PAGE)


# --- fetching posts for a decision -------------------------------------------------------------


def submitted_response(response_id: int) -> m.Response | None:
    """A submitted response with everything its page shows; None for a draft, for answers
    entered by staff (checked as they were typed in), or no such id."""
    return db.session.scalar(
        sa.select(m.Response)
        .where(m.Response.id == response_id, m.Response.submitted_at.is_not(None), m.Response.channel == m.ONLINE)
        .options(
            db.joinedload(m.Response.author),
            db.joinedload(m.Response.consultation),
            db.selectinload(m.Response.answers).selectinload(m.Answer.choices),
        )
    )


def comment_on_submitted(comment_id: int) -> m.Comment | None:
    return db.session.scalar(
        sa.select(m.Comment)
        .join(m.Response, m.Response.id == m.Comment.response_id)
        .where(m.Comment.id == comment_id, m.Response.submitted_at.is_not(None))
        .options(
            db.joinedload(m.Comment.author),
            db.joinedload(m.Comment.response).joinedload(m.Response.consultation),
            db.joinedload(m.Comment.response).joinedload(m.Response.author),
        )
    )


def answers_in_order(response: m.Response) -> list[m.Answer]:
    """The response's answers in the order the consultation asks its questions."""
    position = {question.id: question.position for question in response.consultation.questions}
    return sorted(response.answers, key=lambda answer: (position.get(answer.question_id, 0), answer.id))


def words_of(response: m.Response) -> list[m.Answer]:
    """The free-text answers with words in them: what a moderator may edit."""
    return [
        answer
        for answer in answers_in_order(response)
        if answer.question.kind == m.FREE_TEXT and (answer.text or "").strip()
    ]


def answer_shown(answer: m.Answer) -> str:
    """An answer in words, whatever its kind."""
    if answer.question.kind == m.SCALE:
        return f"{answer.scale} out of 5" if answer.scale else ""
    if answer.question.has_options:
        return "; ".join(option.label for option in answer.choices)
    return answer.text or ""


# --- deciding ----------------------------------------------------------------------------------


def decide_response(
    actor: User, response: m.Response, decision: str, *, reason: str = "", texts: dict[int, str] | None = None
) -> bool:
    """Record a moderator's decision on a submitted response and tell the people concerned.

    ``texts`` maps a free-text answer's id to its new words, for REDACT. Returns False when
    the decision changes nothing (approving an approved response again).
    """
    if response.is_draft:
        raise ModerationError("This response has not been sent yet")
    changed_words = False
    if decision == REDACT:
        editable = words_of(response)
        if not editable:
            raise ModerationError("This response has no words to remove. Choose another decision", field="decision")
        texts = texts or {}
        changes = {
            answer.id: (texts[answer.id] or "").strip()
            for answer in editable
            if answer.id in texts and (texts[answer.id] or "").strip() != (answer.text or "").strip()
        }
        if not changes:
            raise ModerationError(NOTHING_REMOVED, field=f"answer_{editable[0].id}")
        for answer in editable:
            if answer.id in changes:
                answer.text = changes[answer.id] or None
        changed_words = True
    return _decide(actor, response, RESPONSE, decision, reason, changed_words)


def decide_comment(
    actor: User, comment: m.Comment, decision: str, *, reason: str = "", body: str | None = None
) -> bool:
    """Record a moderator's decision on a comment; ``body`` is the new wording for REDACT."""
    changed_words = False
    if decision == REDACT:
        new = (body or "").strip()
        if new == comment.body.strip():
            raise ModerationError(NOTHING_REMOVED, field="body")
        if not new:
            raise ModerationError("A comment cannot be empty. To remove all of it, choose Hide", field="body")
        comment.body = new
        changed_words = True
    return _decide(actor, comment, COMMENT, decision, reason, changed_words)


PASSED_ON = (
    "This post was passed to the children's advice and support service, so it stays off the board "
    "and nothing more is decided here. Talk to the service about it."
)


def _decide(
    actor: User, post: m.Response | m.Comment, kind: str, decision: str, reason: str, changed_words: bool
) -> bool:
    if post.moderation == m.SAFEGUARDING:
        # Final: a referral is never undone by a click, and never sent twice.
        raise ModerationError(PASSED_ON, field="decision")
    if decision not in DECISION_LABELS:
        raise ModerationError("Select what to do with this post", field="decision")
    reason = (reason or "").strip()
    if decision in NEEDS_REASON and not reason:
        raise ModerationError("Give the reason for your decision", field="reason")
    previous = post.moderation
    outcome = OUTCOMES[decision]
    if outcome == previous and not changed_words and (reason or None) == post.moderation_reason:
        return False  # the same decision again: nothing to record or tell anyone
    now = utcnow()
    post.moderation = outcome
    post.moderation_reason = reason or None
    post.moderated_at = now
    post.moderated_by_id = actor.id
    if changed_words:
        post.redacted_at = now
    audit.record(actor, f"consultation_{kind}.{ACTIONS[decision]}", post, previous=previous)
    _tell(actor, post, kind, decision, reason)
    return True


# --- telling people ------------------------------------------------------------------------------


def board_url(consultation: m.Consultation) -> str:
    """The public page of a consultation, as a full address for an email."""
    return public_url("consultations.consultation", slug=consultation.slug)


def _tell(actor: User, post: m.Response | m.Comment, kind: str, decision: str, reason: str) -> None:
    if kind == RESPONSE:
        response, author = post, post.author
    else:
        response, author = post.response, post.author
    consultation = response.consultation
    what = "response" if kind == RESPONSE else "comment"
    on_board = response.on_board and (kind == RESPONSE or post.moderation == m.APPROVED)
    context = {
        "user": author,
        "consultation": consultation,
        "what": what,
        "on_board": on_board,
        "board_url": board_url(consultation),
        "reason": reason,
        "contact_email": current_app.config["CONTACT_EMAIL"],
    }
    title = f"\u201c{consultation.title}\u201d"
    if author is None or author.closed_at is not None:
        # A closed account has no address left to write to (accounts.closing), nor has an answer
        # the retention schedule anonymised; a worry about the post still goes to safeguarding.
        if decision not in (APPROVE, REDACT, HIDE):
            refer_to_safeguarding(actor, post, kind, reason)
        return
    if decision == APPROVE:
        queue_email(author.email, f"Your {what} to {title} has been checked", "consultation_approved", **context)
    elif decision == REDACT:
        queue_email(
            author.email,
            f"Your {what} to {title} has been checked and changed",
            "consultation_approved_with_changes",
            **context,
        )
    elif decision == HIDE:
        queue_email(author.email, f"Your {what} to {title} will not be shown", "consultation_hidden", **context)
    else:
        refer_to_safeguarding(actor, post, kind, reason)
        queue_email(author.email, f"About your {what} to {title}", "consultation_support", **context)


def refer_to_safeguarding(actor: User, post: m.Response | m.Comment, kind: str, reason: str) -> None:
    """Send the post's words, the consultation and the author's details to the children's
    advice and support service."""
    if kind == RESPONSE:
        response, author = post, post.author
        words = [
            (answer.question.prompt, answer_shown(answer)) for answer in answers_in_order(post) if answer_shown(answer)
        ]
        link = public_url("consultations_moderation.decide_response", response_id=post.id)
    else:
        response, author = post.response, post.author
        words = [("Comment", post.body)]
        link = public_url("consultations_moderation.decide_comment", comment_id=post.id)
    queue_email(
        current_app.config["SAFEGUARDING_EMAIL"],
        "Consultation post passed to safeguarding: a child may be at risk",
        "safeguarding_referral",
        consultation=response.consultation,
        author=author,
        role_label=roles.LABELS.get(author.role, author.role),
        forum_voice=kind == RESPONSE and post.voice == m.FORUM_VOICE,
        what="response" if kind == RESPONSE else "comment",
        sent_at=response.submitted_at if kind == RESPONSE else post.created_at,
        words=words,
        moderator=actor,
        reason=reason,
        link=link,
    )
