"""The demo's published termly update for seed-demo: last term's, frozen as its first version
with its PDF, so that /updates has one to read (the current term's is left for the demo
manager to write)."""

from datetime import datetime, timedelta

import sqlalchemy as sa

from portal.accounts.models import User
from portal.core.terms import recent_terms
from portal.core.time import LONDON, utcnow
from portal.extensions import db
from portal.reports import termly
from portal.reports.models import TermlyUpdate


def seed_termly_update(now: datetime | None = None) -> bool:
    """The last term's update, published a week ago and frozen then as version 1 with its PDF,
    so that /updates has one to read. The current term's is left for the demo manager to
    write. Returns whether it was added."""
    now = now or utcnow()
    previous = recent_terms(now.astimezone(LONDON).date(), 2)[1]
    if db.session.scalar(sa.select(TermlyUpdate.id).where(TermlyUpdate.term == previous.slug)) is not None:
        return False
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@example.org"))
    published_at = now - timedelta(days=7)
    update = TermlyUpdate(
        term=previous.slug,
        introduction=(
            "Thank you to every family and young person who told us what they think this term. "
            "Here is what you told us, how quickly we answered, and what we are changing because of it."
        ),
        priorities=(
            "Answer every complaint within the Code's timescales, and tell families early when we need longer.\n"
            "Give every family a named caseworker they can reach directly.\n"
            "Rebuild the Local Offer website with families and the youth forum."
        ),
        published_at=published_at,
        published_by_id=manager.id if manager else None,
    )
    db.session.add(update)
    db.session.flush()
    termly.freeze(manager, previous, update, now=published_at)
    return True
