from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, column_property, deferred, mapped_column, relationship

from portal.accounts.models import Team, User
from portal.core.procedures import CODE
from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db


class Category(db.Model):
    """What feedback can be about, for example home-to-school transport.
    Each category belongs to the team that handles it."""

    __tablename__ = "category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="SET NULL"))
    # The complaints procedure its complaints follow (a key of core.procedures.PROCEDURES).
    procedure: Mapped[str] = mapped_column(sa.String(30), default=CODE, server_default=CODE)

    team: Mapped[Team | None] = relationship()


class ReferenceCounter(db.Model):
    """The last case number given out in each year. Incremented with one UPDATE, whose row
    lock makes concurrent submissions wait their turn: no two cases share a reference."""

    __tablename__ = "reference_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(default=0)


# --- what kind of feedback a case is --------------------------------------------------------

COMPLAINT = "complaint"
COMPLIMENT = "compliment"
SUGGESTION = "suggestion"
QUESTION = "question"

# In the order the intake offers them. The value itself is the word in a sentence ("your complaint").
KIND_LABELS = {
    COMPLAINT: "Complaint",
    COMPLIMENT: "Compliment",
    SUGGESTION: "Suggestion",
    QUESTION: "Question",
}
# As reports count them.
KIND_PLURALS = {
    COMPLAINT: "Complaints",
    COMPLIMENT: "Compliments",
    SUGGESTION: "Suggestions",
    QUESTION: "Questions",
}

# --- where a case has got to -----------------------------------------------------------------

RECEIVED = "received"
ACKNOWLEDGED = "acknowledged"
AWAITING_FAMILY = "awaiting_family"
RESPONDED = "responded"
ESCALATED = "escalated"
CLOSED = "closed"

# As the family reads them.
STATUS_LABELS = {
    RECEIVED: "Received",
    ACKNOWLEDGED: "Being looked into",
    AWAITING_FAMILY: "Waiting for your reply",
    RESPONDED: "Answered",
    ESCALATED: "Stage 2 review asked for",
    CLOSED: "Closed",
}
# What an open case is in SQL, as the partial index of open cases says it.
OPEN_SQL = f"status != '{CLOSED}'"
# What the staff lists of open cases read: who and which team, the case about whom, the
# filters, the columns of the next deadline (casework.clocks.next_deadline_sql) and the order.
REMEDY_DUE_COLUMNS = ("remedy_due_on", "caseworker_id", "team_id", "about_staff_id", "id")
OPEN_LIST_COLUMNS = (
    "caseworker_id",
    "team_id",
    "about_staff_id",
    "status",
    "stage",
    "category_id",
    "urgent",
    "acknowledged_at",
    "acknowledge_by",
    "responded_at",
    "respond_by",
    "received_at",
    "id",
    # What the queue counts and the report's count of what is waiting now read as well.
    "consent_state",
    "kind",
    "procedure",
    "not_complaint_reason",
)


# --- how a case reached the council (Code 3.1 to 3.2: a complaint counts however it arrives) --

ONLINE = "online"
PHONE = "phone"
LETTER = "letter"
EMAIL = "email"
IN_PERSON = "in_person"
ELECTED_MEMBER = "elected_member"

CHANNEL_LABELS = {
    ONLINE: "Online form",
    PHONE: "Phone call",
    LETTER: "Letter",
    EMAIL: "Email",
    IN_PERSON: "In person",
    ELECTED_MEMBER: "A councillor or MP's enquiry",
}
# The channels staff record for the family (everything but the form families fill in).
STAFF_CHANNELS = {key: label for key, label in CHANNEL_LABELS.items() if key != ONLINE}

# A decision on a complaint made more than 12 months after the family knew of the problem (Code 2.2).
LATE_ACCEPTED = "accepted"
LATE_REFUSED = "refused"


# --- who speaks for whom (SEND Code of Practice 8.13 to 8.15: rights pass to a young person at 16) --

PARENT = "parent"
YOUNG_PERSON = "young_person"
ADVOCATE = "advocate"
SENDIASS = "sendiass"
ELECTED_MEMBER_SPEAKER = "elected_member"
SOLICITOR = "solicitor"

# Who is giving the feedback, in the order the journey offers them.
SPEAKER_LABELS = {
    PARENT: "A parent or carer",
    YOUNG_PERSON: "A young person aged 16 to 25, for themselves",
    ADVOCATE: "An advocate",
    SENDIASS: "A SENDIASS adviser",
    ELECTED_MEMBER_SPEAKER: "A councillor or MP",
    SOLICITOR: "A solicitor",
}
# Those who speak for the family, and need the family's consent before the council shares details.
REPRESENTATIVES = (ADVOCATE, SENDIASS, ELECTED_MEMBER_SPEAKER, SOLICITOR)

# Where a representative's authority stands.
CONSENT_AWAITED = "awaited"
CONSENT_GIVEN = "given"
CONSENT_WITHDRAWN = "withdrawn"
CONSENT_LABELS = {
    CONSENT_AWAITED: "Consent awaited",
    CONSENT_GIVEN: "Consent given",
    CONSENT_WITHDRAWN: "Consent withdrawn",
}
# How it was given.
CONSENT_BY_DOCUMENT = "document"
CONSENT_BY_PHONE = "phone"
CONSENT_METHOD_LABELS = {
    CONSENT_BY_DOCUMENT: "A signed consent document",
    CONSENT_BY_PHONE: "Recorded by staff from a call",
}


class Case(db.Model):
    """One piece of feedback from a family: a complaint, compliment, suggestion or question."""

    __tablename__ = "feedback_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(20), unique=True)
    # The draft it came from: a second submission of the same draft finds this case instead.
    submission_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(12))  # one of KIND_LABELS
    category_id: Mapped[int | None] = mapped_column(sa.ForeignKey("category.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(sa.String(20))  # one of STATUS_LABELS
    # The stage of its procedure a complaint is at (1, 2, ...); None for other feedback.
    stage: Mapped[int | None] = mapped_column(sa.SmallInteger)
    # The complaints procedure it follows (core.procedures), chosen by its category at intake
    # and changed by a manager with a reason; None for other feedback.
    procedure: Mapped[str | None] = mapped_column(sa.String(30))
    urgent: Mapped[bool] = mapped_column(default=False)
    # The family asked to be told when the council publishes a change this feedback is evidence for.
    wants_learning_updates: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # Which other route triage pointed to (tribunal, health, school, safeguarding), if any.
    triage_route: Mapped[str | None] = mapped_column(sa.String(20))
    decision_letter_date: Mapped[date | None] = mapped_column(sa.Date)

    what_happened: Mapped[str] = mapped_column(sa.Text)
    # The council's understanding of the complaint and of the outcome wanted, as the caseworker
    # set them out when acknowledging it (Code 5.2, 6.2), and as each response restates them.
    complaint_understood: Mapped[str | None] = mapped_column(sa.Text)
    outcome_understood: Mapped[str | None] = mapped_column(sa.Text)
    # When the family first knew of the problem, if they said.
    problem_known_on: Mapped[date | None] = mapped_column(sa.Date)
    late_decision: Mapped[str | None] = mapped_column(sa.String(10))  # LATE_ACCEPTED or LATE_REFUSED
    late_decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    outcome_wanted: Mapped[str | None] = mapped_column(sa.Text)

    child_name: Mapped[str | None] = mapped_column(sa.String(60))
    child_year_group: Mapped[str | None] = mapped_column(sa.String(30))
    child_setting: Mapped[str | None] = mapped_column(sa.String(120))
    child_has_ehc_plan: Mapped[str | None] = mapped_column(sa.String(10))

    anonymous: Mapped[bool] = mapped_column(default=False)
    contact_name: Mapped[str | None] = mapped_column(sa.String(120))
    contact_email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    contact_phone: Mapped[str | None] = mapped_column(sa.String(30))
    relationship_to_child: Mapped[str | None] = mapped_column(sa.String(60))
    preferred_contact: Mapped[str | None] = mapped_column(sa.String(10))
    # A postal address, one line each, for a family who asked for letters or large print.
    contact_address: Mapped[str | None] = mapped_column(sa.Text)

    # Who is giving the feedback (SPEAKER_LABELS). A representative's own name, organisation
    # and email are kept apart from the family's contact details above.
    # Server defaults only, so that rows written before these columns existed read the same.
    speaker: Mapped[str] = mapped_column(sa.String(20), server_default=PARENT)
    representative_name: Mapped[str | None] = mapped_column(sa.String(120))
    representative_organisation: Mapped[str | None] = mapped_column(sa.String(120))
    representative_email: Mapped[str | None] = mapped_column(sa.String(254))
    # A representative's authority (CONSENT_LABELS): None when nobody speaks for the family.
    consent_state: Mapped[str | None] = mapped_column(sa.String(12))
    consent_method: Mapped[str | None] = mapped_column(sa.String(12))  # CONSENT_METHOD_LABELS
    consent_given_on: Mapped[date | None] = mapped_column(sa.Date)
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The case is about a young person aged 16 to 25 (or is from one): their wishes decide who
    # is written to. None where nobody was asked.
    young_person: Mapped[bool] = mapped_column(server_default=sa.false())
    young_person_contact_directly: Mapped[bool | None] = mapped_column()
    young_person_email: Mapped[str | None] = mapped_column(sa.String(254))
    young_person_parent_acts: Mapped[bool | None] = mapped_column()

    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)
    team_id: Mapped[int | None] = mapped_column(sa.ForeignKey("team.id", ondelete="SET NULL"), index=True)
    caseworker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"), index=True)

    # How it arrived (CHANNEL_LABELS), and who logged it when staff took it by phone, letter...
    channel: Mapped[str] = mapped_column(sa.String(20), default=ONLINE, server_default=ONLINE)
    logged_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # When the council really received it: the clocks run from this day, not from data entry.
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    acknowledge_by: Mapped[date | None] = mapped_column(sa.Date)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    respond_by: Mapped[date | None] = mapped_column(sa.Date)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # When the first promise still to do on it is due (portal.casework.remedy_due keeps it):
    # the remedies overdue queue counts cases by it, without going through every remedy.
    remedy_due_on: Mapped[date | None] = mapped_column(sa.Date)
    # Whether the response deadline has been extended at the current stage.
    extension_used: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # A member of staff the complaint is about (Code 5.4): they may not see or be given the case.
    about_staff_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # Who handled stage 1: stage 2 must go to someone else.
    stage1_caseworker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # Set when a complaint turned out not to be one: "service_request" or "other_route".
    not_complaint_reason: Mapped[str | None] = mapped_column(sa.String(20))
    # When the retention schedule took its personal data out, keeping what the figures count.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    category: Mapped[Category | None] = relationship()
    team: Mapped[Team | None] = relationship()
    caseworker: Mapped[User | None] = relationship(foreign_keys=[caseworker_id])
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    logged_by: Mapped[User | None] = relationship(foreign_keys=[logged_by_id])
    about_staff: Mapped[User | None] = relationship(foreign_keys=[about_staff_id])
    messages: Mapped[list["CaseMessage"]] = relationship(
        back_populates="case", order_by="CaseMessage.id", cascade="all, delete-orphan"
    )
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="case", order_by="Attachment.id", cascade="all, delete-orphan"
    )
    adjustments: Mapped[list["Adjustment"]] = relationship(
        back_populates="case", order_by="Adjustment.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(tuple(KIND_LABELS)), name="kind_known"),
        sa.CheckConstraint(sa.column("speaker").in_(tuple(SPEAKER_LABELS)), name="speaker_known"),
        # The staff queues read only open cases, a small share of all cases once years have gone by.
        # The index holds every column their filters, counts and deadline order read, so that a
        # city's thousands of open cases are counted and sorted without reading a case's row.
        sa.Index(
            "ix_feedback_case_open",
            *OPEN_LIST_COLUMNS,
            sqlite_where=sa.text(OPEN_SQL),
            postgresql_where=sa.text(OPEN_SQL),
        ),
        # Open or closed, only the cases with a promise still to do, with whose cases they are.
        sa.Index(
            "ix_feedback_case_remedy_due",
            *REMEDY_DUE_COLUMNS,
            sqlite_where=sa.text("remedy_due_on IS NOT NULL"),
            postgresql_where=sa.text("remedy_due_on IS NOT NULL"),
        ),
    )

    @property
    def is_complaint(self) -> bool:
        return self.kind == COMPLAINT

    @property
    def is_question(self) -> bool:
        return self.kind == QUESTION

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def channel_label(self) -> str:
        return CHANNEL_LABELS.get(self.channel, self.channel)

    @property
    def speaker_label(self) -> str:
        return SPEAKER_LABELS.get(self.speaker, self.speaker)

    @property
    def has_representative(self) -> bool:
        return self.speaker in REPRESENTATIVES

    @property
    def consent_label(self) -> str | None:
        return CONSENT_LABELS.get(self.consent_state) if self.consent_state else None

    @hybrid_property
    def is_open(self) -> bool:
        """Not closed: in Python for one case, and in SQL for a query's WHERE."""
        return self.status != CLOSED

    @is_open.inplace.expression
    @classmethod
    def _is_open_expression(cls):
        # Closed as a literal, as the partial index ix_feedback_case_open says it, so that both
        # databases see the query asks for what the index holds.
        return cls.status != sa.literal_column(f"'{CLOSED}'")


class Adjustment(db.Model):
    """Support a family needs to take part (Code 5.6): asked for at intake or later, kept by staff
    as arranged, or not possible with the reason, and looked at again on its review date."""

    __tablename__ = "adjustment"

    INTERPRETER = "interpreter"
    EASY_READ = "easy_read"
    LARGE_PRINT = "large_print"
    CONTACT = "contact"
    ADVOCATE = "advocate"
    OTHER = "other"
    KINDS = {
        INTERPRETER: "An interpreter or information in another language",
        EASY_READ: "Easy read letters and emails",
        LARGE_PRINT: "Large print letters",
        CONTACT: "Contact in a particular way or at a particular time",
        ADVOCATE: "An advocate",
        OTHER: "Something else",
    }
    # These must be arranged before the family can take part: a task in the caseworker's queue.
    TASKS = (INTERPRETER, EASY_READ)

    REQUESTED = "requested"
    ARRANGED = "arranged"
    NOT_POSSIBLE = "not_possible"
    STATUSES = {REQUESTED: "Asked for", ARRANGED: "Arranged", NOT_POSSIBLE: "Not possible"}

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(20))  # one of KINDS
    # The language, the time, what exactly: as the family or staff wrote it.
    detail: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(20), default=REQUESTED)  # one of STATUSES
    # Why it is not possible, told to the family.
    reason: Mapped[str | None] = mapped_column(sa.Text)
    review_on: Mapped[date | None] = mapped_column(sa.Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    case: Mapped[Case] = relationship(back_populates="adjustments")

    # What is asked for and not yet arranged is a small share of all support ever asked for:
    # the queue of support to arrange reads it through this index alone.
    __table_args__ = (
        sa.Index(
            "ix_adjustment_requested",
            "case_id",
            "kind",
            sqlite_where=sa.text(f"status = '{REQUESTED}'"),
            postgresql_where=sa.text(f"status = '{REQUESTED}'"),
        ),
    )

    @classmethod
    def to_arrange(cls) -> tuple:
        """SQL conditions on Adjustment: a task still to arrange. The values are written out so
        that both databases see that the partial index holds every row they select."""
        return (
            cls.status == sa.literal_column(f"'{cls.REQUESTED}'"),
            cls.kind.in_([sa.literal_column(f"'{kind}'") for kind in cls.TASKS]),
        )

    @property
    def label(self) -> str:
        return self.KINDS.get(self.kind, self.kind)

    @property
    def is_task(self) -> bool:
        return self.kind in self.TASKS and self.status == self.REQUESTED


class CaseMessage(db.Model):
    """A message in a case's conversation. Internal notes are never shown to the family."""

    __tablename__ = "case_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    from_family: Mapped[bool] = mapped_column(default=False)
    internal: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(sa.Text)

    case: Mapped[Case] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list["Attachment"]] = relationship(back_populates="message", order_by="Attachment.id")


class FileBlob(db.Model):
    """The bytes of an uploaded file, kept in the database so that every app server sees them."""

    __tablename__ = "file_blob"

    id: Mapped[int] = mapped_column(primary_key=True)
    data: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Attachment(db.Model):
    """Evidence: a checked file on a case (or on a draft not yet sent). The name shown is
    cleaned; the file itself is stored under a generated id and only ever served as a download."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"), index=True)
    draft_id: Mapped[int | None] = mapped_column(sa.ForeignKey("feedback_draft.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_message.id", ondelete="SET NULL"))
    blob_id: Mapped[int] = mapped_column(sa.ForeignKey("file_blob.id", ondelete="RESTRICT"))
    filename: Mapped[str] = mapped_column(sa.String(120))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    from_family: Mapped[bool] = mapped_column(default=True)
    # The family's signed consent for a representative to act for them.
    consent_document: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    case: Mapped[Case | None] = relationship(back_populates="attachments")
    message: Mapped[CaseMessage | None] = relationship(back_populates="attachments")
    # A file's data goes with its attachment: deleting a case leaves none of its files behind.
    blob: Mapped[FileBlob] = relationship(cascade="all, delete-orphan", single_parent=True)


class FeedbackDraft(db.Model):
    """The answers to the feedback journey so far, kept on the server so that nothing typed is
    lost to a validation error, a back button or a session that timed out."""

    __tablename__ = "feedback_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    answers: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow, index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="SET NULL"))

    attachments: Mapped[list[Attachment]] = relationship(order_by="Attachment.id")
    case: Mapped[Case | None] = relationship()


class CaseAccessToken(db.Model):
    """A single-use link, emailed from /track, that opens one case in the browser that follows it."""

    __tablename__ = "case_access_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()


class CaseAccessCode(db.Model):
    """The one-time code /track texts to a family who gave a phone number: it opens their
    case in the browser that types it. One per case (asking again replaces it); only its
    keyed hash is kept. It works for a few minutes, once, and is spent after too many wrong
    tries (portal.feedback.phone_codes)."""

    __tablename__ = "case_access_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"), unique=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    wrong_tries: Mapped[int] = mapped_column(default=0, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseAccessGrant(db.Model):
    """A browser's access to one case without an account, after it sent the feedback or opened
    an emailed link. The browser holds only the secret; the grant lives here, so it ends after
    a few idle hours, when a new link is sent, or when the family closes it."""

    __tablename__ = "case_access_grant"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccessRecord(db.Model):
    """A member of staff opened a case, downloaded one of its files or exported it: the record
    of who looked at what that UK GDPR accountability asks for children's special category
    data. Written by portal.feedback.access_records; never updated. It lives beside the case
    so that the family's subject access export can read it, and it goes when the case goes."""

    __tablename__ = "access_record"

    VIEWED = "viewed"
    DOWNLOADED = "downloaded"
    EXPORTED = "exported"
    LABELS = {VIEWED: "Opened the case", DOWNLOADED: "Downloaded a file", EXPORTED: "Exported the case"}

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    # The role they held then: a caseworker made a manager later still looked as a caseworker.
    role: Mapped[str] = mapped_column(sa.String(20))
    what: Mapped[str] = mapped_column(sa.String(12))
    # The file downloaded; emptied if the file is deleted, so the download stays on record.
    attachment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("attachment.id", ondelete="SET NULL"))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    user: Mapped[User | None] = relationship()
    attachment: Mapped[Attachment | None] = relationship()

    __table_args__ = (
        # A case's log, newest first, read from the index alone.
        sa.Index("ix_access_record_case", "case_id", "occurred_at"),
        sa.CheckConstraint(sa.column("what").in_((VIEWED, DOWNLOADED, EXPORTED)), name="what_known"),
    )

    @property
    def label(self) -> str:
        return self.LABELS[self.what]


class CasePageVersion(db.Model):
    """What a family's case page shows, as a version that changes whenever the case or a row of
    its history does (portal.feedback.page_versions): the key their kept page is found by.
    No foreign key, so that a row written in the same flush as its case's deletion never fails."""

    __tablename__ = "case_page_version"

    case_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[str] = mapped_column(sa.String(32))


# The page's version, read with the case itself where the family's page is opened (undefer it
# there), and by a small query of its own anywhere else.
Case.page_version = deferred(
    column_property(sa.select(CasePageVersion.version).where(CasePageVersion.case_id == Case.id).scalar_subquery())
)


class InboundMail(db.Model):
    """An email that arrived in the replies mailbox (portal.feedback.inbound_mail), recorded
    once by its Message-ID so that reading the mailbox again never adds it twice, with what
    became of it: added to its case, held for staff with the reason, or ignored (an auto-reply).
    Only who sent it and its subject are kept here: the message itself stays in the mailbox."""

    __tablename__ = "inbound_mail"

    ADDED = "added"
    HELD = "held"
    IGNORED = "ignored"
    OUTCOMES = {ADDED: "Added to the case", HELD: "Held for staff", IGNORED: "Ignored"}

    # Why it is held (or ignored, for an auto-reply), or a note on what was left out when added.
    NO_TOKEN = "no_token"
    FORGED = "forged"
    EXPIRED = "expired"
    NO_CASE = "no_case"
    CASE_CLOSED = "case_closed"
    UNKNOWN_SENDER = "unknown_sender"
    AUTO_REPLY = "auto_reply"
    NOTHING_ADDED = "nothing_added"
    TOO_LARGE = "too_large"
    FILES_REFUSED = "files_refused"
    UNREADABLE = "unreadable"
    REASONS = {
        NO_TOKEN: "Not a reply to a case email",
        FORGED: "The case address is not one the portal made",
        EXPIRED: "The case address has expired",
        NO_CASE: "The case no longer exists",
        CASE_CLOSED: "The case is closed",
        UNKNOWN_SENDER: "Not from the case's contact email",
        AUTO_REPLY: "An automatic reply",
        NOTHING_ADDED: "No message or file that could be added",
        TOO_LARGE: "Too large to fetch",
        FILES_REFUSED: "A file was not added",
        UNREADABLE: "It could not be read",
    }

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    sender: Mapped[str | None] = mapped_column(sa.String(254))
    subject: Mapped[str | None] = mapped_column(sa.String(255))
    outcome: Mapped[str] = mapped_column(sa.String(10))
    reason: Mapped[str | None] = mapped_column(sa.String(20))
    # For staff: which files were refused and why, when a message was added without them.
    note: Mapped[str | None] = mapped_column(sa.Text)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("feedback_case.id", ondelete="SET NULL"), index=True)
    case_message_id: Mapped[int | None] = mapped_column(sa.ForeignKey("case_message.id", ondelete="SET NULL"))

    case: Mapped[Case | None] = relationship()

    __table_args__ = (sa.CheckConstraint(sa.column("outcome").in_((ADDED, HELD, IGNORED)), name="outcome_known"),)

    @property
    def outcome_label(self) -> str:
        return self.OUTCOMES[self.outcome]

    @property
    def reason_label(self) -> str:
        return self.REASONS.get(self.reason, "") if self.reason else ""
