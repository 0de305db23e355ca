"""Lists shown a page at a time: which page, how many pages, and whether there are more."""

from dataclasses import dataclass

import sqlalchemy as sa

from portal.extensions import db


def clamp_page(asked: int, total: int, per_page: int) -> int:
    """The page to show: the one asked for, kept between the first and the last."""
    return min(max(asked, 1), last_page(total, per_page))


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


def count_of(query, key) -> int:
    """How many rows the select ``query`` gives, counting its ``key`` column alone."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(query.with_only_columns(key).order_by(None).subquery())
    )


def page_by_key(query, key, page: int, per_page: int):
    """The ordered select ``query`` cut to one page, its keys chosen first: sorting the key
    alone lets an index holding what the query filters and sorts on answer without reading a
    row, so that only the page's rows are read in full however many rows match. Loader options
    belong on what this returns."""
    keys = query.with_only_columns(key).limit(per_page).offset((page - 1) * per_page)
    return query.where(key.in_(keys.correlate(None).scalar_subquery()))


@dataclass
class Paged:
    items: list
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return last_page(self.total, self.per_page)

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


# Lists that grow with every case ever closed are counted only this far: a count past it costs
# the same however many cases there are.
COUNTED_UP_TO = 1000


class AtLeast(int):
    """A count that reached COUNTED_UP_TO and was not taken further: shown as "1,000+"."""

    def __str__(self) -> str:
        return f"{int(self):,}+"


def count_up_to(ids, limit: int = COUNTED_UP_TO):
    """SQL counting the rows of the select ``ids``, stopping one past ``limit``."""
    return sa.select(sa.func.count()).select_from(ids.limit(limit + 1).subquery()).scalar_subquery()


def shown_count(counted: int, limit: int = COUNTED_UP_TO) -> int:
    """What count_up_to found, as the list shows it: exact, or AtLeast(limit) past it."""
    return AtLeast(limit) if counted > limit else counted
