"""Lists shown a page at a time: which page, how many pages, and whether there are more."""

from dataclasses import dataclass


def clamp_page(asked: int, total: int, per_page: int) -> int:
    """The page to show: the one asked for, kept between the first and the last."""
    return min(max(asked, 1), last_page(total, per_page))


def last_page(total: int, per_page: int) -> int:
    return max(1, -(-total // per_page))


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
