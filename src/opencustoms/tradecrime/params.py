"""Detector parameters from ``data/tradecrime/params.yaml``: dated values with a reference.

>>> param("reporting.ctr_krw", "2024-01-01")
10000000
>>> param("rerouting.destinations")
['US']
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import Any

import yaml

from opencustoms.errors import InvalidInput
from opencustoms.settings import PACKAGE_DATA_DIR

PARAMS_FILE = PACKAGE_DATA_DIR / "tradecrime" / "params.yaml"


@lru_cache(maxsize=1)
def _load() -> dict[str, Any]:
    data = yaml.safe_load(PARAMS_FILE.read_text(encoding="utf-8"))
    for name, entry in data.items():
        for v in entry["values"]:
            if not v.get("reference"):
                raise InvalidInput(f"{PARAMS_FILE.name}: {name}", "a value without a reference")
    return dict(data)


def param(name: str, on: str | dt.date | None = None) -> Any:
    """The value of ``name`` in force on ``on`` (today when None)."""
    day = dt.date.fromisoformat(on) if isinstance(on, str) else (on or dt.date.today())
    try:
        entry = _load()[name]
    except KeyError:
        raise InvalidInput("param", f"unknown trade-crime parameter {name!r}") from None
    for v in entry["values"]:
        start, end = v["from"], v.get("to")
        if start <= day and (end is None or day <= end):
            return v["value"]
    raise InvalidInput("param", f"{name} has no value in force on {day}")


def reference(name: str, on: str | dt.date | None = None) -> str:
    day = dt.date.fromisoformat(on) if isinstance(on, str) else (on or dt.date.today())
    for v in _load()[name]["values"]:
        if v["from"] <= day and (v.get("to") is None or day <= v["to"]):
            return str(v["reference"])
    return ""
