"""Duty and tax estimates for the public: a thin layer over the tariff calculator.

A person gives an HS code, or describes the goods and picks one of the suggested codes;
the estimate lists every tax line with its legal basis, explains the de minimis threshold
that applied (or why it did not), and can be shared as a link: the query parameters are
the whole state, normalised so one question has one link.

Estimates are memoised per normalised query: the tariff data is loaded once per process
and read-only, so the same question always has the same answer (a shared link opened
many times is computed once).

>>> q = EstimateQuery.parse({"hs": "4202.21", "origin": "us", "value": "180",
...                          "currency": "usd", "date": "2024-06-01", "list": "yes"})
>>> q.share_query()
'hs=420221&origin=US&value=180&currency=USD&date=2024-06-01&personal=1&list=1'
>>> e = estimate(q)   # US goods under list clearance: USD 200 threshold
>>> e.computation.de_minimis, e.computation.total, e.thresholds["us_list_clearance"]["value"]
(True, 0.0, 200)
>>> estimate(EstimateQuery.parse({**q.__dict__, "list": "0"})).computation.de_minimis
False
"""

from __future__ import annotations

import datetime as dt
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlencode

from opencustoms.errors import InvalidInput
from opencustoms.tariff.service import TariffInputError, TaxComputation, calculate
from opencustoms.tariff.tables import load_tariff_data

MAX_VALUE = 1e12
# Parameters the explanation quotes (name in data/tariff/parameters.yaml -> label).
THRESHOLDS = {
    "general": "de_minimis.general_usd",
    "us_list_clearance": "de_minimis.us_list_clearance_usd",
    "food": "de_minimis.food_usd",
}


def _flag(value: Any) -> bool:
    return str(value).strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class EstimateQuery:
    hs: str
    origin: str
    value: float
    currency: str
    date: dt.date
    personal: bool = True
    list_clearance: bool = False

    @classmethod
    def parse(cls, params: Mapping[str, Any], *, today: dt.date | None = None) -> EstimateQuery:
        """From form or query parameters; errors name the field."""
        hs = "".join(ch for ch in str(params.get("hs") or "") if ch.isdigit())
        if not 6 <= len(hs) <= 10:
            raise InvalidInput("hs", "an HS code of 6-10 digits (or describe the goods)")
        origin = str(params.get("origin") or "").strip().upper()
        if len(origin) != 2 or not origin.isalpha():
            raise InvalidInput("origin", "a two-letter country code, e.g. US or CN")
        try:
            value = float(str(params.get("value") or "").replace(",", ""))
        except ValueError:
            raise InvalidInput("value", "a number") from None
        if not 0 <= value <= MAX_VALUE or value != value:
            raise InvalidInput("value", "between 0 and 10^12")
        currency = str(params.get("currency") or "USD").strip().upper()
        if len(currency) != 3 or not currency.isalpha():
            raise InvalidInput("currency", "a three-letter currency code, e.g. USD")
        raw_date = str(params.get("date") or "").strip()
        try:
            day = dt.date.fromisoformat(raw_date) if raw_date else (today or dt.date.today())
        except ValueError:
            raise InvalidInput("date", "YYYY-MM-DD") from None
        return cls(
            hs=hs,
            origin=origin,
            value=round(value, 2),
            currency=currency,
            date=day,
            personal=_flag(params.get("personal", "1")),
            list_clearance=_flag(params.get("list", "0")),
        )

    def share_query(self) -> str:
        return urlencode(
            {
                "hs": self.hs,
                "origin": self.origin,
                "value": f"{self.value:g}" if self.value < 1e15 else str(self.value),
                "currency": self.currency,
                "date": self.date.isoformat(),
                "personal": int(self.personal),
                "list": int(self.list_clearance),
            }
        )


@dataclass(frozen=True)
class Estimate:
    query: EstimateQuery
    computation: TaxComputation
    thresholds: dict[str, dict[str, Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready view; computed once per estimate (pages re-open shared links often),
        so treat it as read-only."""
        return self._payload

    @cached_property
    def _payload(self) -> dict[str, Any]:
        return {
            "query": {**self.query.__dict__, "date": self.query.date.isoformat()},
            "share_query": self.query.share_query(),
            "computation": self.computation.model_dump(mode="json"),
            "thresholds": self.thresholds,
        }


def _thresholds(day: dt.date) -> dict[str, dict[str, Any]]:
    params = load_tariff_data().params
    out = {}
    for label, name in THRESHOLDS.items():
        if name in params:
            try:
                v = params.at(name, day)
            except LookupError:
                continue
            out[label] = {"value": v.value, "reference": v.reference}
    return out


def _estimate(q: EstimateQuery) -> Estimate:
    try:
        comp = calculate(
            hs_code=q.hs,
            origin=q.origin,
            value=q.value,
            currency=q.currency,
            date=q.date,
            personal_use=q.personal,
            list_clearance=q.list_clearance,
        )
    except TariffInputError as exc:
        name = {"hs_code": "hs"}.get(exc.field, exc.field)
        raise InvalidInput(
            name if name in q.__dict__ else "hs", str(exc).split(":", 1)[-1].strip()
        ) from exc
    except LookupError as exc:
        raise InvalidInput("date", f"no tariff data in force: {exc}") from exc
    return Estimate(query=q, computation=comp, thresholds=_thresholds(q.date))


def estimate(q: EstimateQuery) -> Estimate:
    """The itemised estimate of ``q`` (memoised; treat the result as read-only)."""
    hit = cached(q)
    if hit is not None:
        return hit
    result = _estimate(q)
    with _recent_lock:
        _recent[q] = result
        _recent.move_to_end(q)
        if len(_recent) > _RECENT_MAX:
            _recent.popitem(last=False)
    return result


def cached(q: EstimateQuery) -> Estimate | None:
    """The estimate of ``q`` if it was computed recently, without computing it (a caller
    that must not block, like an event loop, asks this first)."""
    with _recent_lock:
        return _recent.get(q)


_RECENT_MAX = 8192
_recent: OrderedDict[EstimateQuery, Estimate] = OrderedDict()
_recent_lock = threading.Lock()


def suggest_codes(description: str, *, top: int = 5) -> list[dict[str, Any]]:
    """Ranked HS6 candidates with their legal text for a goods description."""
    from opencustoms.hs.service import suggest

    text = (description or "").strip()
    if not 2 <= len(text) <= 2000:
        raise InvalidInput("description", "2-2000 characters")
    try:
        found = suggest(text=text, top=top)
    except ValueError as exc:
        raise InvalidInput("description", str(exc)) from exc
    return [
        {
            "hs6": c.hs6,
            "confidence": round(c.confidence, 3),
            "description": c.description,
            "heading": c.heading,
            "heading_description": c.heading_description,
            "chapter": c.chapter,
            "chapter_description": c.chapter_description,
            "facets": c.facets,
        }
        for c in found
    ]
