"""What managers change about consultations: the details, the questions, and publishing.

Plain functions, like portal/casework/management.py: each takes what it needs (the person
acting, the consultation, London's today), checks the rules, records what changed in the audit
log (ids and dates only, never personal data), and leaves the commit (or rollback) to the caller.

The rules, in short:

- A draft can be changed in every way. Its public address follows its title.
- Once published, the text and the dates may still be corrected, but a changed date may not
  be in the past, the opening date of a consultation that has opened stays as it is, and the
  dates of one that has closed stay too. The public address never changes again.
- The audience cannot change once anyone has started answering: their answers would no
  longer match who was asked.
- Questions are written, changed, reordered and removed only while the consultation is a
  draft: after publishing, people's answers depend on them.
- Publishing needs at least one question and a closing date that has not passed.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa

from portal.consultations import models as m
from portal.core import audit
from portal.core.time import london_today, utcnow
from portal.extensions import db

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "consultation.created": "Consultation created as a draft",
    "consultation.changed": "Consultation details changed",
    "consultation.audience_changed": "Audience changed",
    "consultation.opening_date_changed": "Opening date changed",
    "consultation.closing_date_changed": "Closing date changed",
    "consultation.published": "Consultation published",
    "consultation.question_added": "Question added",
    "consultation.question_changed": "Question changed",
    "consultation.question_removed": "Question removed",
    "consultation.question_moved": "Questions put in a new order",
}

SLUG_MAX = 120
MIN_OPTIONS = 2
MAX_OPTIONS = 20
OPTION_MAX = 200

QUESTIONS_LOCKED = (
    "The questions cannot change after a consultation is published, because people's answers "
    "depend on them. If a question is wrong, tell the people who answer in the consultation's background"
)


class AuthoringError(ValueError):
    """Changes the rules do not allow, in words for the manager: ``problems`` maps a form
    field's name (or None, for the page as a whole) to what is wrong with it."""

    def __init__(self, problems: dict[str | None, str] | str):
        if isinstance(problems, str):
            problems = {None: problems}
        super().__init__(" ".join(problems.values()))
        self.problems = problems


@dataclass(frozen=True)
class Details:
    """What the details form says about a consultation, already cleaned."""

    title: str
    summary: str
    easy_read: str | None
    background: str
    audience: str
    opens_on: date
    closes_on: date
    forum_may_answer: bool


# --- the public address -----------------------------------------------------------------------


def slug_for(title: str) -> str:
    """The words of ``title`` in lower-case ASCII joined by hyphens, at most 120 characters:
    "Renaming SEND to CAN" becomes "renaming-send-to-can"."""
    text = re.sub(r"['\u2019]", "", title)  # "Children's" reads better as "childrens"
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = "-".join(re.findall(r"[a-z0-9]+", text.lower()))[:SLUG_MAX].strip("-")
    return slug or "consultation"


def unique_slug(title: str, exclude_id: int | None = None) -> str:
    """``slug_for(title)``, followed by -2, -3 ... when another consultation has it already.
    The unique constraint on the column is the backstop for two managers at the same moment."""
    base = slug_for(title)
    query = sa.select(m.Consultation.slug).where(m.Consultation.slug.startswith(base[: SLUG_MAX - 12]))
    if exclude_id is not None:
        query = query.where(m.Consultation.id != exclude_id)
    taken = set(db.session.scalars(query))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return candidate


# --- what a list or page needs to know ----------------------------------------------------------


@dataclass(frozen=True)
class Counts:
    submitted: int = 0
    waiting: int = 0  # responses and comments waiting for moderation


def counts(consultation_ids: list[int] | None = None) -> dict[int, Counts]:
    """Submitted responses and posts waiting for moderation, by consultation id, in one query.
    ``None`` counts every consultation."""
    response = m.Response
    submitted = (
        sa.select(response.consultation_id.label("id"), sa.func.count().label("n"))
        .where(response.submitted_at.is_not(None))
        .group_by(response.consultation_id)
        .subquery()
    )
    pending_responses = (
        sa.select(response.consultation_id.label("id"), sa.func.count().label("n"))
        .where(response.submitted_at.is_not(None), response.moderation == m.PENDING)
        .group_by(response.consultation_id)
        .subquery()
    )
    pending_comments = (
        sa.select(response.consultation_id.label("id"), sa.func.count(m.Comment.id).label("n"))
        .join(m.Comment, m.Comment.response_id == response.id)
        .where(m.Comment.moderation == m.PENDING)
        .group_by(response.consultation_id)
        .subquery()
    )
    query = (
        sa.select(
            m.Consultation.id,
            sa.func.coalesce(submitted.c.n, 0),
            sa.func.coalesce(pending_responses.c.n, 0) + sa.func.coalesce(pending_comments.c.n, 0),
        )
        .outerjoin(submitted, submitted.c.id == m.Consultation.id)
        .outerjoin(pending_responses, pending_responses.c.id == m.Consultation.id)
        .outerjoin(pending_comments, pending_comments.c.id == m.Consultation.id)
    )
    if consultation_ids is not None:
        query = query.where(m.Consultation.id.in_(consultation_ids))
    return {row[0]: Counts(int(row[1]), int(row[2])) for row in db.session.execute(query)}


# The order of the list page's groups, and how each group is sorted.
GROUPS = (m.DRAFT, m.UPCOMING, m.OPEN, m.CLOSED, m.OUTCOME_PUBLISHED)


@dataclass(frozen=True)
class Listed:
    consultation: m.Consultation
    state: str
    counts: Counts


def overview(today: date | None = None) -> dict[str, list[Listed]]:
    """Every consultation, grouped by state in GROUPS order, with its counts: two queries
    however many there are. Drafts newest first; coming up by opening date; open closing
    soonest first; closed waiting longest first; outcomes most recent first."""
    today = today or london_today()
    consultations = db.session.scalars(sa.select(m.Consultation).order_by(m.Consultation.id)).all()
    numbers = counts()
    groups: dict[str, list[Listed]] = {state: [] for state in GROUPS}
    for consultation in consultations:
        state = consultation.state(today)
        groups[state].append(Listed(consultation, state, numbers.get(consultation.id, Counts())))
    sort_keys = {
        m.DRAFT: lambda item: -item.consultation.id,
        m.UPCOMING: lambda item: (item.consultation.opens_on, item.consultation.id),
        m.OPEN: lambda item: (item.consultation.closes_on, item.consultation.id),
        m.CLOSED: lambda item: (item.consultation.closes_on, item.consultation.id),
        m.OUTCOME_PUBLISHED: lambda item: (-item.consultation.outcome_published_at.timestamp(), -item.consultation.id),
    }
    for state, items in groups.items():
        items.sort(key=sort_keys[state])
    return groups


def has_responses(consultation: m.Consultation, voice: str | None = None) -> bool:
    """Whether anyone has started answering (drafts included), in ``voice`` if given."""
    query = sa.select(m.Response.id).where(m.Response.consultation_id == consultation.id)
    if voice is not None:
        query = query.where(m.Response.voice == voice)
    return db.session.scalar(query.limit(1)) is not None


def includes_youth_forum(audience: str) -> bool:
    return audience in (m.YOUTH_FORUM, m.EVERYONE)


# --- details ----------------------------------------------------------------------------------


def _check_details(details: Details, today: date, consultation: m.Consultation | None = None) -> None:
    """The rules for the details, given what the consultation is now (None for a new one)."""
    problems: dict[str | None, str] = {}
    problems.update(_date_problems(details, today, consultation))
    problems.update(_audience_problems(details, consultation))
    if problems:
        raise AuthoringError(problems)


def _date_problems(details: Details, today: date, consultation: m.Consultation | None) -> dict[str, str]:
    problems = {}
    state = consultation.state(today) if consultation is not None else m.DRAFT
    if consultation is None or consultation.opens_on != details.opens_on:
        if state in (m.OPEN, m.CLOSED, m.OUTCOME_PUBLISHED):
            problems["opens_on"] = (
                f"The consultation opened on {consultation.opens_on:%-d %B %Y} and people may already have "
                "answered, so the opening date cannot change"
            )
        elif details.opens_on < today:
            problems["opens_on"] = "The opening date must be today or in the future"
    if consultation is None or consultation.closes_on != details.closes_on:
        if state in (m.CLOSED, m.OUTCOME_PUBLISHED):
            problems["closes_on"] = (
                f"The consultation closed on {consultation.closes_on:%-d %B %Y}, so the closing date cannot change"
            )
        elif details.closes_on < today:
            problems["closes_on"] = "The closing date must be today or in the future"
    if not problems and details.closes_on < details.opens_on:
        problems["closes_on"] = "The closing date must be the same as or after the opening date"
    return problems


def _audience_problems(details: Details, consultation: m.Consultation | None) -> dict[str, str]:
    problems = {}
    if details.audience not in m.AUDIENCE_LABELS:
        problems["audience"] = "Select who the consultation is for"
    elif consultation is not None and details.audience != consultation.audience and has_responses(consultation):
        problems["audience"] = (
            f"People have already started answering this consultation as {consultation.audience_label.lower()}, "
            "so who it is for cannot change: their answers would no longer match who was asked"
        )
    if details.forum_may_answer and not includes_youth_forum(details.audience):
        problems["forum_may_answer"] = (
            "Only youth forum members can answer on behalf of the forum. Choose no, or choose an audience "
            "that includes the youth forum"
        )
    elif (
        consultation is not None
        and consultation.forum_may_answer
        and not details.forum_may_answer
        and has_responses(consultation, m.FORUM_VOICE)
    ):
        problems["forum_may_answer"] = (
            "A youth forum member has already started answering on behalf of the forum, so this must stay yes"
        )
    return problems


def create(actor, details: Details, today: date | None = None) -> m.Consultation:
    """A new draft with these details; its public address is made from its title."""
    today = today or london_today()
    _check_details(details, today)
    consultation = m.Consultation(
        slug=unique_slug(details.title),
        title=details.title,
        summary=details.summary,
        easy_read=details.easy_read or None,
        background=details.background,
        audience=details.audience,
        opens_on=details.opens_on,
        closes_on=details.closes_on,
        forum_may_answer=details.forum_may_answer,
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(consultation)
    audit.record(actor, "consultation.created", consultation)
    return consultation


TEXT_FIELDS = ("title", "summary", "easy_read", "background", "forum_may_answer")


def change(actor, consultation: m.Consultation, details: Details, today: date | None = None) -> bool:
    """Correct the details, within the rules for the consultation's state. Returns whether
    anything changed. A draft's public address follows its title; a published one's stays."""
    today = today or london_today()
    _check_details(details, today, consultation)
    new = {**details.__dict__, "easy_read": details.easy_read or None}
    changed = [name for name in TEXT_FIELDS if getattr(consultation, name) != new[name]]
    dated = []
    for name, action in (
        ("audience", "consultation.audience_changed"),
        ("opens_on", "consultation.opening_date_changed"),
        ("closes_on", "consultation.closing_date_changed"),
    ):
        old = getattr(consultation, name)
        if old != new[name]:
            dated.append((action, str(old), str(new[name])))
            setattr(consultation, name, new[name])
    for name in changed:
        setattr(consultation, name, new[name])
    if "title" in changed and consultation.published_at is None:
        consultation.slug = unique_slug(consultation.title, exclude_id=consultation.id)
    if changed:
        audit.record(actor, "consultation.changed", consultation, fields=changed)
    for action, old, value in dated:
        audit.record(actor, action, consultation, old=old, new=value)
    return bool(changed or dated)


# --- publishing -------------------------------------------------------------------------------


def publish_problems(consultation: m.Consultation, today: date) -> list[str]:
    """Why the consultation cannot be published yet, in words for the manager (empty if it can)."""
    if consultation.state(today) != m.DRAFT:
        return ["This consultation has already been published"]
    problems = []
    if not consultation.questions:
        problems.append("Add at least one question before publishing")
    if consultation.closes_on < today:
        problems.append(
            f"The closing date, {consultation.closes_on:%-d %B %Y}, has passed. Change it to today or a later date"
        )
    return problems


def opens_on_publishing(consultation: m.Consultation, today: date) -> date:
    """The day the consultation opens if published today: its opening date, or today if that
    date has already passed while it was a draft."""
    return max(consultation.opens_on, today)


def publish(actor, consultation: m.Consultation, today: date | None = None) -> str:
    """Publish a draft. It is coming up or open according to its dates; an opening date that
    passed while it was a draft becomes today. Returns the new state."""
    today = today or london_today()
    problems = publish_problems(consultation, today)
    if problems:
        raise AuthoringError(" ".join(f"{problem}." for problem in problems))
    opens_on = opens_on_publishing(consultation, today)
    if opens_on != consultation.opens_on:
        audit.record(
            actor, "consultation.opening_date_changed", consultation, old=str(consultation.opens_on), new=str(opens_on)
        )
        consultation.opens_on = opens_on
    consultation.published_at = utcnow()
    audit.record(actor, "consultation.published", consultation)
    return consultation.state(today)


# --- questions --------------------------------------------------------------------------------


def parse_options(text: str | None) -> list[str]:
    """The options typed one on each line. Empty lines at the start and end are ignored;
    raises AuthoringError({"options": ...}) for fewer than two, an empty line between two
    options, an option typed twice or one that is too long."""
    lines = [line.strip() for line in (text or "").splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    problem = None
    seen: set[str] = set()
    if len(lines) < MIN_OPTIONS:
        problem = f"Enter at least {MIN_OPTIONS} options, each on its own line"
    elif len(lines) > MAX_OPTIONS:
        problem = f"Enter at most {MAX_OPTIONS} options"
    else:
        for number, line in enumerate(lines, start=1):
            if not line:
                problem = f"Line {number} of the options is empty. Write an option on it or remove it"
                break
            if len(line) > OPTION_MAX:
                problem = f"Option {number} must be {OPTION_MAX} characters or fewer"
                break
            key = line.casefold()
            if key in seen:
                problem = f"\u201c{line}\u201d is in the options twice. Each option must be different"
                break
            seen.add(key)
    if problem:
        raise AuthoringError({"options": problem})
    return lines


@dataclass(frozen=True)
class QuestionDetails:
    prompt: str
    hint: str | None
    kind: str
    required: bool
    options: tuple[str, ...] = ()
    scale_low_label: str | None = None
    scale_high_label: str | None = None


def _check_draft(consultation: m.Consultation, today: date) -> None:
    if consultation.state(today) != m.DRAFT:
        raise AuthoringError(QUESTIONS_LOCKED)


def _check_question(details: QuestionDetails) -> None:
    if details.kind not in m.KIND_LABELS:
        raise AuthoringError({"kind": "Select the type of question"})
    if details.kind in (m.CHOOSE_ONE, m.CHOOSE_SEVERAL):
        parse_options("\n".join(details.options))


def _apply(question: m.Question, details: QuestionDetails) -> list[str]:
    """Write ``details`` onto ``question``; returns the names of what changed."""
    choosing = details.kind in (m.CHOOSE_ONE, m.CHOOSE_SEVERAL)
    scale = details.kind == m.SCALE
    values = {
        "prompt": details.prompt,
        "hint": details.hint or None,
        "kind": details.kind,
        "required": details.required,
        "scale_low_label": (details.scale_low_label or None) if scale else None,
        "scale_high_label": (details.scale_high_label or None) if scale else None,
    }
    changed = [name for name, value in values.items() if getattr(question, name) != value]
    for name in changed:
        setattr(question, name, values[name])
    labels = list(details.options) if choosing else []
    if [option.label for option in question.options] != labels:
        changed.append("options")
        kept = question.options[: len(labels)]
        for position, label in enumerate(labels):
            if position < len(kept):
                kept[position].label = label
            else:
                kept.append(m.QuestionOption(position=position, label=label))
        question.options = kept
    return changed


def add_question(
    actor, consultation: m.Consultation, details: QuestionDetails, today: date | None = None
) -> m.Question:
    """A question at the end of a draft's questions."""
    _check_draft(consultation, today or london_today())
    _check_question(details)
    position = max((question.position for question in consultation.questions), default=-1) + 1
    question = m.Question(position=position, kind=details.kind, prompt=details.prompt, required=details.required)
    _apply(question, details)
    consultation.questions.append(question)
    db.session.flush()
    audit.record(actor, "consultation.question_added", consultation, question_id=question.id)
    return question


def change_question(
    actor, consultation: m.Consultation, question: m.Question, details: QuestionDetails, today: date | None = None
) -> bool:
    _check_draft(consultation, today or london_today())
    _check_question(details)
    changed = _apply(question, details)
    if changed:
        audit.record(actor, "consultation.question_changed", consultation, question_id=question.id, fields=changed)
    return bool(changed)


def _renumber(consultation: m.Consultation, ordered: list[m.Question]) -> None:
    for position, question in enumerate(ordered):
        question.position = position
    consultation.questions = ordered


def remove_question(actor, consultation: m.Consultation, question: m.Question, today: date | None = None) -> None:
    _check_draft(consultation, today or london_today())
    audit.record(actor, "consultation.question_removed", consultation, question_id=question.id)
    _renumber(consultation, [other for other in consultation.questions if other.id != question.id])


def move_question(
    actor, consultation: m.Consultation, question: m.Question, direction: str, today: date | None = None
) -> bool:
    """Swap the question with the one above ("up") or below ("down"). Returns whether it moved
    (the first question cannot go up, nor the last down)."""
    _check_draft(consultation, today or london_today())
    ordered = list(consultation.questions)
    index = next(i for i, other in enumerate(ordered) if other.id == question.id)
    other = index - 1 if direction == "up" else index + 1
    if direction not in ("up", "down") or not 0 <= other < len(ordered):
        return False
    ordered[index], ordered[other] = ordered[other], ordered[index]
    _renumber(consultation, ordered)
    audit.record(actor, "consultation.question_moved", consultation, question_id=question.id, direction=direction)
    return True
