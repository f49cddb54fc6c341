"""Officer rules (selectivity criteria) kept as YAML data and validated on load.

A rules file has optional ``watchlists`` (named lists of importers, declarants, sellers,
HS codes or countries) and ``rules``. Each rule: ``id``, owning ``office``, optional
``offices`` it applies to (default: all), ``valid_from``/``valid_to``, ``when`` (a list
of conditions that must all hold), ``action`` (``lane`` and/or ``score_boost``), a
plain-language ``reason`` and ``instructions`` for the examining officer, ``reference``.

>>> errors = validate_rule({"id": "R1", "office": "10", "valid_from": "2020-01-01",
...     "when": [{"field": "hs_cod", "op": "eq", "value": "240220"}],
...     "action": {"lane": "red"}, "reason": "Cigarettes are high risk",
...     "instructions": "Count the packs", "reference": "Internal circular 1"})
>>> errors[0]["field"], "unknown field" in errors[0]["message"]
('when.0.field', True)
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from opencustoms.declarations.schema import FIELD_NAMES
from opencustoms.settings import PACKAGE_DATA_DIR

LANES = ("green", "yellow", "red", "blue")
Lane = Literal["green", "yellow", "red", "blue"]
# When several rules force a lane, the most intrusive one wins.
LANE_RANK = {"green": 0, "blue": 1, "yellow": 2, "red": 3}
DERIVED_FIELDS = ("hs6", "hs4", "hs2", "unit_value_krw_per_kg", "duty_at_stake")
RULE_FIELDS = (
    tuple(f for f in FIELD_NAMES if f not in ("fraud", "critical_fraud", "additional_duty"))
    + DERIVED_FIELDS
)
NUMERIC_OPS = ("gt", "gte", "lt", "lte")
Op = Literal[
    "eq",
    "ne",
    "in",
    "not_in",
    "starts_with",
    "gt",
    "gte",
    "lt",
    "lte",
    "missing",
    "present",
    "in_watchlist",
    "differs_from",
]
WATCHLIST_KINDS = ("importer_id", "declarant_id", "seller_id", "courier_id", "hs_code", "country")


class RuleError(ValueError):
    """One or more rules are invalid; the message names file, rule id and field."""


class Watchlist(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["importer_id", "declarant_id", "seller_id", "courier_id", "hs_code", "country"]
    values: list[str] = Field(min_length=1)
    reference: str = Field(min_length=3)

    @model_validator(mode="before")
    @classmethod
    def _as_text(cls, data: Any) -> Any:
        if isinstance(data, dict) and isinstance(data.get("values"), list):
            data = {**data, "values": [str(v).strip() for v in data["values"]]}
        return data


class Condition(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: str
    op: Op
    value: Any = None

    @model_validator(mode="after")
    def _check(self) -> Condition:
        if self.field not in RULE_FIELDS:
            raise ValueError(f"unknown field {self.field!r}; known: {', '.join(RULE_FIELDS)}")
        v = self.value
        if self.op in ("missing", "present"):
            if v is not None:
                raise ValueError(f"op {self.op!r} takes no value")
        elif self.op in ("in", "not_in"):
            if not isinstance(v, list) or not v:
                raise ValueError(f"op {self.op!r} needs a non-empty list value")
        elif self.op in NUMERIC_OPS:
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise ValueError(f"op {self.op!r} needs a number, got {v!r}")
        elif self.op == "differs_from":
            if v not in RULE_FIELDS:
                raise ValueError(f"differs_from needs another field name, got {v!r}")
        elif v is None or isinstance(v, list | dict):
            raise ValueError(f"op {self.op!r} needs a single value")
        return self


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lane: Lane | None = None
    score_boost: float = Field(default=0.0, ge=-1.0, le=1.0)

    @model_validator(mode="after")
    def _something(self) -> Action:
        if self.lane is None and self.score_boost == 0:
            raise ValueError("an action needs a lane and/or a non-zero score_boost")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")
    office: str = Field(description="Owning office code (offices.yaml) or 'national'.")
    offices: list[str] | None = Field(default=None, description="Applies only here.")
    valid_from: dt.date
    valid_to: dt.date | None = None
    when: list[Condition] = Field(min_length=1)
    action: Action
    reason: str = Field(min_length=5, max_length=500)
    instructions: str = Field(min_length=5, max_length=2000)
    reference: str = Field(min_length=3)

    @model_validator(mode="after")
    def _check(self) -> Rule:
        known = office_codes()
        if self.office != "national" and self.office not in known:
            raise ValueError(f"office {self.office!r} is not an office code in offices.yaml")
        for code in self.offices or []:
            if code not in known:
                raise ValueError(f"offices: {code!r} is not an office code in offices.yaml")
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


@lru_cache(maxsize=1)
def office_codes() -> frozenset[str]:
    data = yaml.safe_load((PACKAGE_DATA_DIR / "offices.yaml").read_text())
    return frozenset(str(o["code"]) for o in data["offices"])


def _errors(exc: ValidationError, prefix: str = "") -> list[dict[str, str]]:
    out = []
    for err in exc.errors():
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        out.append(
            {"field": f"{prefix}{loc}" if loc else prefix.rstrip(".") or "rule", "message": msg}
        )
    return out


def validate_rule(
    rule: dict[str, Any] | str, *, watchlists: dict[str, Watchlist] | None = None
) -> list[dict[str, str]]:
    """Per-field errors of one rule given as a dict or YAML text ([] when valid).

    Watchlist names are checked against ``watchlists`` (default: the installed rules')."""
    if isinstance(rule, str):
        try:
            rule = yaml.safe_load(rule)
        except yaml.YAMLError as exc:
            return [{"field": "rule", "message": f"not valid YAML: {exc}"}]
    if not isinstance(rule, dict):
        return [{"field": "rule", "message": "a rule must be a mapping of fields"}]
    try:
        parsed = Rule.model_validate(rule)
    except ValidationError as exc:
        return _errors(exc)
    if watchlists is None:
        watchlists = load_rules().watchlists
    return _watchlist_errors(parsed, watchlists)


def _watchlist_errors(rule: Rule, watchlists: dict[str, Watchlist]) -> list[dict[str, str]]:
    errors = []
    for i, cond in enumerate(rule.when):
        if cond.op == "in_watchlist":
            wl = watchlists.get(str(cond.value))
            if wl is None:
                errors.append(
                    {"field": f"when.{i}.value", "message": f"unknown watchlist {cond.value!r}"}
                )
            elif (
                wl.kind != "country"
                and wl.kind != cond.field
                and not (wl.kind == "hs_code" and cond.field in ("hs6", "hs4", "hs2"))
            ):
                errors.append(
                    {
                        "field": f"when.{i}.field",
                        "message": f"watchlist {cond.value!r} lists {wl.kind}, not {cond.field}",
                    }
                )
    return errors


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    watchlists: dict[str, Watchlist] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def load_rules(directory: Path | None = None) -> RuleSet:
    """Load and validate every ``*.yaml`` rule file; raise ``RuleError`` listing problems."""
    if directory is None:
        from opencustoms.settings import get_settings

        directory = get_settings().rules_dir
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleError(f"{directory}: rules directory does not exist")
    problems: list[str] = []
    raw: list[tuple[str, dict[str, Any]]] = []
    watchlists: dict[str, Watchlist] = {}
    files = sorted(directory.glob("*.yaml"))
    for file in files:
        try:
            doc = yaml.safe_load(file.read_text()) or {}
        except yaml.YAMLError as exc:
            problems.append(f"{file.name}: not valid YAML: {exc}")
            continue
        if not isinstance(doc, dict) or set(doc) - {"rules", "watchlists", "reference"}:
            problems.append(f"{file.name}: top level must be a mapping with rules/watchlists")
            continue
        for name, data in (doc.get("watchlists") or {}).items():
            try:
                watchlists[str(name)] = Watchlist.model_validate(data)
            except ValidationError as exc:
                problems += [
                    f"{file.name}: watchlist {name}: {e['field']}: {e['message']}"
                    for e in _errors(exc)
                ]
        for item in doc.get("rules") or []:
            raw.append((file.name, item))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for fname, item in raw:
        rid = item.get("id", "?") if isinstance(item, dict) else "?"
        try:
            rule = Rule.model_validate(item)
        except ValidationError as exc:
            problems += [f"{fname}: rule {rid}: {e['field']}: {e['message']}" for e in _errors(exc)]
            continue
        problems += [
            f"{fname}: rule {rid}: {e['field']}: {e['message']}"
            for e in _watchlist_errors(rule, watchlists)
        ]
        if rule.id in seen:
            problems.append(f"{fname}: rule {rid}: id: duplicate of a rule in {seen[rule.id]}")
        seen[rule.id] = fname
        rules.append(rule)
    if problems:
        raise RuleError("invalid officer rules:\n  " + "\n  ".join(problems))
    return RuleSet(rules, watchlists, [f.name for f in files])


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
