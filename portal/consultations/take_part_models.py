"""Ways to take part beyond answering online: opportunities to work with the council in person
or online (a working group, a drop-in, a youth forum session) and the places people take on them.

An opportunity's places are counted in ``places_taken``, changed only by a conditional UPDATE
that the database checks against ``capacity`` (and a check constraint besides), so two people
taking the last place at the same moment cannot both have it.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.accounts import roles
from portal.accounts.models import User
from portal.core.time import LONDON, UTCDateTime, utcnow
from portal.extensions import db

# --- kinds, formats, audiences and states -----------------------------------------------------

WORKING_GROUP = "working_group"
DROP_IN = "drop_in"
FORUM_SESSION = "forum_session"

KIND_LABELS = {
    WORKING_GROUP: "Working group",
    DROP_IN: "Drop-in",
    FORUM_SESSION: "Youth forum session",
}

IN_PERSON = "in_person"
ONLINE = "online"

FORMAT_LABELS = {IN_PERSON: "In person", ONLINE: "Online"}

FOR_PARENTS = "parents"
FOR_YOUNG_PEOPLE = "young_people"
FOR_ANYONE = "anyone"

AUDIENCE_LABELS = {
    FOR_PARENTS: "Parents and carers",
    FOR_YOUNG_PEOPLE: "Young people",
    FOR_ANYONE: "Anyone: parents, carers and young people",
}
AUDIENCE_ROLES = {
    FOR_PARENTS: (roles.PARENT,),
    FOR_YOUNG_PEOPLE: (roles.YOUTH,),
    FOR_ANYONE: (roles.PARENT, roles.YOUTH),
}

DRAFT = "draft"
PUBLISHED = "published"
CANCELLED = "cancelled"

STATE_LABELS = {DRAFT: "Draft", PUBLISHED: "Published", CANCELLED: "Cancelled"}

# What a person may tick to say what they need to take part (free text as well).
BSL_INTERPRETER = "bsl"
STEP_FREE = "step_free"
QUIET_SPACE = "quiet"
HEARING_LOOP = "hearing_loop"

NEED_LABELS = {
    BSL_INTERPRETER: "A British Sign Language (BSL) interpreter",
    STEP_FREE: "Step-free access",
    QUIET_SPACE: "A quiet space to take a break",
    HEARING_LOOP: "A hearing loop",
}


class Opportunity(db.Model):
    __tablename__ = "opportunity"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The readable address: /take-part/<slug>.
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    title: Mapped[str] = mapped_column(sa.String(150))
    description: Mapped[str] = mapped_column(sa.Text)
    format: Mapped[str] = mapped_column(sa.String(10))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The address, or how to join online (the link itself is sent to those with a place).
    place: Mapped[str] = mapped_column(sa.Text)
    accessibility: Mapped[str | None] = mapped_column(sa.Text)
    audience: Mapped[str] = mapped_column(sa.String(20))
    capacity: Mapped[int] = mapped_column()
    places_taken: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(sa.String(10), default=DRAFT)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.CheckConstraint(sa.column("kind").in_(tuple(KIND_LABELS)), name="kind_known"),
        sa.CheckConstraint(sa.column("format").in_(tuple(FORMAT_LABELS)), name="format_known"),
        sa.CheckConstraint(sa.column("audience").in_(tuple(AUDIENCE_LABELS)), name="audience_known"),
        sa.CheckConstraint(sa.column("status").in_(tuple(STATE_LABELS)), name="status_known"),
        sa.CheckConstraint("capacity > 0", name="capacity_positive"),
        sa.CheckConstraint("places_taken >= 0 AND places_taken <= capacity", name="places_within_capacity"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS[self.format]

    @property
    def audience_label(self) -> str:
        return AUDIENCE_LABELS[self.audience]

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.status]

    @property
    def places_left(self) -> int:
        return max(self.capacity - self.places_taken, 0)

    @property
    def is_full(self) -> bool:
        return self.places_left == 0

    @property
    def is_online(self) -> bool:
        return self.format == ONLINE

    @property
    def starts_in_london(self) -> datetime:
        return self.starts_at.astimezone(LONDON)

    @property
    def ends_in_london(self) -> datetime:
        return self.ends_at.astimezone(LONDON)

    def is_for(self, user) -> bool:
        """Whether ``user`` may take a place: signed in, in the audience, and allowed to post."""
        return user.is_authenticated and user.role in AUDIENCE_ROLES[self.audience] and user.can_post


class SignUp(db.Model):
    """One person's place on an opportunity, with what they need to take part. Cancelling keeps
    the row (so a person who cancels and signs up again has one row) and frees the place."""

    __tablename__ = "opportunity_sign_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunity.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"), index=True)
    needs: Mapped[list] = mapped_column(sa.JSON, default=list)
    access_needs: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    opportunity: Mapped[Opportunity] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("opportunity_id", "user_id", name="uq_opportunity_sign_up_once"),)

    @property
    def is_live(self) -> bool:
        return self.cancelled_at is None

    @property
    def need_labels(self) -> list[str]:
        return [NEED_LABELS[need] for need in self.needs or [] if need in NEED_LABELS]
