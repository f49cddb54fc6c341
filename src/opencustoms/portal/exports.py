"""Exporters' exposure to US tariffs on their own lines: uploaded, or picked from their own
export declarations; under the measures in force and under a what-if measure.

>>> lines = parse_lines("hs_code,value_usd\\n7208.51,1000000\\n330499,250000\\n")
>>> r = us_exposure(lines, date_from="2025-01-01", date_to="2025-07-01")
>>> [round(x["added_cost_usd"]) for x in r["lines"]]
[500000, 25000]
>>> w = WhatIf(rate=25.0, scope=("3304",), start="2025-06-01")
>>> round(us_exposure(lines, date_from="2025-01-01", date_to="2025-07-01",
...                   what_if=w)["lines"][1]["added_cost_usd"])
87500
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from sqlalchemy import Engine, or_, select

from opencustoms.errors import InvalidInput
from opencustoms.portal.own import Caller

MAX_LINES = 5000
MAX_BYTES = 1 << 20
WHAT_IF_ID = "what_if"


@dataclass(frozen=True)
class WhatIf:
    """One hypothetical additional US duty on Korean goods (replaces nothing published)."""

    rate: float
    scope: tuple[str, ...] = ()  # HS prefixes; empty = every product
    start: str = ""

    def measures(self, default_start: dt.date) -> list[dict[str, Any]]:
        if not -100 < self.rate <= 1000:
            raise InvalidInput("what_if_rate", "a percentage between -100 and 1000")
        for p in self.scope:
            if not p.isdigit() or not 2 <= len(p) <= 10:
                raise InvalidInput("what_if_scope", f"{p!r} is not an HS prefix of 2-10 digits")
        return [
            {
                "id": WHAT_IF_ID,
                "name": "What-if measure",
                "origin": "KR",
                "scope": list(self.scope) or "all",
                "rates": [
                    {
                        "from": self.start or default_start.isoformat(),
                        "rate": self.rate,
                        "reference": "what-if entered by the user (not a published measure)",
                    }
                ],
            }
        ]


def parse_lines(text: str) -> list[dict[str, Any]]:
    """CSV with ``hs_code`` and ``value_usd`` (optional ``description``, ``korus``)."""
    if len(text.encode()) > MAX_BYTES:
        raise InvalidInput("file", f"at most {MAX_BYTES // 1024} KiB")
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    fields = [f.strip().lower() for f in reader.fieldnames or []]
    for needed in ("hs_code", "value_usd"):
        if needed not in fields:
            raise InvalidInput("file", f"column {needed} missing (header: hs_code,value_usd)")
    out = []
    for n, raw in enumerate(reader, start=2):
        row = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k}
        hs = "".join(ch for ch in row["hs_code"] if ch.isdigit())
        if not 4 <= len(hs) <= 10:
            raise InvalidInput("file", f"line {n}: hs_code {row['hs_code']!r} is not 4-10 digits")
        try:
            value = float(row["value_usd"].replace(",", ""))
        except ValueError:
            raise InvalidInput("file", f"line {n}: value_usd is not a number") from None
        if not 0 <= value <= 1e13:
            raise InvalidInput("file", f"line {n}: value_usd out of range")
        out.append(
            {
                "hs_code": hs,
                "value_usd": value,
                "description": row.get("description", "")[:200],
                "korus": row.get("korus", "true") or "true",
            }
        )
        if len(out) > MAX_LINES:
            raise InvalidInput("file", f"at most {MAX_LINES} lines")
    if not out:
        raise InvalidInput("file", "no lines")
    return out


def own_export_lines(*, engine: Engine, caller: Caller, limit: int = 500) -> list[dict[str, Any]]:
    """The caller's export declaration items to the US, values converted to USD with the
    declaration date's customs exchange rate."""
    from opencustoms.declarations.models import declarations as d
    from opencustoms.tariff.service import batch

    if not caller.trader_ids:
        return []
    ids = sorted(caller.trader_ids)
    with engine.connect() as conn:
        rows = conn.execute(
            select(d.c.hs_code, d.c.item_price_krw, d.c.goods_description, d.c.declaration_date)
            .where(
                d.c.direction == "export",
                d.c.destination_country == "US",
                or_(d.c.company_id.in_(ids), d.c.declarant_id.in_(ids)),
            )
            .limit(limit)
        ).all()
    if not rows:
        return []
    # 1 USD priced through the calculator gives the day's rate (one vectorised pass).
    frame = pd.DataFrame(
        {
            "hs_code": [r.hs_code for r in rows],
            "origin": "KR",
            "value": 1.0,
            "currency": "USD",
            "date": [str(r.declaration_date) for r in rows],
        }
    )
    usd = batch(frame)["customs_value_krw"].to_numpy()
    return [
        {
            "hs_code": r.hs_code,
            "value_usd": round(float(r.item_price_krw or 0) / float(rate), 2) if rate else 0.0,
            "description": (r.goods_description or "")[:200],
            "korus": "true",
        }
        for r, rate in zip(rows, usd, strict=True)
    ]


def us_exposure(
    lines: list[dict[str, Any]],
    *,
    date_from: str | dt.date,
    date_to: str | dt.date,
    what_if: WhatIf | None = None,
) -> dict[str, Any]:
    """Each line's US rate on both dates and the added cost, plus the total."""
    from opencustoms.tariff.exposure import exposure

    if not lines:
        raise InvalidInput("lines", "upload a file or pick at least one of your lines")
    frame = pd.DataFrame(lines)
    frame["exporter"] = "me"
    try:
        d1 = dt.date.fromisoformat(str(date_to))
        dt.date.fromisoformat(str(date_from))
    except ValueError:
        raise InvalidInput("date", "YYYY-MM-DD") from None
    try:
        if what_if is None:
            out, _ = exposure(frame, date_from=date_from, date_to=date_to)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "what_if.yaml"
                path.write_text(yaml.safe_dump(what_if.measures(d1)), encoding="utf-8")
                out, _ = exposure(frame, date_from=date_from, date_to=date_to, scenario=path)
    except ValueError as exc:
        if isinstance(exc, InvalidInput):
            raise
        field, _, reason = str(exc).partition(":")
        raise InvalidInput(field.strip() or "lines", reason.strip() or str(exc)) from exc
    keep = [
        "hs_code",
        "value_usd",
        "description",
        "old_rate",
        "new_rate",
        "old_measures",
        "new_measures",
        "added_cost_usd",
        "explanation",
    ]
    records = out.reindex(columns=keep).fillna("").to_dict("records")
    return {
        "date_from": str(date_from),
        "date_to": str(date_to),
        "what_if": what_if.__dict__ if what_if else None,
        "lines": records,
        "value_usd": float(out["value_usd"].sum()),
        "added_cost_usd": float(out["added_cost_usd"].sum()),
    }
