"""Korean exporters' exposure to US tariff changes between two dates.

For each export line (exporter, HS/HTS code, annual value to the US): the US duty rate on
each date = base rate (KORUS when claimed and listed, else column 1 general; HTS 2024) +
the additional measures in force (``us_measures.yaml``, plus an optional what-if scenario
file in the same format). Added cost = value x (new rate - old rate). Exporters are ranked
by their total added cost; every line says which measures made up each rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from opencustoms.tariff.parameters import as_date
from opencustoms.tariff.tables import TARIFF_DATA_DIR
from opencustoms.tariff.us_schedule import base_rates


@dataclass(frozen=True)
class Measure:
    id: str
    name: str
    origin: str
    scope: tuple[str, ...] | None  # None = all products
    exempt: tuple[str, ...]
    not_with: tuple[str, ...]
    rates: tuple[tuple[dt.date, dt.date | None, float, str], ...]

    def rate_on(self, day: dt.date) -> tuple[float, str] | None:
        for start, end, rate, ref in self.rates:
            if start <= day and (end is None or day <= end):
                return rate, ref
        return None

    def covers(self, codes: pd.Series) -> pd.Series:
        inside = (
            pd.Series(True, index=codes.index) if self.scope is None else _starts(codes, self.scope)
        )
        return inside & ~_starts(codes, self.exempt)


def _starts(codes: pd.Series, prefixes: tuple[str, ...]) -> pd.Series:
    if not prefixes:
        return pd.Series(False, index=codes.index)
    return codes.str.startswith(prefixes).fillna(False).astype(bool)


def parse_measures(entries: list[dict[str, Any]], source: str) -> list[Measure]:
    measures = []
    for i, e in enumerate(entries):
        where = f"{source}[{i}]"
        for key in ("id", "rates"):
            if key not in e:
                raise ValueError(f"{where}: missing '{key}'")
        rates = []
        for j, r in enumerate(e["rates"]):
            if not str(r.get("reference", "")).strip():
                raise ValueError(f"{where}.rates[{j}]: missing 'reference'")
            end = as_date(r["to"], field=f"{where}.rates[{j}].to") if r.get("to") else None
            rates.append(
                (
                    as_date(r["from"], field=f"{where}.rates[{j}].from"),
                    end,
                    float(r["rate"]),
                    str(r["reference"]),
                )
            )
        scope = e.get("scope", "all")
        measures.append(
            Measure(
                id=str(e["id"]),
                name=str(e.get("name", e["id"])),
                origin=str(e.get("origin", "KR")),
                scope=None if scope == "all" else tuple(str(s) for s in scope),
                exempt=tuple(str(s) for s in e.get("exempt", [])),
                not_with=tuple(e.get("not_with", [])),
                rates=tuple(rates),
            )
        )
    return measures


def load_measures(scenario: Path | None = None) -> list[Measure]:
    """The published measures, plus (appended) those of a what-if scenario file: a YAML list
    of measures in the format of ``us_measures.yaml``; a scenario entry with the id of a
    published measure replaces it."""
    base = parse_measures(
        yaml.safe_load((TARIFF_DATA_DIR / "us_measures.yaml").read_text(encoding="utf-8")),
        "us_measures.yaml",
    )
    if scenario is None:
        return base
    if not scenario.is_file():
        raise ValueError(f"scenario: {scenario} does not exist")
    content = yaml.safe_load(scenario.read_text(encoding="utf-8")) or []
    if isinstance(content, dict):
        content = content.get("measures", [])
    extra = parse_measures(content, f"scenario {scenario.name}")
    replaced = {m.id for m in extra}
    return [m for m in base if m.id not in replaced] + extra


def rates_on(
    codes: pd.Series, origin: pd.Series, day: dt.date, measures: list[Measure]
) -> tuple[pd.Series, pd.Series]:
    """Sum of additional measures per line on ``day`` and a text naming each of them."""
    covered: dict[str, pd.Series] = {}
    for m in measures:
        if m.rate_on(day) is not None:
            covered[m.id] = m.covers(codes) & (origin == m.origin)
    total = pd.Series(0.0, index=codes.index)
    parts: list[pd.Series] = []
    for m in measures:
        hit = m.rate_on(day)
        if hit is None:
            continue
        applies = covered[m.id].copy()
        for other in m.not_with:
            if other in covered:
                applies &= ~covered[other]
        total += np.where(applies, hit[0], 0.0)
        parts.append(pd.Series(np.where(applies, f"{m.id} {hit[0]:g}%", ""), index=codes.index))
    text = pd.Series("", index=codes.index)
    for p in parts:
        text = text.str.cat(p, sep="; ").str.strip("; ")
    return total, text


def exposure(
    exports: pd.DataFrame,
    *,
    date_from: dt.date | str,
    date_to: dt.date | str,
    scenario: Path | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(lines, exporters): each line's old and new US rate and added cost; exporters ranked
    by total added cost (USD). ``exports`` columns: exporter, hs_code, value_usd and
    optionally origin (default KR) and korus (claims KORUS, default true)."""
    for col in ("exporter", "hs_code", "value_usd"):
        if col not in exports.columns:
            raise ValueError(f"{col}: required column missing from the exports file")
    d0, d1 = as_date(date_from, field="from"), as_date(date_to, field="to")
    measures = load_measures(scenario)
    lines = exports.reset_index(drop=True).copy()
    lines["hs_code"] = lines["hs_code"].astype(str).str.replace(r"\D", "", regex=True)
    lines["value_usd"] = pd.to_numeric(lines["value_usd"], errors="coerce")
    bad = lines["value_usd"].isna() | (lines["value_usd"] < 0)
    if bad.any():
        first = int(np.flatnonzero(bad.to_numpy())[0])
        raise ValueError(f"value_usd: row {first + 1} is not a non-negative number")
    origin = lines.get("origin", pd.Series("KR", index=lines.index)).fillna("KR")
    korus = lines.get("korus", pd.Series(True, index=lines.index))
    korus = korus.astype(str).str.lower().isin(["true", "1", "yes", "y"])
    base = base_rates(lines["hs_code"], korus=korus & (origin == "KR"))
    unknown = base["level"].isna()
    if unknown.any():
        first = int(np.flatnonzero(unknown.to_numpy())[0])
        code = lines["hs_code"].iloc[first]
        raise ValueError(f"hs_code: {code} is not in the US HTS 2024 (row {first + 1})")
    base_pct = base["base_pct"].astype(float).fillna(0.0)
    add0, text0 = rates_on(lines["hs_code"], origin, d0, measures)
    add1, text1 = rates_on(lines["hs_code"], origin, d1, measures)
    lines["base_rate"] = base_pct
    lines["base_basis"] = base["line"] + " (" + base["level"] + ")"
    lines["base_not_ad_valorem"] = base["kind"].isin(
        ["specific", "compound", "other", "partly non-ad valorem"]
    )
    lines["old_rate"] = base_pct + add0
    lines["new_rate"] = base_pct + add1
    lines["old_measures"], lines["new_measures"] = text0, text1
    lines["added_cost_usd"] = lines["value_usd"] * (lines["new_rate"] - lines["old_rate"]) / 100
    lines["explanation"] = [
        f"HS {h}: {o:g}% -> {n:g}% on USD {v:,.0f} = USD {c:+,.0f} "
        f"[base {b}; {d0}: {t0 or 'no additional measure'}; {d1}: {t1 or 'no additional measure'}]"
        + (" (base rate partly specific: ad valorem part only)" if nav else "")
        for h, o, n, v, c, b, t0, t1, nav in zip(
            lines["hs_code"],
            lines["old_rate"],
            lines["new_rate"],
            lines["value_usd"],
            lines["added_cost_usd"],
            lines["base_basis"],
            text0,
            text1,
            lines["base_not_ad_valorem"],
            strict=True,
        )
    ]
    exporters = (
        lines.groupby("exporter", as_index=False)
        .agg(
            lines=("hs_code", "size"),
            value_usd=("value_usd", "sum"),
            added_cost_usd=("added_cost_usd", "sum"),
        )
        .sort_values("added_cost_usd", ascending=False, ignore_index=True)
    )
    exporters["added_cost_share_of_value"] = exporters["added_cost_usd"] / exporters["value_usd"]
    exporters.insert(0, "rank", np.arange(1, len(exporters) + 1))
    return lines, exporters


# A product mix typical of Korean exports to the US (HS6, description, relative weight,
# typical annual line value in USD): used only to generate test and demo files.
_MIX = [
    ("870380", "electric passenger cars", 8, 4.0e7),
    ("870323", "petrol passenger cars", 8, 3.0e7),
    ("870899", "auto parts n.e.s.", 10, 4.0e6),
    ("870840", "gear boxes", 4, 3.0e6),
    ("401110", "car tyres", 4, 2.0e6),
    ("720917", "cold-rolled steel sheet", 5, 6.0e6),
    ("721049", "galvanised steel sheet", 5, 5.0e6),
    ("730630", "welded steel tubes", 4, 3.0e6),
    ("760612", "aluminium alloy plates", 3, 2.0e6),
    ("854232", "memory chips", 6, 3.0e7),
    ("850760", "lithium-ion batteries", 6, 1.5e7),
    ("841810", "refrigerator-freezers", 3, 5.0e6),
    ("845011", "washing machines", 2, 4.0e6),
    ("330499", "cosmetics", 6, 1.0e6),
    ("851713", "smartphones", 4, 2.0e7),
    ("300490", "medicaments", 3, 5.0e6),
    ("390120", "polyethylene", 3, 3.0e6),
    ("271019", "petroleum oils", 2, 2.0e7),
    ("610990", "T-shirts of other textiles", 2, 5.0e5),
    ("190230", "instant noodles", 3, 8.0e5),
]


def generate_exports(n_exporters: int = 50, *, seed: int = 7) -> pd.DataFrame:
    """A synthetic file of Korean exports to the US (exporter, hs_code, description,
    value_usd, origin, korus): 1-6 product lines per exporter, log-normal values."""
    rng = np.random.default_rng(seed)
    weights = np.array([m[2] for m in _MIX], float)
    rows = []
    for e in range(n_exporters):
        picks = rng.choice(
            len(_MIX), size=rng.integers(1, 7), replace=False, p=weights / weights.sum()
        )
        for k in picks:
            hs6, desc, _, typical = _MIX[k]
            rows.append(
                {
                    "exporter": f"KR-EXP-{e + 1:04d}",
                    "hs_code": hs6,
                    "description": desc,
                    "value_usd": round(float(typical * rng.lognormal(0, 0.8)), 2),
                    "origin": "KR",
                    "korus": True,
                }
            )
    return pd.DataFrame(rows)
