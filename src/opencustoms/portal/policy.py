"""The portal's rules as data: routing table, answer deadlines, parcel status words, rate
limits (``src/opencustoms/data/portal/*.yaml``), and reference numbers.

>>> due, ref = load_sla().due("question", dt.datetime(2026, 2, 13, 9, 0, tzinfo=dt.UTC))
>>> due.date(), "14" in ref   # Friday + 7 working days, skipping Seollal (16-18 Feb)
(datetime.date(2026, 2, 27), True)
>>> reference_number("FB", 2026, 123)
'FB-2026-000123-3'
>>> check_reference("FB-2026-000123-3"), check_reference("FB-2026-000124-3")
(True, False)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from opencustoms.errors import InvalidInput
from opencustoms.settings import PACKAGE_DATA_DIR

DATA_DIR = PACKAGE_DATA_DIR / "portal"
KINDS = ("question", "complaint", "suggestion")


def _read(name: str, path: Path | None = None) -> dict[str, Any]:
    data = yaml.safe_load((path or DATA_DIR / name).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InvalidInput(name, "expected a mapping at the top level")
    return data


@dataclass(frozen=True)
class Topic:
    code: str
    office: str
    label: str


@dataclass(frozen=True)
class Routing:
    topics: dict[str, Topic]
    reference: str

    def topic(self, code: str) -> Topic:
        try:
            return self.topics[code]
        except KeyError:
            raise InvalidInput("topic", f"unknown topic {code!r}") from None


@lru_cache(maxsize=4)
def load_routing(path: Path | None = None) -> Routing:
    data = _read("routing.yaml", path)
    topics = {
        code: Topic(code=code, office=str(t["office"]), label=str(t["label"]))
        for code, t in data["topics"].items()
    }
    if "other" not in topics:
        raise InvalidInput("routing.yaml", "a topic 'other' is required (the fallback)")
    return Routing(topics=topics, reference=str(data.get("reference", "")))


@dataclass(frozen=True)
class Deadline:
    valid_from: dt.date
    days: int
    unit: str  # working_days | days
    reference: str


@dataclass(frozen=True)
class Sla:
    kinds: dict[str, tuple[Deadline, ...]]  # newest first
    holidays: frozenset[dt.date]

    def rule(self, kind: str, day: dt.date) -> Deadline:
        for d in self.kinds.get(kind, ()):
            if d.valid_from <= day:
                return d
        raise InvalidInput("kind", f"no answer deadline for {kind!r} on {day}")

    def is_working_day(self, day: dt.date) -> bool:
        return day.weekday() < 5 and day not in self.holidays

    def due(self, kind: str, at: dt.datetime) -> tuple[dt.datetime, str]:
        """Deadline of a request of ``kind`` received at ``at``: end of the last day."""
        rule = self.rule(kind, at.date())
        day = at.date()
        if rule.unit == "days":
            day += dt.timedelta(days=rule.days)
        else:
            left = rule.days
            while left:
                day += dt.timedelta(days=1)
                left -= self.is_working_day(day)
        end = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=at.tzinfo or dt.UTC)
        return end, rule.reference


@lru_cache(maxsize=4)
def load_sla(path: Path | None = None) -> Sla:
    data = _read("sla.yaml", path)
    kinds = {}
    for kind, entries in data["kinds"].items():
        rules = [
            Deadline(
                valid_from=dt.date.fromisoformat(str(e["valid_from"])),
                days=int(e["days"]),
                unit=str(e["unit"]),
                reference=str(e["reference"]),
            )
            for e in entries
        ]
        for r in rules:
            if r.unit not in ("days", "working_days") or r.days < 0:
                raise InvalidInput(f"sla.yaml: {kind}", f"bad deadline {r.days} {r.unit}")
        kinds[kind] = tuple(sorted(rules, key=lambda r: r.valid_from, reverse=True))
    holidays = frozenset(dt.date.fromisoformat(str(d)) for d in data.get("holidays", []))
    return Sla(kinds=kinds, holidays=holidays)


@lru_cache(maxsize=1)
def parcel_status_words() -> dict[str | None, str]:
    data = _read("status.yaml")
    return {
        (None if k in (None, "null") else str(k)): str(v)
        for k, v in data["parcel_decisions"].items()
    }


@lru_cache(maxsize=4)
def load_limits(path: Path | None = None) -> dict[str, tuple[float, float, int]]:
    """name -> (rate, per_seconds, burst)."""
    data = _read("limits.yaml", path)
    return {
        name: (float(v["rate"]), float(v["per_seconds"]), int(v["burst"]))
        for name, v in data["limits"].items()
    }


def _check_digit(body: str) -> int:
    # Luhn over the digits: a mistyped digit or swapped neighbours gives another digit, so
    # a caller reading a reference over the phone is told at once that it is wrong.
    total = 0
    for i, ch in enumerate(reversed(body)):
        n = int(ch) * (2 if i % 2 == 0 else 1)
        total += n - 9 if n > 9 else n
    return (10 - total % 10) % 10


def reference_number(prefix: str, year: int, seq: int) -> str:
    body = f"{year:04d}{seq:06d}"
    return f"{prefix}-{year:04d}-{seq:06d}-{_check_digit(body)}"


def check_reference(ref: str) -> bool:
    parts = ref.strip().upper().split("-")
    if len(parts) != 4 or not all(p.isdigit() for p in parts[1:]):
        return False
    return _check_digit(parts[1] + parts[2]) == int(parts[3])
