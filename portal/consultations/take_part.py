"""The rules of ways to take part: managers write, publish and cancel opportunities; parents
and youth forum members take a place (saying what they need to take part) and give it back.

A place is taken by one conditional UPDATE of the opportunity's ``places_taken`` (only while
it is published, not started and below ``capacity``), so the database, not a count read
beforehand, decides who gets the last place. Each person has at most one row per opportunity
(a unique constraint); giving a place back marks the row and frees the place in the same way.

The reminder the day before goes out with ``flask --app wsgi alerts send`` (run daily), once
per place: ``reminded_at`` is set in the same UPDATE that claims the row.

Every function leaves the commit to the caller.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from portal.consultations import take_part_models as t
from portal.consultations.authoring import slug_for
from portal.core import audit
from portal.core.links import public_url
from portal.core.rules import RuleError
from portal.core.time import london_midnight, london_today, utcnow
from portal.extensions import db
from portal.notifications.services import queue_email

# What the audit log calls this module's actions (read by portal.audit_labels).
AUDIT_LABELS = {
    "opportunity.created": "Created a way to take part",
    "opportunity.changed": "Changed a way to take part",
    "opportunity.published": "Published a way to take part",
    "opportunity.cancelled": "Cancelled a way to take part",
    "opportunity.place_taken": "Took a place",
    "opportunity.place_given_back": "Gave a place back",
}

SLUG_MAX = 120
FULL = "All the places have been taken"
NOT_TAKING_PLACES = "Places can no longer be taken"
CAPACITY_BELOW_TAKEN = "The number of places cannot be fewer than the {taken} already taken"


@dataclass
class Details:
    kind: str
    title: str
    description: str
    format: str
    starts_at: datetime
    ends_at: datetime
    place: str
    accessibility: str | None
    audience: str
    capacity: int


def unique_slug(title: str, exclude_id: int | None = None) -> str:
    """The address /take-part/<slug> made from the title as a consultation's is, followed by
    -2, -3 ... when taken; the unique constraint is the backstop for two managers at once."""
    base = slug_for(title)
    base = "opportunity" if base == "consultation" else base  # a title with no letters or digits
    query = sa.select(t.Opportunity.slug).where(t.Opportunity.slug.startswith(base[: SLUG_MAX - 12]))
    if exclude_id is not None:
        query = query.where(t.Opportunity.id != exclude_id)
    taken = set(db.session.scalars(query))
    candidate, number = base, 1
    while candidate in taken:
        number += 1
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
    return candidate


# --- writing ---------------------------------------------------------------------------------


def _apply(opportunity: t.Opportunity, details: Details) -> None:
    for name, value in vars(details).items():
        setattr(opportunity, name, value)


def create(actor, details: Details) -> t.Opportunity:
    opportunity = t.Opportunity(slug=unique_slug(details.title), status=t.DRAFT, created_by_id=actor.id)
    _apply(opportunity, details)
    db.session.add(opportunity)
    audit.record(actor, "opportunity.created", opportunity)
    return opportunity


def change(actor, opportunity: t.Opportunity, details: Details) -> bool:
    """Save new details; the number of places cannot go below those taken. Returns whether
    anything changed. A draft's address follows its title; a published one's stays."""
    if opportunity.status == t.CANCELLED:
        raise RuleError("A cancelled opportunity cannot be changed")
    if details.capacity < opportunity.places_taken:
        raise RuleError(CAPACITY_BELOW_TAKEN.format(taken=opportunity.places_taken), "capacity")
    before = {name: getattr(opportunity, name) for name in vars(details)}
    if before == vars(details):
        return False
    _apply(opportunity, details)
    if opportunity.status == t.DRAFT:
        opportunity.slug = unique_slug(details.title, exclude_id=opportunity.id)
    changed = sorted(name for name, value in before.items() if value != getattr(details, name))
    audit.record(actor, "opportunity.changed", opportunity, fields=changed)
    return True


def publish(actor, opportunity: t.Opportunity, now: datetime | None = None) -> None:
    now = now or utcnow()
    if opportunity.status != t.DRAFT:
        raise RuleError("This opportunity has already been published")
    if opportunity.starts_at <= now:
        raise RuleError("The start is in the past. Change the date before publishing", "starts_at")
    opportunity.status = t.PUBLISHED
    opportunity.published_at = now
    audit.record(actor, "opportunity.published", opportunity)


def cancel(actor, opportunity: t.Opportunity) -> int:
    """Cancel it and tell everyone with a place. Returns how many were told."""
    if opportunity.status == t.CANCELLED:
        raise RuleError("This opportunity has already been cancelled")
    was_published = opportunity.status == t.PUBLISHED
    opportunity.status = t.CANCELLED
    opportunity.cancelled_at = utcnow()
    told = 0
    if was_published:
        for sign_up in live_sign_ups(opportunity):
            if not sign_up.user.is_active:
                continue
            _email(sign_up, "Cancelled: {title}", "opportunity_cancelled")
            told += 1
    audit.record(actor, "opportunity.cancelled", opportunity, told=told)
    return told


# --- places ----------------------------------------------------------------------------------


def _take_a_place(opportunity_id: int, now: datetime) -> bool:
    """One more place taken, if one is left: the database decides, under any concurrency."""
    taken = db.session.execute(
        sa.update(t.Opportunity)
        .where(
            t.Opportunity.id == opportunity_id,
            t.Opportunity.status == t.PUBLISHED,
            t.Opportunity.starts_at > now,
            t.Opportunity.places_taken < t.Opportunity.capacity,
        )
        .values(places_taken=t.Opportunity.places_taken + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    return taken == 1


def _give_back_a_place(opportunity_id: int) -> None:
    db.session.execute(
        sa.update(t.Opportunity)
        .where(t.Opportunity.id == opportunity_id, t.Opportunity.places_taken > 0)
        .values(places_taken=t.Opportunity.places_taken - 1)
        .execution_options(synchronize_session=False)
    )


def sign_up_of(opportunity: t.Opportunity, user) -> t.SignUp | None:
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(t.SignUp).where(t.SignUp.opportunity_id == opportunity.id, t.SignUp.user_id == user.id)
    )


def take_place(opportunity: t.Opportunity, user, needs: list[str], access_needs: str | None) -> t.SignUp:
    """Give ``user`` a place, with what they need to take part. RuleError when they may not,
    or when the last place has gone. Taking a place they already have changes their needs."""
    if not opportunity.is_for(user):
        raise RuleError("This is not open to you")
    needs = [need for need in t.NEED_LABELS if need in set(needs)]
    existing = sign_up_of(opportunity, user)
    if existing is not None and existing.is_live:
        existing.needs, existing.access_needs = needs, access_needs
        return existing
    now = utcnow()
    if not _take_a_place(opportunity.id, now):
        db.session.refresh(opportunity)
        raise RuleError(FULL if opportunity.is_full else NOT_TAKING_PLACES)
    if existing is None:
        existing = t.SignUp(opportunity_id=opportunity.id, user_id=user.id)
        db.session.add(existing)
    existing.needs, existing.access_needs = needs, access_needs
    existing.cancelled_at = None
    existing.reminded_at = None
    db.session.flush()
    db.session.refresh(opportunity)
    audit.record(user, "opportunity.place_taken", existing, opportunity_id=opportunity.id)
    _email(existing, "Your place: {title}", "opportunity_place_taken")
    return existing


def give_back_place(sign_up: t.SignUp) -> bool:
    """Give the place back (once, however often asked). Returns whether it was theirs to give."""
    given = db.session.execute(
        sa.update(t.SignUp)
        .where(t.SignUp.id == sign_up.id, t.SignUp.cancelled_at.is_(None))
        .values(cancelled_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not given:
        return False
    _give_back_a_place(sign_up.opportunity_id)
    db.session.refresh(sign_up)
    db.session.refresh(sign_up.opportunity)
    audit.record(sign_up.user, "opportunity.place_given_back", sign_up, opportunity_id=sign_up.opportunity_id)
    return True


def live_sign_ups(opportunity: t.Opportunity) -> list[t.SignUp]:
    """Everyone with a place, in the order they took it, with their accounts: one query."""
    return db.session.scalars(
        sa.select(t.SignUp)
        .where(t.SignUp.opportunity_id == opportunity.id, t.SignUp.cancelled_at.is_(None))
        .options(joinedload(t.SignUp.user))
        .order_by(t.SignUp.created_at, t.SignUp.id)
    ).all()


# --- emails ----------------------------------------------------------------------------------


def _email(sign_up: t.SignUp, subject: str, template: str) -> None:
    opportunity = sign_up.opportunity
    queue_email(
        sign_up.user.email,
        subject.format(title=opportunity.title),
        template,
        user=sign_up.user,
        opportunity=opportunity,
        sign_up=sign_up,
        link=public_url("consultations_take_part.opportunity", slug=opportunity.slug),
    )


def reminders_due(today: date):
    """Live places on published opportunities starting tomorrow (London), not reminded yet."""
    tomorrow = today + timedelta(days=1)
    return (
        sa.select(t.SignUp.id)
        .join(t.Opportunity, t.Opportunity.id == t.SignUp.opportunity_id)
        .where(
            t.Opportunity.status == t.PUBLISHED,
            t.Opportunity.starts_at >= london_midnight(tomorrow),
            t.Opportunity.starts_at < london_midnight(tomorrow + timedelta(days=1)),
            t.SignUp.cancelled_at.is_(None),
            t.SignUp.reminded_at.is_(None),
        )
        .order_by(t.SignUp.id)
    )


def send_reminders(today: date | None = None) -> int:
    """Remind everyone with a place on something tomorrow, once each. Returns how many."""
    today = today or london_today()
    sent = 0
    for sign_up_id in db.session.scalars(reminders_due(today)).all():
        claimed = db.session.execute(
            sa.update(t.SignUp)
            .where(t.SignUp.id == sign_up_id, t.SignUp.reminded_at.is_(None))
            .values(reminded_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed:
            sign_up = db.session.get(t.SignUp, sign_up_id)
            if sign_up.user.is_active:
                _email(sign_up, "Tomorrow: {title}", "opportunity_reminder")
                sent += 1
    return sent


# --- what the public sees ----------------------------------------------------------------------


def upcoming(today: date | None = None) -> list[t.Opportunity]:
    """Published opportunities from today on (London), soonest first. Today's stay listed all
    day: the public pages are kept for a London day at a time."""
    today = today or london_today()
    return db.session.scalars(
        sa.select(t.Opportunity)
        .where(t.Opportunity.status == t.PUBLISHED, t.Opportunity.starts_at >= london_midnight(today))
        .order_by(t.Opportunity.starts_at, t.Opportunity.id)
    ).all()


def public_opportunity(slug: str) -> t.Opportunity | None:
    """The opportunity at this address unless it is a draft (drafts answer 404)."""
    return db.session.scalar(
        sa.select(t.Opportunity).where(t.Opportunity.slug == slug, t.Opportunity.status != t.DRAFT)
    )


def all_for_managers() -> list[t.Opportunity]:
    return db.session.scalars(
        sa.select(t.Opportunity).order_by(t.Opportunity.starts_at.desc(), t.Opportunity.id.desc())
    ).all()


def places_of(user) -> list[t.SignUp]:
    """The person's live places on opportunities still to come."""
    return db.session.scalars(
        sa.select(t.SignUp)
        .join(t.Opportunity, t.Opportunity.id == t.SignUp.opportunity_id)
        .where(
            t.SignUp.user_id == user.id,
            t.SignUp.cancelled_at.is_(None),
            t.Opportunity.status == t.PUBLISHED,
            t.Opportunity.starts_at >= london_midnight(london_today()),
        )
        .options(contains_eager(t.SignUp.opportunity))
        .order_by(t.Opportunity.starts_at)
    ).all()


def erase_places_of(user) -> int:
    """Delete every place ``user`` took, with what they said they need, freeing those still
    to come (their account is closing). Returns how many were deleted."""
    live = db.session.scalars(
        sa.select(t.SignUp.opportunity_id).where(t.SignUp.user_id == user.id, t.SignUp.cancelled_at.is_(None))
    ).all()
    for opportunity_id in live:
        _give_back_a_place(opportunity_id)
    return db.session.execute(sa.delete(t.SignUp).where(t.SignUp.user_id == user.id)).rowcount


def on_user_closed(user, **_) -> None:
    erase_places_of(user)


def connect() -> None:
    """Listen to accounts (which cannot import this package); connecting twice is harmless."""
    from portal.accounts import signals

    signals.user_closed.connect(on_user_closed)
