"""Whole percentages that sum to exactly 100, and a percentage shown beside a threshold."""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction


def percentages(counts: Sequence[int]) -> list[int]:
    """Whole percentages of ``counts`` that sum to exactly 100 (all 0 when the total is 0).

    Largest remainder (Hamilton's method): each share is rounded down, then the points still
    missing go one each to the shares with the largest remainders; equal remainders go to the
    earlier share, so the result depends only on the counts and their order.
    """
    if any(c < 0 for c in counts):
        raise ValueError("counts cannot be negative")
    total = sum(counts)
    if total == 0:
        return [0] * len(counts)
    floors = [100 * c // total for c in counts]
    remainders = [100 * c % total for c in counts]
    missing = 100 - sum(floors)
    by_remainder = sorted(range(len(counts)), key=lambda i: (-remainders[i], i))
    for i in by_remainder[:missing]:
        floors[i] += 1
    return floors


def percent(part: int, whole: int) -> int:
    """``part`` of ``whole`` as a whole percentage, halves rounded up (0 when ``whole`` is 0)."""
    if whole <= 0:
        return 0
    return (200 * part + whole) // (2 * whole)


def percent_beside(share: Fraction, threshold: Fraction, met: bool, strict: bool = False) -> str:
    """``share`` as a percentage that never seems to sit on the wrong side of ``threshold``.

    Rounded to a whole number, 133 of 200 (66.5%) would read "67%" beside "needed two thirds"
    although it falls short, and 1,001 of 2,001 would read "50%" although it is more than half.
    When the whole number would mislead, one decimal is shown, rounded towards the true side
    ("66.5%", "50.1%"). ``strict`` means the threshold must be exceeded, not only reached.
    """
    whole = _round_half_up(share * 100)
    if _reads_as_met(Fraction(whole, 100), threshold, strict) == met:
        return f"{whole}%"
    tenths = share * 1000
    shown = _ceil(tenths) if met else _floor(tenths)
    return f"{shown // 10}.{shown % 10}%"


def _reads_as_met(shown: Fraction, threshold: Fraction, strict: bool) -> bool:
    return shown > threshold if strict else shown >= threshold


def _round_half_up(x: Fraction) -> int:
    return _floor(x + Fraction(1, 2))


def _floor(x: Fraction) -> int:
    return x.numerator // x.denominator


def _ceil(x: Fraction) -> int:
    return -(-x.numerator // x.denominator)
