"""Why a declaration item is in its lane, in the order an officer needs it: what put it
there (a supervisor's override, a rule forcing the lane, an exploration pick, the day's
capacity cut-off, or the score against the lane minimums), the score with its rank among
the office's decisions of the same declaration date, the rules fired with their boosts,
and the model factors with direction and strength.

Reads the stored decision (``risk_assessments``: score, lane, exploration, reasons with
the fired rules' actions as they were at scoring time), the office-day's other current
decisions, the pool's cut-offs of the day (``cutoffs.day_cutoffs``, shared with the office
queue) and the capacity plan in force (``lanes.load_capacity``); writes nothing. The
wording of model factors and data notes is the explanation module's (``explain``); this
module only orders them and states their direction.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Engine, desc, func, select

from opencustoms.risk.cutoffs import day_cutoffs
from opencustoms.risk.lanes import CapacityPlan, load_capacity
from opencustoms.risk.models import risk_assessments as ra
from opencustoms.risk.models import risk_lane_overrides as ov
from opencustoms.risk.rule_schema import LANE_RANK

# Log-odds contributions: |w| >= 1 moves the odds by e (2.7x) or more.
STRONG, MODERATE = 1.0, 0.3
Cause = Literal["override", "rule", "capacity", "exploration", "score", "revenue", "below"]


class RuleLine(BaseModel):
    id: str
    reason: str
    instructions: str | None = None
    lane: str | None = Field(default=None, description="Lane the rule forces, if any")
    boost: float = Field(default=0.0, description="Score boost of the rule when it was applied")


class FactorLine(BaseModel):
    kind: Literal["model", "note"]
    text: str
    direction: Literal["raises", "lowers"] | None = Field(
        default=None, description="What the factor does to the score (None: not weighed)"
    )
    strength: str | None = Field(default=None, examples=["strongly"])
    weight: float | None = Field(default=None, description="Log-odds contribution")
    share: float = Field(default=0.0, description="|weight| / largest |weight| (bar length)")


class DayContext(BaseModel):
    office_id: str
    pool: str = Field(description="Office whose capacity the item used")
    offices: list[str] = Field(description="Offices whose decisions shared the pool's slots")
    date: str
    decisions: int = Field(description="Current decisions of the office that day")
    rank: int = Field(description="1 = highest score of the office that day")
    percentile: float = Field(description="Share of the office's decisions that day scoring lower")
    capacity: dict[str, int]
    taken: dict[str, int] = Field(description="Red and yellow slots the pool used that day")
    min_score: dict[str, float]
    cutoff: dict[str, float | None] = Field(
        description="Lowest score the model (not a rule, not exploration) put in red and "
        "yellow in the pool that day (blue goes by revenue at risk, not by score)"
    )


class LaneWhy(BaseModel):
    lane: str
    cause: Cause
    headline: str = Field(description="What put the item in its lane, one sentence")
    steps: list[str] = Field(description="The lane logic applied, in order")
    score: float
    model_score: float | None
    boost: float = Field(description="Sum of the fired rules' boosts")
    exploration: bool
    day: DayContext | None
    rules: list[RuleLine]
    factors: list[FactorLine]
    notes: list[FactorLine]
    override: dict[str, Any] | None = None


def _strength(weight: float) -> str:
    w = abs(weight)
    return "strongly" if w >= STRONG else "moderately" if w >= MODERATE else "slightly"


def _factor(item: dict[str, Any], biggest: float) -> FactorLine:
    weight = item.get("weight")
    direction = None
    if isinstance(weight, int | float) and weight != 0:
        direction = "raises" if weight > 0 else "lowers"
    elif item.get("effect") in ("raises risk", "lowers risk"):
        direction = "raises" if item["effect"] == "raises risk" else "lowers"
    strength = item.get("strength")
    if strength is None and isinstance(weight, int | float) and weight:
        strength = _strength(float(weight))
    return FactorLine(
        kind="model" if item.get("kind") == "model" else "note",
        text=str(item.get("text", "")),
        direction=direction,
        strength=strength,
        weight=float(weight) if isinstance(weight, int | float) else None,
        share=abs(float(weight)) / biggest if isinstance(weight, int | float) and biggest else 0.0,
    )


def _rules(items: list[dict[str, Any]]) -> list[RuleLine]:
    out = []
    for it in items:
        action = it.get("action") or {}
        out.append(
            RuleLine(
                id=str(it.get("rule_id")),
                reason=str(it.get("text", "")),
                instructions=it.get("instructions"),
                lane=action.get("lane"),
                boost=float(action.get("score_boost") or 0.0),
            )
        )
    return out


def _forced(rules: list[RuleLine]) -> RuleLine | None:
    forcing = [r for r in rules if r.lane]
    return max(forcing, key=lambda r: LANE_RANK[r.lane or "green"]) if forcing else None


def _day(engine: Engine, row: dict[str, Any], plan: CapacityPlan) -> DayContext:
    """The office-day around the item: its rank among its office's decisions, and the
    pool's cut-offs (``cutoffs.day_cutoffs``, the same figures as the office queue)."""
    office = str(row["office_id"])
    pool = plan.pool(office)
    date = row["declaration_date"]
    [slots] = day_cutoffs(
        engine=engine, offices=plan.pool_offices(office), visible=[office], days=[date], plan=plan
    )
    # The current decision per item of the office that day (office-date index; an
    # item's office and date never change between scorings).
    latest = (
        select(func.max(ra.c.id).label("id"))
        .where(ra.c.declaration_date == date, ra.c.office_id == office)
        .group_by(ra.c.declaration_id, ra.c.item_no)
        .subquery()
    )
    with engine.connect() as conn:
        scores = list(
            conn.execute(select(ra.c.score).join(latest, latest.c.id == ra.c.id)).scalars()
        )
    cap = plan.capacity(pool)
    return DayContext(
        office_id=office,
        pool=pool,
        offices=slots.offices,
        date=slots.day,
        decisions=len(scores),
        rank=1 + sum(s > row["score"] for s in scores),
        percentile=sum(s < row["score"] for s in scores) / len(scores) if scores else 0.0,
        capacity={"red": cap.red, "yellow": cap.yellow, "blue": cap.blue},
        taken={"red": slots.red, "yellow": slots.yellow},
        min_score=dict(plan.min_score),
        cutoff={"red": slots.red_cutoff, "yellow": slots.yellow_cutoff},
    )


def _override(engine: Engine, declaration_id: str, item_no: int) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(ov)
                .where(ov.c.declaration_id == declaration_id, ov.c.item_no == item_no)
                .order_by(desc(ov.c.id))
                .limit(1)
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    return {
        "lane": row["lane"],
        "previous_lane": row["previous_lane"],
        "reason": row["reason"],
        "by": row["user"],
        "at": str(row["created_at"]),
    }


def _score_steps(lane: str, score: float, day: DayContext | None) -> tuple[Cause, str]:
    """The lane the score earned, against the minimums and the day's cut-offs."""
    if day is None:
        return "score", f"{lane}: scored {score:.2f}"
    m, cut, where = day.min_score, day.cutoff, f"office {day.pool}"
    red_min, yellow_min = m.get("red", 0.0), m.get("yellow", 0.0)
    red_cut = cut.get("red")
    red_text = f"red needs {red_min:.2f}" + (
        f" and its {day.capacity['red']} slots of {day.date} went down to {red_cut:.2f}"
        if red_cut is not None
        else ""
    )
    if lane == "red":
        return (
            "score",
            f"red: score {score:.2f} is above the red minimum {red_min:.2f} and within "
            f"{where}'s {day.capacity['red']} red slots of {day.date}"
            + (f" (lowest red score that day {red_cut:.2f})" if red_cut is not None else ""),
        )
    if lane == "yellow":
        ycut = cut.get("yellow")
        return (
            "capacity" if score >= red_min else "score",
            f"yellow: score {score:.2f} is above {where}'s yellow minimum {yellow_min:.2f}"
            + (f" (yellow cut-off of {day.date}: {ycut:.2f})" if ycut is not None else "")
            + f", below red: {red_text}",
        )
    if lane == "blue":
        cuts = [c for c in (cut.get("red"), cut.get("yellow")) if c is not None]
        lowest = min(cuts, default=None)
        first = (
            f"blue: score {score:.2f} is above the yellow minimum {yellow_min:.2f}, but "
            f"{where}'s red and yellow slots of {day.date} went to higher scores"
            + (f" (cut-off {lowest:.2f})" if lowest is not None else "")
            if score >= yellow_min
            else f"blue: score {score:.2f} is below the yellow minimum {yellow_min:.2f}"
        )
        return (
            "revenue",
            first + "; blue (post-clearance audit) takes the highest expected revenue at risk "
            f"among the rest scoring at least {m.get('blue', 0.0):.2f}",
        )
    if score >= yellow_min:
        lowest = min(
            (c for c in (cut.get("red"), cut.get("yellow")) if c is not None), default=None
        )
        return (
            "capacity",
            f"green: score {score:.2f} is above the yellow minimum {yellow_min:.2f}, but "
            f"{where}'s red and yellow slots of {day.date} went to higher scores"
            + (f" (cut-off {lowest:.2f})" if lowest is not None else ""),
        )
    return "below", f"green: score {score:.2f} is below the yellow minimum {yellow_min:.2f}"


def lane_why(*, engine: Engine, row: dict[str, Any], plan: CapacityPlan | None = None) -> LaneWhy:
    """Explain the current decision ``row`` (a ``risk_assessments`` row with ``lane``
    already the current lane, see ``assessments.latest_assessment``)."""
    plan = plan if plan is not None else load_capacity()
    items: list[dict[str, Any]] = list(row.get("reasons") or [])
    rules = _rules([it for it in items if it.get("kind") == "rule"])
    lane_notes = [str(it.get("text", "")) for it in items if it.get("kind") == "lane"]
    model = [it for it in items if it.get("kind") == "model"]
    biggest = max((abs(float(it.get("weight") or 0.0)) for it in model), default=0.0)
    factors = [_factor(it, biggest) for it in model]
    notes = [_factor(it, biggest) for it in items if it.get("kind") == "note"]
    score = float(row["score"])
    day = _day(engine, row, plan)
    scored_lane = row.get("scored_lane") or row["lane"]
    forced = _forced(rules)
    steps = list(lane_notes)
    cause: Cause
    if forced is not None:
        cause = "rule" if forced.lane == scored_lane else "capacity"
        headline = f"{scored_lane}: forced by rule {forced.id} ({forced.lane})"
        if forced.lane != scored_lane:
            headline += f"; its {forced.lane} slots of the day were used up"
        headline += ", whatever the score"
    elif row.get("exploration"):
        cause = "exploration"
        headline = (
            f"{scored_lane}: exploration pick, chosen among items the model would not select "
            "to keep measuring what it misses; the score did not decide this lane"
        )
    else:
        cause, headline = _score_steps(scored_lane, score, day)
    override = (
        _override(engine, row["declaration_id"], row["item_no"]) if row.get("overridden") else None
    )
    if override is not None:
        steps.insert(0, f"scored lane: {headline}")
        cause = "override"
        headline = (
            f"{override['lane']}: set by supervisor {override['by']} "
            f"(was {override['previous_lane'] or scored_lane}): {override['reason']}"
        )
    return LaneWhy(
        lane=row["lane"],
        cause=cause,
        headline=headline,
        steps=steps,
        score=score,
        model_score=row.get("model_score"),
        boost=round(sum(r.boost for r in rules), 6),
        exploration=bool(row.get("exploration")),
        day=day,
        rules=rules,
        factors=factors,
        notes=notes,
        override=override,
    )
