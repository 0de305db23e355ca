"""The co-production board: consultations the council asks, and the answers it gets.

A consultation's state follows from two timestamps and two dates, never from a stored status
that could disagree with them: no ``published_at`` is a draft; published and before
``opens_on`` is coming up; from ``opens_on`` to ``closes_on`` (inclusive, London days) it is
open; after that it is closed until its outcome is published.
"""

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from portal.accounts import roles
from portal.accounts.models import User
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db
from portal.themes.models import LearningTheme

# --- states ----------------------------------------------------------------------------------

DRAFT = "draft"
UPCOMING = "upcoming"
OPEN = "open"
CLOSED = "closed"
OUTCOME_PUBLISHED = "outcome"

STATE_LABELS = {
    DRAFT: "Draft",
    UPCOMING: "Coming up",
    OPEN: "Open",
    CLOSED: "Closed, outcome to follow",
    OUTCOME_PUBLISHED: "Outcome published",
}

# --- audiences -------------------------------------------------------------------------------

YOUTH_FORUM = "youth"
PARENTS = "parents"
EVERYONE = "everyone"

AUDIENCE_LABELS = {
    YOUTH_FORUM: "Youth forum",
    PARENTS: "Parents and carers",
    EVERYONE: "Youth forum, parents and carers",
}
AUDIENCE_ROLES = {
    YOUTH_FORUM: (roles.YOUTH,),
    PARENTS: (roles.PARENT,),
    EVERYONE: (roles.YOUTH, roles.PARENT),
}

# --- question kinds --------------------------------------------------------------------------

FREE_TEXT = "text"
CHOOSE_ONE = "one"
CHOOSE_SEVERAL = "several"
SCALE = "scale"

KIND_LABELS = {
    FREE_TEXT: "Free text",
    CHOOSE_ONE: "Choose one",
    CHOOSE_SEVERAL: "Choose several",
    SCALE: "A scale from 1 to 5",
}
SCALE_POINTS = (1, 2, 3, 4, 5)

# --- answers: whose voice, who may see it, and moderation -----------------------------------

OWN_VOICE = "own"
FORUM_VOICE = "forum"  # a youth forum member answering as the forum's collective voice

PUBLIC = "public"
PRIVATE = "private"

PENDING = "pending"
APPROVED = "approved"
HIDDEN = "hidden"
SAFEGUARDING = "safeguarding"

MODERATION_LABELS = {
    PENDING: "Waiting for moderation",
    APPROVED: "Approved",
    HIDDEN: "Hidden",
    SAFEGUARDING: "Passed to safeguarding",
}

# --- how answers came: online, or entered by staff from paper, a phone call or in person -----

ONLINE = "online"
PAPER = "paper"
PHONE = "phone"
IN_PERSON = "in_person"

CHANNEL_LABELS = {ONLINE: "Online", PAPER: "Paper", PHONE: "Phone", IN_PERSON: "In person"}
OFFLINE_CHANNELS = (PAPER, PHONE, IN_PERSON)

# Who took part, for answers entered by staff: no account, only what kind of person.
PARTICIPANT_PARENT = "parent"
PARTICIPANT_YOUNG_PERSON = "young_person"
PARTICIPANT_PROFESSIONAL = "professional"
PARTICIPANT_OTHER = "other"

PARTICIPANT_LABELS = {
    PARTICIPANT_PARENT: "Parent or carer",
    PARTICIPANT_YOUNG_PERSON: "Young person",
    PARTICIPANT_PROFESSIONAL: "Someone who works with children and young people",
    PARTICIPANT_OTHER: "Someone else",
}


class Consultation(db.Model):
    __tablename__ = "consultation"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The readable address: /consultations/<slug>.
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    title: Mapped[str] = mapped_column(sa.String(150))
    summary: Mapped[str] = mapped_column(sa.Text)
    # Shown first when present.
    easy_read: Mapped[str | None] = mapped_column(sa.Text)
    background: Mapped[str] = mapped_column(sa.Text)
    audience: Mapped[str] = mapped_column(sa.String(10))
    opens_on: Mapped[date] = mapped_column(sa.Date)
    closes_on: Mapped[date] = mapped_column(sa.Date)
    # Whether youth forum members may also answer on behalf of the forum as a whole.
    forum_may_answer: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # The outcome: what was asked, what people said (with the numbers), what the council did.
    we_asked: Mapped[str | None] = mapped_column(sa.Text)
    you_said: Mapped[str | None] = mapped_column(sa.Text)
    we_did: Mapped[str | None] = mapped_column(sa.Text)
    outcome_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    questions: Mapped[list["Question"]] = relationship(
        back_populates="consultation", order_by="Question.position", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(sa.column("audience").in_(tuple(AUDIENCE_LABELS)), name="audience_known"),
        sa.CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),
    )

    def state(self, today: date) -> str:
        if self.published_at is None:
            return DRAFT
        if self.outcome_published_at is not None:
            return OUTCOME_PUBLISHED
        if today < self.opens_on:
            return UPCOMING
        if today <= self.closes_on:
            return OPEN
        return CLOSED

    def days_left(self, today: date) -> int:
        """Whole days until the end of the closing date (0 on the closing day itself)."""
        return (self.closes_on - today).days

    @property
    def audience_label(self) -> str:
        return AUDIENCE_LABELS[self.audience]

    def is_for(self, user) -> bool:
        """Whether ``user`` belongs to the audience asked (and may post at all)."""
        return user.is_authenticated and user.role in AUDIENCE_ROLES[self.audience] and user.can_post


class Question(db.Model):
    __tablename__ = "consultation_question"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[str] = mapped_column(sa.String(10))
    prompt: Mapped[str] = mapped_column(sa.String(300))
    hint: Mapped[str | None] = mapped_column(sa.Text)
    required: Mapped[bool] = mapped_column(default=False)
    # Words for the ends of a scale, for example "Not at all" and "Very much".
    scale_low_label: Mapped[str | None] = mapped_column(sa.String(60))
    scale_high_label: Mapped[str | None] = mapped_column(sa.String(60))

    consultation: Mapped[Consultation] = relationship(back_populates="questions")
    options: Mapped[list["QuestionOption"]] = relationship(
        back_populates="question", order_by="QuestionOption.position", cascade="all, delete-orphan"
    )

    __table_args__ = (sa.CheckConstraint(sa.column("kind").in_(tuple(KIND_LABELS)), name="kind_known"),)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def has_options(self) -> bool:
        return self.kind in (CHOOSE_ONE, CHOOSE_SEVERAL)


class QuestionOption(db.Model):
    """One choice offered by a choose-one or choose-several question."""

    __tablename__ = "consultation_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation_question.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    label: Mapped[str] = mapped_column(sa.String(200))

    question: Mapped[Question] = relationship(back_populates="options")


class Moderated:
    """What moderation records on a post (a response or a comment): the decision, who made
    it, when, and the reason given, which the author is told."""

    moderation: Mapped[str] = mapped_column(sa.String(12), default=PENDING)
    moderation_reason: Mapped[str | None] = mapped_column(sa.Text)
    moderated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when a moderator replaced some of the words; the old words are not kept anywhere.
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @declared_attr
    def moderated_by_id(cls) -> Mapped[int | None]:
        return mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    @property
    def moderation_label(self) -> str:
        return MODERATION_LABELS[self.moderation]


class Response(Moderated, db.Model):
    """One person's answers to one consultation, in one voice. A draft until submitted."""

    __tablename__ = "consultation_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    # None once the retention schedule has taken away who answered (the choices still count).
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    voice: Mapped[str] = mapped_column(sa.String(10), default=OWN_VOICE)
    visibility: Mapped[str] = mapped_column(sa.String(10), default=PUBLIC)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The author asked to be told when the council publishes a change these answers are evidence for.
    wants_learning_updates: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Answers given on paper, by phone or in person are entered by staff, with no author: who
    # took part is described (a kind of person, and for a young person an optional age band).
    channel: Mapped[str] = mapped_column(sa.String(10), default=ONLINE, server_default=ONLINE)
    participant: Mapped[str | None] = mapped_column(sa.String(20))
    age_band: Mapped[str | None] = mapped_column(sa.String(20))
    entered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    consultation: Mapped[Consultation] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    answers: Mapped[list["Answer"]] = relationship(back_populates="response", cascade="all, delete-orphan")
    comments: Mapped[list["Comment"]] = relationship(
        back_populates="response", order_by="Comment.created_at", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("consultation_id", "author_id", "voice", name="uq_consultation_response_one_per_voice"),
        # The youth forum speaks once: one collective answer per consultation, whoever writes it.
        sa.Index(
            "uq_consultation_response_one_forum_answer",
            "consultation_id",
            unique=True,
            sqlite_where=sa.text("voice = 'forum'"),
            postgresql_where=sa.text("voice = 'forum'"),
        ),
        sa.CheckConstraint(sa.column("voice").in_((OWN_VOICE, FORUM_VOICE)), name="voice_known"),
        sa.CheckConstraint(sa.column("visibility").in_((PUBLIC, PRIVATE)), name="visibility_known"),
        sa.CheckConstraint(sa.column("moderation").in_(tuple(MODERATION_LABELS)), name="moderation_known"),
        sa.CheckConstraint(sa.column("channel").in_(tuple(CHANNEL_LABELS)), name="channel_known"),
    )

    @property
    def is_draft(self) -> bool:
        return self.submitted_at is None

    @property
    def on_board(self) -> bool:
        return not self.is_draft and self.visibility == PUBLIC and self.moderation == APPROVED

    @property
    def shown_as(self) -> str:
        """The name the board shows: never a surname, and never a young person's name."""
        if self.voice == FORUM_VOICE:
            return "The youth forum (collective response)"
        if self.author is None:
            return "Someone who took part"
        if self.author.role == roles.YOUTH:
            return "Youth forum member"
        return first_name(self.author.name)


answer_theme = sa.Table(
    "consultation_answer_theme",
    db.metadata,
    sa.Column("answer_id", sa.ForeignKey("consultation_answer.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("learning_theme.id", ondelete="CASCADE"), primary_key=True),
)

answer_choice = sa.Table(
    "consultation_answer_choice",
    db.metadata,
    sa.Column("answer_id", sa.ForeignKey("consultation_answer.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("option_id", sa.ForeignKey("consultation_option.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_consultation_answer_choice_option", "option_id"),
)


class Answer(db.Model):
    """The answer to one question: words, a point on the scale, or the options chosen."""

    __tablename__ = "consultation_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation_response.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation_question.id", ondelete="CASCADE"), index=True)
    text: Mapped[str | None] = mapped_column(sa.Text)
    scale: Mapped[int | None] = mapped_column(sa.SmallInteger)

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    choices: Mapped[list[QuestionOption]] = relationship(secondary=answer_choice, order_by=QuestionOption.position)
    themes: Mapped[list[LearningTheme]] = relationship(secondary=answer_theme, order_by=LearningTheme.name)

    __table_args__ = (
        sa.UniqueConstraint("response_id", "question_id", name="uq_consultation_answer_once"),
        sa.CheckConstraint("scale IS NULL OR scale BETWEEN 1 AND 5", name="scale_in_range"),
    )


class Agreement(db.Model):
    """One person saying "I agree" to a public response, once."""

    __tablename__ = "consultation_agreement"

    response_id: Mapped[int] = mapped_column(
        sa.ForeignKey("consultation_response.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Comment(Moderated, db.Model):
    """A comment under a public response, moderated before anyone else sees it."""

    __tablename__ = "consultation_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation_response.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    response: Mapped[Response] = relationship(back_populates="comments")
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    __table_args__ = (
        sa.CheckConstraint(sa.column("moderation").in_(tuple(MODERATION_LABELS)), name="moderation_known"),
    )

    @property
    def shown_as(self) -> str:
        if self.author.role == roles.YOUTH:
            return "Youth forum member"
        return first_name(self.author.name)


def first_name(name: str) -> str:
    return (name.split() or ["A parent or carer"])[0]


# --- alerts: what a person asked to be told, and what they have been told ---------------------

OPENING = "opening"
CLOSING_SOON = "closing"
OUTCOME = "outcome"
ALERT_KINDS = (OPENING, CLOSING_SOON, OUTCOME)

AT_ONCE = "now"
WEEKLY = "weekly"


class AlertChoice(db.Model):
    """The consultation alerts one person asked for, and how often. No row: the defaults
    (outcomes of consultations they took part in, at once, as before alerts could be chosen)."""

    __tablename__ = "consultation_alert_choice"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    on_opening: Mapped[bool] = mapped_column(default=False)
    on_closing: Mapped[bool] = mapped_column(default=False)
    on_outcome: Mapped[bool] = mapped_column(default=True)
    frequency: Mapped[str] = mapped_column(sa.String(10), default=AT_ONCE)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (sa.CheckConstraint(sa.column("frequency").in_((AT_ONCE, WEEKLY)), name="frequency_known"),)

    def wants(self, kind: str) -> bool:
        return {OPENING: self.on_opening, CLOSING_SOON: self.on_closing, OUTCOME: self.on_outcome}[kind]


class AlertSent(db.Model):
    """One alert due to one person about one consultation, once ever. ``emailed_at`` is None
    while it waits for the weekly digest."""

    __tablename__ = "consultation_alert_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    consultation: Mapped[Consultation] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("user_id", "consultation_id", "kind", name="uq_consultation_alert_sent_once"),
        sa.CheckConstraint(sa.column("kind").in_(ALERT_KINDS), name="kind_known"),
    )


# --- documents to read before answering -------------------------------------------------------


class Document(db.Model):
    """A file staff attach to a consultation (a draft strategy, an easy read version), checked
    by its content and kept in the database, so that every app server can serve it."""

    __tablename__ = "consultation_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(sa.ForeignKey("consultation.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(150))
    easy_read: Mapped[bool] = mapped_column(default=False)
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int] = mapped_column()
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    consultation: Mapped[Consultation] = relationship()
