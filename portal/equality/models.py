from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.equality.questions import SOURCE_LABELS
from portal.extensions import db


class EqualityResponse(db.Model):
    """One person's answers to the equality monitoring questions (portal.equality.questions),
    with where they were asked and on which day. Nothing else: deliberately no link to the case,
    the consultation answer, the user or the session, so that no answer can be traced to a person
    (and so the data-rights export cannot find it either, as the privacy notice says). A column
    left empty was not answered."""

    __tablename__ = "equality_response"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(20))  # one of SOURCE_LABELS
    answered_on: Mapped[date] = mapped_column(sa.Date, index=True)
    age_band: Mapped[str | None] = mapped_column(sa.String(20))
    disability: Mapped[str | None] = mapped_column(sa.String(20))
    ethnicity: Mapped[str | None] = mapped_column(sa.String(20))
    sex: Mapped[str | None] = mapped_column(sa.String(20))
    religion: Mapped[str | None] = mapped_column(sa.String(20))
    first_language_english: Mapped[str | None] = mapped_column(sa.String(20))

    __table_args__ = (sa.CheckConstraint(sa.column("source").in_(tuple(SOURCE_LABELS)), name="source_known"),)
