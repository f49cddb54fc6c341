"""Lanes under daily office capacity, with a marked exploration share.

Per capacity pool (a customs office with its support centres) and day:

1. Rule-forced lanes take their slots first, highest score first; when a forced lane is
   full the item falls to the next lane with room (red -> yellow -> blue -> green) and
   says so.
2. Of the red + yellow slots, ``exploration_share`` (rounded at random so the share holds
   on average even at 1-2 slots per day) go to exploration picks among the items the
   model would not select. Strategy ``random`` draws uniformly (unbiased estimate of the
   fraud rate in the unselected population); ``uncertainty`` takes the scores closest to
   0.5 (labels where the model learns most); ``both`` alternates the two. Picks are marked
   ``exploration=True`` so evaluation can separate (and re-weight) them.
3. The remaining red, then yellow, slots go to the highest model scores above the lane's
   ``min_score``.
4. Blue (post-clearance audit) slots go to the highest expected revenue at risk among the
   rest; everything else is green.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opencustoms.settings import PACKAGE_DATA_DIR, get_settings

STRATEGIES = ("random", "uncertainty", "both")
FALLBACK = {"red": "yellow", "yellow": "blue", "blue": "green"}


class Capacity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    red: int = Field(ge=0)
    yellow: int = Field(ge=0)
    blue: int = Field(ge=0)


class CapacityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reference: str
    valid_from: dt.date | None = None
    defaults: Capacity
    min_score: dict[str, float]
    offices: dict[str, Capacity]


@dataclass
class CapacityPlan:
    defaults: Capacity
    offices: dict[str, Capacity]
    min_score: dict[str, float]
    parent: dict[str, str] = field(default_factory=dict)

    def pool(self, office: str | None) -> str:
        """The office whose team inspects items declared at ``office``."""
        code = str(office) if office is not None else "?"
        seen = set()
        while code not in self.offices and code in self.parent and code not in seen:
            seen.add(code)
            code = self.parent[code]
        return code

    def capacity(self, pool: str) -> Capacity:
        return self.offices.get(pool, self.defaults)

    def pool_offices(self, office: str) -> list[str]:
        """Every office whose decisions compete with ``office``'s for the same slots: the
        known offices (register and capacity file) in its pool, ``office`` included.

        >>> plan = CapacityPlan(Capacity(red=1, yellow=1, blue=1),
        ...                     {"20": Capacity(red=2, yellow=2, blue=1)}, {},
        ...                     parent={"150": "20", "41": "20", "122": "120"})
        >>> plan.pool_offices("150"), plan.pool_offices("122")
        (['150', '20', '41'], ['120', '122'])
        """
        pool = self.pool(office)
        # a parent missing from the capacity file still heads its pool (default capacity)
        known = {*self.parent, *self.parent.values(), *self.offices, str(office)}
        return sorted(o for o in known if self.pool(o) == pool)


@lru_cache(maxsize=4)
def _load_plan(path: str, stamp: int = 0) -> CapacityPlan:
    file = Path(path)
    try:
        data = CapacityFile.model_validate(yaml.safe_load(file.read_text()))
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{file}: {loc}: {first['msg']}") from exc
    offices = yaml.safe_load((PACKAGE_DATA_DIR / "offices.yaml").read_text())["offices"]
    parent = {str(o["code"]): str(o["parent"]) for o in offices if o.get("parent")}
    return CapacityPlan(data.defaults, data.offices, data.min_score, parent)


def load_capacity(path: Path | None = None) -> CapacityPlan:
    if path is None:
        path = get_settings().risk_capacity_file
    file = Path(path).resolve()
    # Keyed by modification time too: an edited capacity file is picked up at once.
    return _load_plan(str(file), file.stat().st_mtime_ns if file.is_file() else 0)


@dataclass
class LaneResult:
    lane: np.ndarray  # object array of lane names
    exploration: np.ndarray  # bool
    notes: list[tuple[str, ...]]
    pool: np.ndarray


def assign_lanes(
    frame: pd.DataFrame,
    *,
    score: np.ndarray,
    revenue: np.ndarray,
    forced: np.ndarray | None = None,
    plan: CapacityPlan,
    exploration_share: float | None = None,
    strategy: str = "random",
    seed: int = 0,
) -> LaneResult:
    """Lane per row given scores, expected revenue and rule-forced lanes
    (``exploration_share`` None: the ``OPENCUSTOMS_EXPLORATION_SHARE`` setting)."""
    if exploration_share is None:
        exploration_share = get_settings().exploration_share
    if strategy not in STRATEGIES:
        raise ValueError(f"exploration strategy must be one of {STRATEGIES}, got {strategy!r}")
    n = len(frame)
    rng = np.random.default_rng(seed)
    forced = np.array([None] * n, dtype=object) if forced is None else forced
    lane = np.array(["green"] * n, dtype=object)
    explore = np.zeros(n, dtype=bool)
    # Shared empty tuples, not a million new lists (which would also wake the cyclic GC).
    notes: list[tuple[str, ...]] = [()] * n
    office_codes, offices = pd.factorize(frame["office_id"].astype("string").fillna("?"))
    pools = np.array([plan.pool(str(o)) for o in offices], dtype=object)[office_codes]
    pool_codes = pd.factorize(pools)[0] if n else np.zeros(0, dtype=np.int64)
    days = pd.to_datetime(frame["declaration_date"]).to_numpy().astype("datetime64[D]")
    day_codes = days.astype("int64") - (days.astype("int64").min() if n else 0)
    codes = (
        np.unique(
            pool_codes * (int(day_codes.max()) + 1 if n else 1) + day_codes, return_inverse=True
        )[1]
        if n
        else np.zeros(0, dtype=np.int64)
    )
    order = np.lexsort((-score, codes))
    bounds = np.flatnonzero(np.r_[True, codes[order][1:] != codes[order][:-1], True])
    for b in range(len(bounds) - 1):
        rows = order[bounds[b] : bounds[b + 1]]  # by descending score
        cap = plan.capacity(pools[rows[0]])
        left = {"red": cap.red, "yellow": cap.yellow, "blue": cap.blue}
        free = np.ones(len(rows), dtype=bool)
        for i, r in enumerate(rows):
            want = forced[r]
            if want is None:
                continue
            free[i] = False
            while want != "green" and left[want] <= 0:
                notes[r] += (f"{want} lane capacity of office {pools[r]} used up today",)
                want = FALLBACK[want]
            lane[r] = want
            if want != "green":
                left[want] -= 1
        slots = left["red"] + left["yellow"]
        wanted = exploration_share * (cap.red + cap.yellow)
        n_explore = min(slots, int(wanted) + int(rng.random() < wanted - int(wanted)))
        candidates = rows[free]
        model_slots = slots - n_explore
        eligible = candidates[score[candidates] >= plan.min_score.get("yellow", 0.0)]
        chosen = eligible[:model_slots]
        rest = np.setdiff1d(candidates, chosen, assume_unique=True)
        picks = _explore(rest, score, n_explore, strategy, rng)
        for r in chosen:
            if left["red"] > 0 and score[r] >= plan.min_score.get("red", 0.0):
                lane[r] = "red"
                left["red"] -= 1
            elif left["yellow"] > 0:
                lane[r] = "yellow"
                left["yellow"] -= 1
            elif left["red"] > 0:
                lane[r] = "red"
                left["red"] -= 1
        for r in picks:
            target = "red" if left["red"] > 0 else "yellow"
            lane[r] = target
            left[target] -= 1
            explore[r] = True
            notes[r] += (f"exploration pick ({strategy}): selected to keep the model learning",)
        remaining = np.setdiff1d(rest, picks, assume_unique=True)
        remaining = remaining[score[remaining] >= plan.min_score.get("blue", 0.0)]
        if left["blue"] > 0 and len(remaining):
            top = remaining[np.argsort(-revenue[remaining], kind="stable")[: left["blue"]]]
            lane[top] = "blue"
    return LaneResult(lane, explore, notes, pools)


def provisional_lane(
    *, score: float, forced: str | None, office: str | None, plan: CapacityPlan
) -> tuple[str, tuple[str, ...]]:
    """The lane one item scored on its own would get (``assign_lanes`` with one row and no
    exploration): capacity and exploration apply when a day is scored together."""
    pool = plan.pool(office)
    cap = plan.capacity(pool)
    left = {"red": cap.red, "yellow": cap.yellow, "blue": cap.blue}
    notes: tuple[str, ...] = ()
    if forced is not None:
        want = forced
        while want != "green" and left[want] <= 0:
            notes += (f"{want} lane capacity of office {pool} used up today",)
            want = FALLBACK[want]
        return want, notes
    if left["red"] + left["yellow"] > 0 and score >= plan.min_score.get("yellow", 0.0):
        if left["red"] > 0 and score >= plan.min_score.get("red", 0.0):
            return "red", notes
        return ("yellow" if left["yellow"] > 0 else "red"), notes
    if left["blue"] > 0 and score >= plan.min_score.get("blue", 0.0):
        return "blue", notes
    return "green", notes


def _explore(
    rows: np.ndarray, score: np.ndarray, k: int, strategy: str, rng: np.random.Generator
) -> np.ndarray:
    if k <= 0 or len(rows) == 0:
        return np.zeros(0, dtype=rows.dtype)
    k = min(k, len(rows))
    if strategy == "random":
        return rng.choice(rows, size=k, replace=False)
    by_doubt = rows[np.argsort(np.abs(score[rows] - 0.5), kind="stable")]
    if strategy == "uncertainty":
        return by_doubt[:k]
    n_unc = k // 2 + int(k % 2 == 1 and rng.random() < 0.5)
    unc = by_doubt[:n_unc]
    pool = np.setdiff1d(rows, unc, assume_unique=True)
    rnd = rng.choice(pool, size=min(k - n_unc, len(pool)), replace=False)
    return np.concatenate([unc, rnd])


# The one definition of "selected" (queue filter, dashboard, national overview): every
# lane that sends an item to a person - physical check, document check or audit.
SELECTED_LANES = ("red", "yellow", "blue")


def is_selected(lane: str | None) -> bool:
    """Whether an item in ``lane`` counts as selected (anything but green).

    >>> [is_selected(x) for x in ("red", "yellow", "blue", "green", None)]
    [True, True, True, False, False]
    """
    return lane in SELECTED_LANES


FORCE_ORDER = ("red", "yellow", "blue")  # the most intrusive forced lane wins


def forced_lane(reasons: list[dict[str, Any]]) -> str | None:
    """The lane rules forced on an item, from its stored reasons (None: no rule forced).

    >>> forced_lane([{"kind": "rule", "action": {"lane": "yellow"}},
    ...              {"kind": "rule", "action": {"lane": "red"}}, {"kind": "model"}])
    'red'
    """
    lanes = {(r.get("action") or {}).get("lane") for r in reasons if r.get("kind") == "rule"}
    return next((lane for lane in FORCE_ORDER if lane in lanes), None)


class DayCutoff(BaseModel):
    """How one capacity pool's red and yellow slots of a day were filled, as scored
    (``cutoffs.day_cutoffs``): items taken by all the pool's offices, the daily capacity
    now in force, and the lowest model score that won a slot on merit (rule-forced items
    and exploration picks need no score, so they are left out)."""

    day: str
    red: int = Field(description="Red slots taken in the pool that day")
    yellow: int = Field(description="Yellow slots taken in the pool that day")
    red_capacity: int
    yellow_capacity: int
    red_cutoff: float | None
    yellow_cutoff: float | None
    pool: str | None = Field(default=None, description="Office whose capacity the pool uses")
    offices: list[str] = Field(
        default_factory=list, description="Offices whose decisions shared these slots"
    )
    seen_red: int | None = Field(
        default=None, description="Of the red items, those of offices the reader may see"
    )
    seen_yellow: int | None = Field(
        default=None, description="Of the yellow items, those of offices the reader may see"
    )


def lane_cause(
    *,
    lane: str,
    scored_lane: str,
    score: float,
    overridden: bool,
    exploration: bool,
    forced: str | None,
    cutoff: DayCutoff | None,
    min_score: dict[str, float],
) -> str:
    """Which step of ``assign_lanes`` put an item in its lane, in one line.

    >>> c = DayCutoff(day="2021-03-02", red=3, yellow=2, red_capacity=3, yellow_capacity=2,
    ...               red_cutoff=0.81, yellow_cutoff=0.44)
    >>> ms = {"red": 0.5, "yellow": 0.3}
    >>> lane_cause(lane="yellow", scored_lane="yellow", score=0.7, overridden=False,
    ...            exploration=False, forced=None, cutoff=c, min_score=ms)
    "model score: the day's 3 red slots went to higher scores (red cut-off 0.81)"
    >>> lane_cause(lane="red", scored_lane="red", score=0.1, overridden=False,
    ...            exploration=False, forced="red", cutoff=c, min_score=ms)
    'forced red by a rule'
    """
    if overridden:
        return f"set by a supervisor (scored {scored_lane})"
    if exploration:
        return "exploration pick: chosen to keep the model learning, not by score"
    if forced is not None:
        if forced == scored_lane:
            return f"forced {forced} by a rule"
        return f"a rule forced {forced}, that lane was full that day: fell to {scored_lane}"
    red_min, yellow_min = min_score.get("red", 0.0), min_score.get("yellow", 0.0)
    if lane == "red":
        return f"model score >= red minimum {red_min:g}, within the day's red slots"
    if lane == "yellow":
        if score < red_min:
            return f"model score below the red minimum {red_min:g}"
        if cutoff is not None and cutoff.red_cutoff is not None:
            return (
                f"model score: the day's {cutoff.red} red slots went to higher scores "
                f"(red cut-off {cutoff.red_cutoff:.2f})"
            )
        return "model score: the day's red slots were taken"
    if lane == "blue":
        return "post-clearance audit: highest revenue at risk among the rest of the day"
    if score < yellow_min:
        return f"not selected: score below the yellow minimum {yellow_min:g}"
    return "not selected: the day's red and yellow slots went to higher scores"
