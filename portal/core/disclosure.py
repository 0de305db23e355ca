"""Small numbers kept back from what the council publishes, so that no one can be recognised
from a count: a count from 1 to MIN_GROUP - 1 shows as "fewer than 5". Defined here once; the
satisfaction survey's results and the equality monitoring figures read it from here."""

from dataclasses import dataclass

MIN_GROUP = 5
FEWER = f"fewer than {MIN_GROUP}"


def is_small(count: int) -> bool:
    return 0 < count < MIN_GROUP


@dataclass(frozen=True)
class Shown:
    """A count as published: the number, or None when it is kept back."""

    count: int
    kept_back: bool

    @property
    def text(self) -> str:
        return FEWER if self.kept_back else str(self.count)


def protect(counts: dict[str, int]) -> tuple[dict[str, Shown], Shown]:
    """Each count of one breakdown, and its total, as they may be published.

    Every small count is kept back. Where exactly one is, it could be worked out from the total,
    so the next smallest count shown is kept back too; where there is no other count to keep
    back, the total is."""
    total = sum(counts.values())
    small = {key for key, count in counts.items() if is_small(count)}
    hidden_total = is_small(total)
    if len(small) == 1:
        others = sorted((count, key) for key, count in counts.items() if key not in small and count > 0)
        if others:
            small.add(others[0][1])
        else:
            hidden_total = True
    shown = {key: Shown(count, key in small) for key, count in counts.items()}
    return shown, Shown(total, hidden_total)
