"""The red and yellow cut-offs of a capacity pool's day: the one definition that the
office queue's cut-off table and the declaration page's Decision card both read, so the
two pages cannot disagree.

``lanes.assign_lanes`` fills the daily slots of a capacity pool (an office with the
support centres that have no team of their own, ``CapacityPlan.pool``), ranking the
decisions of all the pool's offices together. So the cut-off that decided an item's lane
is the pool's, not its office's: a cut-off counted over one office alone would be wrong
for every office that shares its slots.

What a reader sees of the other offices of the pool is aggregates only: the slots taken
and the lowest score that won a slot on merit. Declarations, items and their scores stay
behind the office check of the page; the counts of the offices the reader may see come
separately (``seen_red``, ``seen_yellow``). docs/lanes.md says why.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Collection, Iterable
from typing import Any

from sqlalchemy import Engine, Text, cast, select

from opencustoms.errors import InvalidInput
from opencustoms.risk.assessments import IS_CURRENT
from opencustoms.risk.lanes import CapacityPlan, DayCutoff, forced_lane
from opencustoms.risk.models import risk_assessments as ra

SLOT_LANES = ("red", "yellow")  # the lanes filled by score (blue goes by revenue at risk)


def _day(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise InvalidInput("days", f"{value!r} is not a date (YYYY-MM-DD)") from exc


def _forced(text: str | None) -> bool:
    """Whether stored reasons (JSON text) hold a rule that forced a lane; decoded only
    when a rule is named at all (most items have model reasons only)."""
    return bool(text) and '"rule"' in str(text) and forced_lane(json.loads(str(text))) is not None


def day_cutoffs(
    *,
    engine: Engine,
    offices: Collection[str],
    visible: Collection[str] | None,
    days: Iterable[Any],
    plan: CapacityPlan,
) -> list[DayCutoff]:
    """Per day (newest first), the red and yellow slots of the pool that ``offices``
    share (``plan.pool_offices``), as scored: items taken by all of them, the lowest
    score that won each lane on merit, and how many of the items belong to the
    ``visible`` offices (None: the reader may see every office).

    Raises ``InvalidInput`` when ``offices`` is empty or spans more than one pool (their
    decisions never competed, so one cut-off would mean nothing)."""
    members = sorted({str(o) for o in offices})
    pools = {plan.pool(o) for o in members}
    if len(pools) != 1:
        raise InvalidInput(
            "offices", f"must be the offices of one capacity pool, got pools {sorted(pools)}"
        )
    pool = pools.pop()
    wanted = sorted({_day(d) for d in days}, reverse=True)
    if not wanted:
        return []
    # The current red and yellow decisions of the pool's offices on those days, from the
    # office-date index (lane and score are in it; an item's office and date never change
    # between scorings); the lane is tested before "current", a probe per row.
    stmt = (
        select(
            ra.c.office_id,
            ra.c.declaration_date,
            ra.c.lane,
            ra.c.score,
            ra.c.exploration,
            # as text: decoded below only for the rows that may set a cut-off
            cast(ra.c.reasons, Text),
        )
        .where(
            ra.c.declaration_date.in_(wanted),
            ra.c.office_id.in_(members),
            ra.c.lane.in_(SLOT_LANES),
            IS_CURRENT,
        )
        .order_by(ra.c.score)
    )
    with engine.connect() as conn:
        rows = conn.execute(stmt).all()
    seen_offices = None if visible is None else {str(o) for o in visible}
    count: dict[tuple[dt.date, str], int] = {}
    seen: dict[tuple[dt.date, str], int] = {}
    low: dict[tuple[dt.date, str], float] = {}
    for office, day, lane, score, exploration, reasons in rows:
        key = (_day(day), str(lane))
        count[key] = count.get(key, 0) + 1
        if seen_offices is None or str(office) in seen_offices:
            seen[key] = seen.get(key, 0) + 1
        # Lowest score first: the first row won on merit (no exploration pick, no rule
        # forcing it) is the cut-off, and the rows above it need no reasons decoded.
        if key not in low and not exploration and not _forced(reasons):
            low[key] = score
    cap = plan.capacity(pool)
    return [
        DayCutoff(
            day=day.isoformat(),
            red=count.get((day, "red"), 0),
            yellow=count.get((day, "yellow"), 0),
            red_capacity=cap.red,
            yellow_capacity=cap.yellow,
            red_cutoff=low.get((day, "red")),
            yellow_cutoff=low.get((day, "yellow")),
            pool=pool,
            offices=members,
            seen_red=seen.get((day, "red"), 0),
            seen_yellow=seen.get((day, "yellow"), 0),
        )
        for day in wanted
    ]
