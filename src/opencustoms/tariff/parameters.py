"""Dated parameters (OpenFisca-style): every value has validity dates and a reference.

A parameter file is YAML mapping a dotted name to a description and a list of values::

    vat.rate:
      description: Value-added tax on imports
      unit: fraction
      values:
        - {from: 1977-07-01, to: null, value: 0.10, reference: "VAT Act art. 30"}

``ParameterSet.at(name, date)`` returns the value in force on ``date`` (``from`` and ``to``
inclusive; ``to: null`` is open-ended) and raises :class:`ParameterNotInForce`, naming the
parameter and the date, when none applies.

>>> ps = ParameterSet.from_mapping({"vat.rate": {"values": [
...     {"from": "1977-07-01", "to": None, "value": 0.1, "reference": "VAT Act art. 30"}]}})
>>> ps.at("vat.rate", "2024-05-01").value
0.1
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml


class ParameterError(ValueError):
    """A parameter file is malformed (overlapping periods, missing reference...)."""


class ParameterNotInForce(LookupError):
    """No value of a parameter is in force on the requested date."""

    def __init__(self, name: str, date: dt.date, periods: str) -> None:
        self.name = name
        self.date = date
        super().__init__(
            f"date: parameter {name!r} has no value in force on {date.isoformat()} "
            f"(defined for {periods})"
        )


def as_date(value: object, *, field: str = "date") -> dt.date:
    """Parse a date given as ``date``, ``datetime`` or ISO text; errors name the field."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError(f"{field}: {value!r} is not a date in YYYY-MM-DD form")


@dataclass(frozen=True)
class DatedValue:
    value: Any
    valid_from: dt.date
    valid_to: dt.date | None
    reference: str

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)

    @property
    def period(self) -> str:
        end = self.valid_to.isoformat() if self.valid_to else "open"
        return f"{self.valid_from.isoformat()}..{end}"


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    values: tuple[DatedValue, ...]

    def at(self, day: dt.date | str) -> DatedValue:
        when = as_date(day)
        for item in self.values:
            if item.covers(when):
                return item
        periods = ", ".join(v.period for v in self.values) or "no period"
        raise ParameterNotInForce(self.name, when, periods)


def _parse_parameter(name: str, spec: Mapping[str, Any]) -> Parameter:
    raw_values = spec.get("values")
    if not isinstance(raw_values, list) or not raw_values:
        raise ParameterError(f"{name}: 'values' must be a non-empty list")
    values: list[DatedValue] = []
    for i, raw in enumerate(raw_values):
        where = f"{name}.values[{i}]"
        if "value" not in raw:
            raise ParameterError(f"{where}: missing 'value'")
        reference = str(raw.get("reference") or "").strip()
        if not reference:
            raise ParameterError(f"{where}: missing 'reference' (every value needs its source)")
        start = as_date(raw.get("from"), field=f"{where}.from")
        end = as_date(raw["to"], field=f"{where}.to") if raw.get("to") else None
        if end is not None and end < start:
            raise ParameterError(f"{where}: 'to' {end} is before 'from' {start}")
        values.append(DatedValue(raw["value"], start, end, reference))
    values.sort(key=lambda v: v.valid_from)
    for prev, nxt in pairwise(values):
        if prev.valid_to is None or prev.valid_to >= nxt.valid_from:
            raise ParameterError(f"{name}: periods {prev.period} and {nxt.period} overlap")
    return Parameter(
        name=name,
        description=str(spec.get("description", "")),
        unit=str(spec.get("unit", "")),
        values=tuple(values),
    )


class ParameterSet:
    """All dated scalar parameters, loaded from one or more YAML files."""

    def __init__(self, parameters: Mapping[str, Parameter]) -> None:
        self._parameters = dict(parameters)

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> ParameterSet:
        return cls({name: _parse_parameter(name, spec) for name, spec in mapping.items()})

    @classmethod
    def from_files(cls, *paths: Path) -> ParameterSet:
        merged: dict[str, Any] = {}
        for path in paths:
            content = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
            clash = set(content) & set(merged)
            if clash:
                raise ParameterError(f"{path}: parameters defined twice: {sorted(clash)}")
            merged.update(content)
        return cls.from_mapping(merged)

    def __contains__(self, name: str) -> bool:
        return name in self._parameters

    def names(self) -> list[str]:
        return sorted(self._parameters)

    def parameter(self, name: str) -> Parameter:
        try:
            return self._parameters[name]
        except KeyError:
            raise KeyError(f"unknown parameter {name!r}") from None

    def at(self, name: str, day: dt.date | str) -> DatedValue:
        return self.parameter(name).at(day)

    def value(self, name: str, day: dt.date | str) -> Any:
        return self.at(name, day).value
