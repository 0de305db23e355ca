import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db


class LearningTheme(db.Model):
    """What the council learns from, shared by case outcomes and consultation answers."""

    __tablename__ = "learning_theme"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(100), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
