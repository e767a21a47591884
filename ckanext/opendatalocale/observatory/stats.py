"""Order statistics for comparing collectivités: median, quartiles and rank. Pure Python."""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def quantile(values: Sequence[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default, Excel's QUARTILE.INC):
    position ``q * (n - 1)`` in the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True, slots=True)
class Distribution:
    count: int
    q1: float | None
    median: float | None
    q3: float | None
    minimum: float | None
    maximum: float | None

    def as_dict(self) -> dict:
        return {"count": self.count, "q1": self.q1, "median": self.median, "q3": self.q3,
                "min": self.minimum, "max": self.maximum}


def distribution(values: Sequence[float]) -> Distribution:
    values = [v for v in values if v is not None]
    return Distribution(len(values), quantile(values, 0.25), quantile(values, 0.5),
                        quantile(values, 0.75), min(values, default=None), max(values, default=None))


def rank(value: float, values: Sequence[float]) -> int:
    """Competition rank from the highest (1 + number of strictly higher values): ties share
    the better rank, as in "1, 2, 2, 4"."""
    return 1 + sum(1 for v in values if v is not None and v > value)
