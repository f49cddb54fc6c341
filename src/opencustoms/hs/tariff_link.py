"""Duty rates for the misclassification incentive, from the tariff engine.

The tariff domain is developed separately; this module is the single place that knows how to
ask it for an ad-valorem rate, and it says so plainly ("rate unknown") when it cannot.
The rate asked for is the basic (non-preferential) customs duty: ``calculate`` is given no
FTA and the unknown-origin country code ``ZZ``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from typing import Any

RateLookup = Callable[[str], float | None]
UNKNOWN = "rate unknown: the tariff engine is not available"
SOURCE = "opencustoms.tariff basic customs duty (no FTA)"


def default_rate_lookup(*, date: dt.date | None = None) -> tuple[RateLookup | None, str]:
    """A function HS code -> ad-valorem rate (percent), and a note naming its source."""
    try:
        from opencustoms.tariff import service as tariff
    except ImportError:
        return None, UNKNOWN
    calculate: Any = getattr(tariff, "calculate", None)
    if not callable(calculate):
        return None, UNKNOWN
    day = date or dt.date.today()

    @lru_cache(maxsize=4096)
    def lookup(code: str) -> float | None:
        try:
            result = calculate(
                hs_code=code, origin="ZZ", value=1_000_000.0, currency="KRW", date=day
            )
        except (ValueError, KeyError, LookupError):
            return None  # TariffInputError is a ValueError: code not in the rate tables
        for line in result.lines:
            if line.tax == "customs_duty" and line.rate_unit == "%":
                return float(line.rate)
        return None

    return lookup, SOURCE
