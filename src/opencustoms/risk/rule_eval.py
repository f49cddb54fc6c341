"""Evaluating officer rules: vectorised over a declarations frame (batch scoring) and
over a few plain dicts (single scoring); the two must agree (tests compare them)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.risk.rule_schema import LANE_RANK, NUMERIC_OPS, Condition, RuleSet


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    if name == "unit_value_krw_per_kg":
        mass = frame["net_mass_kg"].where(frame["net_mass_kg"] > 0)
        return frame["item_price_krw"] / mass
    if name in ("hs6", "hs4", "hs2"):
        return frame["hs_code"].astype("string").str.slice(0, int(name[2:]))
    raise KeyError(name)


def _condition_mask(frame: pd.DataFrame, cond: Condition, rs: RuleSet) -> np.ndarray:
    col = _column(frame, cond.field)
    op, v = cond.op, cond.value
    if op == "missing":
        return col.isna().to_numpy()
    if op == "present":
        return col.notna().to_numpy()
    if op in NUMERIC_OPS:
        num = pd.to_numeric(col, errors="coerce").astype("float64")
        res = {"gt": num > v, "gte": num >= v, "lt": num < v, "lte": num <= v}[op]
        return res.to_numpy(dtype=bool, na_value=False)
    text = col.astype("string")
    if op == "differs_from":
        other = _column(frame, str(v)).astype("string")
        return (text != other).to_numpy(dtype=bool, na_value=False)
    if op == "starts_with":
        return text.str.startswith(str(v)).to_numpy(dtype=bool, na_value=False)
    if op in ("in", "not_in", "in_watchlist"):
        values = [str(x) for x in v] if op != "in_watchlist" else rs.watchlists[v].values
        hit = text.isin(values)
        if op == "in_watchlist" and rs.watchlists[v].kind == "hs_code":
            hit = hit | text.str.slice(0, 4).isin(values) | text.str.slice(0, 6).isin(values)
        res = ~hit if op == "not_in" else hit
        return res.to_numpy(dtype=bool, na_value=False) & (
            text.notna().to_numpy() | (op == "not_in")
        )
    res = text == str(v) if op == "eq" else text != str(v)
    return res.to_numpy(dtype=bool, na_value=False)


def evaluate(frame: pd.DataFrame, rs: RuleSet) -> dict[str, np.ndarray]:
    """Boolean mask per rule id: which rows each rule fires on (validity dates and
    offices included)."""
    days = pd.to_datetime(frame["declaration_date"]).to_numpy().astype("datetime64[D]")
    office = frame["office_id"].astype("string")
    out = {}
    for rule in rs.rules:
        mask = days >= np.datetime64(rule.valid_from, "D")
        if rule.valid_to is not None:
            mask &= days <= np.datetime64(rule.valid_to, "D")
        if rule.offices:
            mask &= office.isin(rule.offices).to_numpy(dtype=bool, na_value=False)
        for cond in rule.when:
            if not mask.any():
                break
            mask &= _condition_mask(frame, cond, rs)
        out[rule.id] = mask
    return out


def _record_value(rec: dict[str, Any], name: str) -> Any:
    if name == "unit_value_krw_per_kg":
        price, mass = rec.get("item_price_krw"), rec.get("net_mass_kg")
        return None if price is None or mass is None or mass <= 0 else price / mass
    if name in ("hs6", "hs4", "hs2") and name not in rec:
        hs = rec.get("hs_code")
        return None if hs is None else str(hs)[: int(name[2:])]
    v = rec.get(name)
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else v


def _record_condition(rec: dict[str, Any], cond: Condition, rs: RuleSet) -> bool:
    """``_condition_mask`` for one plain dict; same semantics (tests compare the two)."""
    v = _record_value(rec, cond.field)
    op, ref = cond.op, cond.value
    if op == "missing":
        return v is None
    if op == "present":
        return v is not None
    if op == "not_in":
        return v is None or _text(v) not in {str(x) for x in ref}
    if v is None:
        return False
    if op in NUMERIC_OPS:
        try:
            num = float(v)
        except (TypeError, ValueError):
            return False
        return {"gt": num > ref, "gte": num >= ref, "lt": num < ref, "lte": num <= ref}[op]
    text = _text(v)
    if op == "differs_from":
        other = _record_value(rec, str(ref))
        return other is not None and text != _text(other)
    if op == "starts_with":
        return text.startswith(str(ref))
    if op == "in":
        return text in {str(x) for x in ref}
    if op == "in_watchlist":
        wl = rs.watchlists[ref]
        values = set(wl.values)
        return text in values or (
            wl.kind == "hs_code" and (text[:4] in values or text[:6] in values)
        )
    return text == str(ref) if op == "eq" else text != str(ref)


def _text(v: Any) -> str:
    # pandas renders floats as "8.0" in a string column; str() does the same.
    return str(v)


def apply_records(records: list[dict[str, Any]], rs: RuleSet) -> RuleOutcome:
    """``apply`` for a few plain dicts (single scoring) without pandas."""
    n = len(records)
    fired: list[tuple[str, ...]] = [()] * n
    boost = np.zeros(n)
    lanes = np.array([None] * n, dtype=object)
    for i, rec in enumerate(records):
        day = rec["declaration_date"]
        rank = -1
        for rule in rs.rules:
            if day < rule.valid_from or (rule.valid_to is not None and day > rule.valid_to):
                continue
            if rule.offices and rec.get("office_id") not in rule.offices:
                continue
            if all(_record_condition(rec, c, rs) for c in rule.when):
                fired[i] += (rule.id,)
                boost[i] += rule.action.score_boost
                lane = rule.action.lane
                if lane is not None and LANE_RANK[lane] > rank:
                    rank, lanes[i] = LANE_RANK[lane], lane
    return RuleOutcome(fired, boost, lanes)


@dataclass
class RuleOutcome:
    fired: list[tuple[str, ...]]
    boost: np.ndarray
    forced_lane: np.ndarray  # object array: lane name or None


def apply(frame: pd.DataFrame, rs: RuleSet) -> RuleOutcome:
    """Which rules fired per row, the summed score boost and the lane rules force."""
    n = len(frame)
    masks = evaluate(frame, rs)
    fired: list[tuple[str, ...]] = [()] * n
    boost = np.zeros(n)
    rank = np.full(n, -1)
    lanes = np.array([None] * n, dtype=object)
    for rule in rs.rules:
        rows = np.flatnonzero(masks[rule.id])
        for i in rows:
            fired[i] += (rule.id,)
        boost[rows] += rule.action.score_boost
        if rule.action.lane is not None:
            r = LANE_RANK[rule.action.lane]
            better = rows[rank[rows] < r]
            rank[better] = r
            lanes[better] = rule.action.lane
    return RuleOutcome(fired, boost, lanes)
