"""Duty rates for the misclassification incentive, from the tariff engine.

This module is the single place that knows how to ask the tariff engine for an ad-valorem
rate; a code the rate tables do not know gets None ("rate unknown").
The rate asked for is the basic (non-preferential) customs duty: ``calculate`` is given no
FTA and the unknown-origin country code ``ZZ``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

from opencustoms.tariff.service import calculate

RateLookup = Callable[[str], float | None]
SOURCE = "opencustoms.tariff basic customs duty (no FTA)"


def default_rate_lookup(*, date: dt.date | None = None) -> tuple[RateLookup | None, str]:
    """A function HS code -> ad-valorem rate (percent), and a note naming its source."""
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
