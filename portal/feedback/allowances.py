"""What anonymous visitors may store: per address, how many feedback forms they may start and
files they may upload (counted in Flask-Limiter's storage, shared by every worker), and how much
a draft, or a case's replies in one London day, may hold. Each refusal says what the limit is,
so the page can tell the person and keep what they typed."""

import logging
import math
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import parse as parse_limit
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

from portal.core.files import CheckedFile, FileRefused, check_uploaded, describe_size
from portal.core.time import LONDON, format_datetime, london_today, utcnow
from portal.extensions import limiter
from portal.feedback import services

log = logging.getLogger(__name__)
# Counts kept by this process alone, for when the shared storage cannot be reached.
_IN_PROCESS = FixedWindowRateLimiter(MemoryStorage())

UPLOAD_SCOPE = "upload-address"  # evidence and replies share one allowance per address


@dataclass(frozen=True)
class LimitReached:
    """A per-address limit that is used up: how many are allowed, over what period (in words,
    like "an hour"), and when it frees up again."""

    amount: int
    period: str
    retry_at: datetime

    @property
    def retry_time(self) -> str:
        """Like 3:42pm, with the date too when that is not today."""
        local = self.retry_at.astimezone(LONDON)
        if local.date() != london_today():
            return format_datetime(self.retry_at)
        return f"{local:%-I:%M}{local:%p}".lower()

    @property
    def retry_after_seconds(self) -> int:
        return max(1, math.ceil((self.retry_at - utcnow()).total_seconds()))


def _period_in_words(limit) -> str:
    unit = limit.GRANULARITY.name
    if limit.multiples == 1:
        return f"{'an' if unit == 'hour' else 'a'} {unit}"
    return f"every {limit.multiples} {unit}s"


def address_limit_reached(setting: str, scope: str) -> LimitReached | None:
    """Count this request against the per-address limit in the setting, in the app's
    Flask-Limiter storage (shared by every worker). The views call it themselves rather than
    through a decorator, so that they count only what they limit (a new draft, a file) and
    can say what the limit is on the page, keeping everything the person typed."""
    if not limiter.enabled:
        return None
    limit = parse_limit(current_app.config[setting])
    keys = (get_remote_address(), scope)
    try:
        counter = limiter.limiter
        allowed = counter.hit(limit, *keys)
    except (RedisError, StorageError, OSError):
        # As Flask-Limiter does for its own limits: with Redis away, count in this process
        # rather than refuse a family who is starting their feedback.
        log.warning("Rate limit storage unreachable: counting %s in this process", scope)
        counter = _IN_PROCESS
        allowed = counter.hit(limit, *keys)
    if allowed:
        return None
    reset_at, _ = counter.get_window_stats(limit, *keys)
    return LimitReached(limit.amount, _period_in_words(limit), datetime.fromtimestamp(reset_at, timezone.utc))


def _count_upload() -> None:
    """Count a file against this address's upload limit, before anything reads it."""
    reached = address_limit_reached("UPLOAD_LIMIT_PER_ADDRESS", UPLOAD_SCOPE)
    if reached is not None:
        raise FileRefused(
            f"You can upload up to {reached.amount} file{'s' if reached.amount != 1 else ''} {reached.period}. "
            f"Try again after {reached.retry_time}"
        )


def check_draft_file(draft, upload) -> CheckedFile:
    """The evidence file, checked, if this address may upload it and it fits in what is left
    of the draft's total; FileRefused otherwise."""
    _count_upload()
    checked = check_uploaded(upload)
    allowed = current_app.config["UPLOAD_TOTAL_PER_DRAFT"]
    left = allowed - services.draft_files_size(draft)
    if checked.size > left:
        room = f"You have {describe_size(left)} left" if left > 0 else "Remove a file to add another"
        raise FileRefused(f"The files you add must be {describe_size(allowed)} or less in total. {room}")
    return checked


def check_reply_file(case, upload) -> CheckedFile:
    """A file sent with the family's reply, checked, if this address may upload it and it
    fits in what is left of the case's total for today; FileRefused otherwise."""
    _count_upload()
    checked = check_uploaded(upload)
    allowed = current_app.config["UPLOAD_TOTAL_PER_CASE_PER_DAY"]
    left = allowed - services.reply_files_size_today(case)
    if checked.size > left:
        room = (
            f"You have {describe_size(left)} left today"
            if left > 0
            else "Send your message without a file, or send the file tomorrow"
        )
        raise FileRefused(f"The files you send each day must be {describe_size(allowed)} or less in total. {room}")
    return checked
