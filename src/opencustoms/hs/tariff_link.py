"""Duty rates for the misclassification incentive, from the tariff engine when it has them.

The tariff domain is developed separately; this module is the single place that knows how to
ask it for an ad-valorem rate, and it says so plainly ("rate unknown") when it cannot.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

RateLookup = Callable[[str], float | None]
UNKNOWN = "rate unknown: the tariff engine offers no rate lookup"


def default_rate_lookup(*, date: dt.date | None = None) -> tuple[RateLookup | None, str]:
    """A function HS code -> ad-valorem rate (percent) and a note naming its source."""
    try:
        from opencustoms.tariff import service as tariff
    except ImportError:
        return None, UNKNOWN
    fn: Any = getattr(tariff, "duty_rate", None)
    if not callable(fn):
        return None, UNKNOWN

    def lookup(code: str) -> float | None:
        try:
            value = fn(hs_code=code, date=date) if date is not None else fn(hs_code=code)
        except (KeyError, ValueError, LookupError):
            return None
        rate = getattr(value, "rate", value)
        return None if rate is None else float(rate)

    return lookup, "opencustoms.tariff.service.duty_rate"
