"""Opportunities for tests, made through the real services."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from portal.accounts.models import User
from portal.consultations import take_part
from portal.consultations import take_part_models as t
from portal.core.time import LONDON, london_today
from portal.extensions import db


def details(**changes) -> take_part.Details:
    """A drop-in at 6pm to 8pm London time, a week away, with 10 places, for anyone."""
    day = changes.pop("day", london_today() + timedelta(days=7))
    starts = changes.pop("starts", (18, 0))
    ends = changes.pop("ends", (20, 0))
    fields = {
        "kind": t.DROP_IN,
        "title": "Short breaks drop-in",
        "description": "Come and tell us about short breaks.",
        "format": t.IN_PERSON,
        "starts_at": datetime(day.year, day.month, day.day, *starts, tzinfo=LONDON),
        "ends_at": datetime(day.year, day.month, day.day, *ends, tzinfo=LONDON),
        "place": "Civic Centre, Room 2, High Street",
        "accessibility": "Step-free access; hearing loop; quiet room",
        "audience": t.FOR_ANYONE,
        "capacity": 10,
    }
    fields.update(changes)
    return take_part.Details(**fields)


@dataclass(frozen=True)
class Made:
    """What a test needs of an opportunity once its app context has ended."""

    id: int
    slug: str
    starts_at: datetime


def make_opportunity(manager_id: int, *, publish: bool = True, **changes) -> Made:
    """An opportunity made by the manager, published unless ``publish`` is False. Commits."""
    manager = db.session.get(User, manager_id)
    opportunity = take_part.create(manager, details(**changes))
    if publish:
        take_part.publish(manager, opportunity)
    db.session.commit()
    return Made(opportunity.id, opportunity.slug, opportunity.starts_at)


def take(opportunity_id: int, user_id: int, needs=(), access_needs=None) -> t.SignUp:
    opportunity = db.session.get(t.Opportunity, opportunity_id)
    sign_up = take_part.take_place(opportunity, db.session.get(User, user_id), list(needs), access_needs)
    db.session.commit()
    return sign_up
