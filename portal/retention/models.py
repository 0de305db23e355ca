"""One row per run of ``flask retention apply``: when, whether it was a dry run, and how many
records of each kind it changed (or would have). Counts only: no personal data."""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from portal.core.time import UTCDateTime, utcnow
from portal.extensions import db


class RetentionRun(db.Model):
    __tablename__ = "retention_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dry_run: Mapped[bool] = mapped_column(default=False)
    # {kind: count}, the kinds of portal.core.retention.DEFAULTS.
    counts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # True while the run goes on, None once it has finished: the unique constraint lets one run
    # at a time hold it, whichever server it is on (NULLs never clash).
    running: Mapped[bool | None] = mapped_column(default=True, unique=True)

    @property
    def total(self) -> int:
        return sum(self.counts.values())
