"""Officer rule schema: pydantic models, per-field validation and loading of the YAML
rule files (evaluation is in ``rule_eval``; ``rules`` re-exports both)."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from opencustoms.declarations.schema import FIELD_NAMES
from opencustoms.errors import InvalidInput
from opencustoms.settings import PACKAGE_DATA_DIR, get_settings

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


class RuleError(InvalidInput):
    """One or more rules are invalid; the message names file, rule id and field."""

    def __init__(self, message: str) -> None:
        super().__init__("rules", message)
        self.args = (message,)  # the message already names file, rule and field


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
        if self.office != "national":
            # An office's rule reaches only its jurisdiction (the office and the offices
            # under it); reaching further is headquarters' business (issue 18).
            reach = jurisdiction(self.office)
            outside = [c for c in self.offices or [] if c not in reach]
            if outside:
                raise ValueError(
                    f"offices: {', '.join(outside)} outside office {self.office}'s "
                    f"jurisdiction ({', '.join(sorted(reach))}); national rules reach further"
                )
            if self.offices is None:
                self.offices = sorted(reach)
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


@lru_cache(maxsize=1)
def office_codes() -> frozenset[str]:
    data = yaml.safe_load((PACKAGE_DATA_DIR / "offices.yaml").read_text())
    return frozenset(str(o["code"]) for o in data["offices"])


@lru_cache(maxsize=256)
def jurisdiction(office: str) -> frozenset[str]:
    """An office and every office under it in the register (``parent`` links).

    >>> sorted(jurisdiction("40"))
    ['156', '157', '40']
    """
    data = yaml.safe_load((PACKAGE_DATA_DIR / "offices.yaml").read_text())
    children: dict[str, list[str]] = {}
    for o in data["offices"]:
        if o.get("parent") is not None:
            children.setdefault(str(o["parent"]), []).append(str(o["code"]))
    reach, todo = {office}, [office]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in reach:
                reach.add(child)
                todo.append(child)
    return frozenset(reach)


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


log = logging.getLogger(__name__)


@dataclass
class RuleSet:
    rules: list[Rule] = field(default_factory=list)
    watchlists: dict[str, Watchlist] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    # file name -> problems of files refused on load (their last good version, if any,
    # is in force instead); an operator alert, shown on the rules page and API
    rejected: dict[str, list[str]] = field(default_factory=dict)


# (directory, file name) -> text of the file's last version that loaded cleanly
_last_good: dict[tuple[str, str], str] = {}
_last_good_lock = threading.Lock()


def load_rules(directory: Path | None = None, *, strict: bool = False) -> RuleSet:
    """Load and validate every ``*.yaml`` rule file.

    ``strict``: raise ``RuleError`` listing every problem (``risk check-rules``).
    Otherwise a broken file is isolated: it is refused, its last good version seen by
    this process stays in force, the problems are logged as errors and listed in
    ``rejected``; the other files' rules keep scoring (issue 18)."""
    if directory is None:
        directory = get_settings().rules_dir
    directory = Path(directory)
    if not directory.is_dir():
        raise RuleError(f"{directory}: rules directory does not exist")
    texts = {f.name: f.read_text() for f in sorted(directory.glob("*.yaml"))}
    problems = first = check_texts(texts)
    if strict and problems:
        raise RuleError(
            "invalid officer rules:\n  " + "\n  ".join(p for ps in problems.values() for p in ps)
        )
    with _last_good_lock:
        used = dict(texts)
        for _ in range(len(texts) + 1):
            if not problems:
                break
            # refuse the broken files; a file may then break another (a watchlist it
            # defined is gone), hence the loop
            for name in problems:
                fallback = _last_good.get((str(directory), name))
                if fallback is not None and used.get(name) != fallback:
                    used[name] = fallback
                else:
                    used.pop(name, None)
            problems = check_texts(used)
        for name, text in used.items():
            if texts.get(name) == text:
                _last_good[(str(directory), name)] = text
    rejected = {
        n: first.get(n, [f"{n}: refused with a file it depends on"])
        for n in texts
        if used.get(n) != texts[n]
    }
    for name, ps in rejected.items():
        log.error("officer rules file %s refused: %s", name, "; ".join(ps))
    rs = _build(used)
    rs.files = list(texts)
    rs.rejected = rejected
    return rs


def check_texts(texts: dict[str, str]) -> dict[str, list[str]]:
    """Problems of a whole set of rule files, by file name ({} when the set is valid).

    Writes validate the set they would leave behind with this (a duplicate id made by an
    edit is refused before it is stored)."""
    problems: dict[str, list[str]] = {}
    _build(texts, problems)
    return problems


def _build(texts: dict[str, str], problems: dict[str, list[str]] | None = None) -> RuleSet:
    problems = {} if problems is None else problems

    def bad(name: str, message: str) -> None:
        problems.setdefault(name, []).append(f"{name}: {message}")

    raw: list[tuple[str, dict[str, Any]]] = []
    watchlists: dict[str, Watchlist] = {}
    for name, text in texts.items():
        try:
            doc = yaml.safe_load(text) or {}
        except yaml.YAMLError as exc:
            bad(name, f"not valid YAML: {exc}")
            continue
        if not isinstance(doc, dict) or set(doc) - {"rules", "watchlists", "reference"}:
            bad(name, "top level must be a mapping with rules/watchlists")
            continue
        for wname, data in (doc.get("watchlists") or {}).items():
            try:
                watchlists[str(wname)] = Watchlist.model_validate(data)
            except ValidationError as exc:
                for e in _errors(exc):
                    bad(name, f"watchlist {wname}: {e['field']}: {e['message']}")
        for item in doc.get("rules") or []:
            raw.append((name, item))
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for fname, item in raw:
        rid = item.get("id", "?") if isinstance(item, dict) else "?"
        try:
            rule = Rule.model_validate(item)
        except ValidationError as exc:
            for e in _errors(exc):
                bad(fname, f"rule {rid}: {e['field']}: {e['message']}")
            continue
        for e in _watchlist_errors(rule, watchlists):
            bad(fname, f"rule {rid}: {e['field']}: {e['message']}")
        if rule.id in seen:
            # the file that repeats an id is the broken one; the first holder keeps it
            bad(fname, f"rule {rid}: id: duplicate of a rule in {seen[rule.id]}")
            continue
        seen[rule.id] = fname
        rules.append(rule)
    return RuleSet(rules, watchlists, list(texts))
