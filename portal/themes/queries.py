"""The learning themes offered when tagging something new."""

import sqlalchemy as sa

from portal.extensions import db
from portal.themes.models import LearningTheme


def active_themes() -> list[LearningTheme]:
    """The themes not retired, by name."""
    return db.session.scalars(
        sa.select(LearningTheme).where(LearningTheme.active.is_(True)).order_by(LearningTheme.name)
    ).all()
