"""Names that must be unique, ignoring case (response templates, learning themes)."""

import sqlalchemy as sa

from portal.extensions import db


def name_taken(model, name: str, exclude_id: int | None = None) -> bool:
    """Whether another row of ``model`` has this name, ignoring case (the database's unique
    constraint is the backstop for two people saving at the same moment)."""
    query = sa.select(model.id).where(sa.func.lower(model.name) == name.strip().lower())
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None
