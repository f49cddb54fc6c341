"""A supervisor's console over one office: who works which selected item, the backlog of
selected items not yet inspected by age, and the review of lane overrides.

* Assignments are append-only (``risk_assignments``): the latest row per item is current,
  so who assigned what to whom and when stays on record.
* Backlog: items whose current lane (``assessments`` definition) is red, yellow or blue
  and that have no inspection result, counted by days since the declaration date.
* Override review: the current lane override of an item, made by anyone, waits for the
  supervisor to accept it or reopen it (the item returns to the lane it had before,
  through a new override that says so).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import Engine, and_, func, insert, select

from opencustoms.declarations.models import declarations as d
from opencustoms.errors import Conflict, InvalidInput, NotFound
from opencustoms.risk.assessments import Key, current_ids, latest_ids
from opencustoms.risk.feedback import override_lane
from opencustoms.risk.lanes import SELECTED_LANES
from opencustoms.risk.models import risk_assessments as ra
from opencustoms.risk.models import risk_assignments as rs
from opencustoms.risk.models import risk_inspections as ri
from opencustoms.risk.models import risk_lane_overrides as ov
from opencustoms.risk.models import risk_override_reviews as rv
from opencustoms.workspace.models import Role
from opencustoms.workspace.users import list_users

# Days since the declaration date: (label, lowest, highest); None = no upper bound.
AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-1", 0, 1),
    ("2-3", 2, 3),
    ("4-7", 4, 7),
    (">7", 8, None),
)
MAX_ITEMS = 500


class OpenItem(BaseModel):
    declaration_id: str
    item_no: int
    declaration_date: dt.date
    age_days: int
    lane: str
    score: float
    importer_id: str | None
    assigned_to: str | None = None
    assigned_by: str | None = None
    assigned_at: dt.datetime | None = None


class Backlog(BaseModel):
    office: str
    on: dt.date = Field(description="Ages are counted to this day")
    buckets: dict[str, int] = Field(description="Open selected items per age bucket (days)")
    by_lane: dict[str, int]
    assigned: int
    unassigned: int


class PendingOverride(BaseModel):
    override_id: int
    declaration_id: str
    item_no: int
    previous_lane: str | None
    lane: str
    reason: str
    user: str
    created_at: dt.datetime | None


class Review(BaseModel):
    override_id: int
    decision: Literal["accepted", "reopened"]
    note: str | None
    reviewer: str
    lane_now: str
    restored_override_id: int | None = None


def _bucket(age: int) -> str:
    for label, low, high in AGE_BUCKETS:
        if age >= low and (high is None or age <= high):
            return label
    return AGE_BUCKETS[0][0]  # declared in the future (clock skew): newest bucket


def _open_select(office: str) -> Any:
    """Current assessments of the office with their current lane, no inspection yet,
    in a selected lane; with the current assignment."""
    la, lo, ls = current_ids(office=office), latest_ids(ov), latest_ids(rs)
    ovr, asg = ov.alias("ovr"), rs.alias("asg")
    lane = func.coalesce(ovr.c.lane, ra.c.lane)
    inspected = select(ri.c.id).where(
        and_(ri.c.declaration_id == ra.c.declaration_id, ri.c.item_no == ra.c.item_no)
    )
    return (
        select(
            ra.c.declaration_id,
            ra.c.item_no,
            ra.c.declaration_date,
            ra.c.score,
            lane.label("lane"),
            d.c.importer_id,
            asg.c.officer.label("assigned_to"),
            asg.c.assigned_by,
            asg.c.assigned_at,
        )
        .join(la, ra.c.id == la.c.id)
        .join(d, (d.c.declaration_id == ra.c.declaration_id) & (d.c.item_no == ra.c.item_no))
        .outerjoin(
            lo.join(ovr, ovr.c.id == lo.c.id),
            (ovr.c.declaration_id == ra.c.declaration_id) & (ovr.c.item_no == ra.c.item_no),
        )
        .outerjoin(
            ls.join(asg, asg.c.id == ls.c.id),
            (asg.c.declaration_id == ra.c.declaration_id) & (asg.c.item_no == ra.c.item_no),
        )
        .where(lane.in_(SELECTED_LANES), ~inspected.exists())
    )


def open_items(
    *,
    engine: Engine,
    office: str,
    on: dt.date,
    assigned_to: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[OpenItem]]:
    """Open selected items of an office, oldest first (then highest score), optionally
    only those assigned to one officer."""
    q = _open_select(office)
    if assigned_to is not None:
        q = q.where(q.selected_columns.assigned_to == assigned_to)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = conn.execute(
            q.order_by(ra.c.declaration_date, ra.c.score.desc(), ra.c.declaration_id)
            .limit(limit)
            .offset(offset)
        ).mappings()
        items = [OpenItem(**dict(r), age_days=(on - r["declaration_date"]).days) for r in rows]
    return int(total), items


def backlog(*, engine: Engine, office: str, on: dt.date) -> Backlog:
    """Open selected items by age bucket and lane, and how many are assigned."""
    sub = _open_select(office).subquery()
    q = select(
        sub.c.declaration_date,
        sub.c.lane,
        (sub.c.assigned_to.is_not(None)).label("assigned"),
        func.count(),
    ).group_by(sub.c.declaration_date, sub.c.lane, sub.c.assigned_to.is_not(None))
    buckets = {label: 0 for label, _, _ in AGE_BUCKETS}
    by_lane = {lane: 0 for lane in SELECTED_LANES}
    assigned = unassigned = 0
    with engine.connect() as conn:
        for day, lane, is_assigned, n in conn.execute(q):
            buckets[_bucket((on - day).days)] += n
            by_lane[lane] = by_lane.get(lane, 0) + n
            if is_assigned:
                assigned += n
            else:
                unassigned += n
    return Backlog(
        office=office,
        on=on,
        buckets=buckets,
        by_lane=by_lane,
        assigned=assigned,
        unassigned=unassigned,
    )


def office_officers(*, engine: Engine, office: str) -> list[str]:
    """Usernames of the active officers and supervisors of an office (who can be
    assigned items)."""
    return sorted(
        u.username
        for u in list_users(engine=engine)
        if u.office == office
        and u.disabled_at is None
        and u.role in (Role.OFFICER, Role.SUPERVISOR)
    )


def assign(
    *,
    engine: Engine,
    office: str,
    keys: list[Key],
    officer: str | None,
    by: str,
    now: dt.datetime | None = None,
) -> int:
    """Assign stored items of ``office`` to an officer of that office (``None``:
    unassign). Items of other offices are refused as not found."""
    if not keys:
        raise InvalidInput("items", "choose at least one item")
    if len(keys) > MAX_ITEMS:
        raise InvalidInput("items", f"at most {MAX_ITEMS} items at a time")
    if officer is not None and officer not in office_officers(engine=engine, office=office):
        raise InvalidInput("officer", f"{officer!r} is not an active officer of office {office}")
    wanted = set(keys)
    with engine.connect() as conn:
        found = {
            (r[0], r[1])
            for r in conn.execute(
                select(d.c.declaration_id, d.c.item_no).where(
                    d.c.declaration_id.in_(sorted({k[0] for k in wanted})), d.c.office_id == office
                )
            )
        }
    missing = sorted(wanted - found)
    if missing:
        raise NotFound(f"declaration {missing[0][0]} item {missing[0][1]} not found")
    at = now or dt.datetime.now(dt.UTC)
    rows = [
        {
            "declaration_id": k[0],
            "item_no": k[1],
            "office_id": office,
            "officer": officer,
            "assigned_by": by,
            "assigned_at": at,
        }
        for k in sorted(wanted)
    ]
    with engine.begin() as conn:
        conn.execute(insert(rs), rows)
    return len(rows)


def _reviewed_ids(conn: Any, ids: list[int]) -> set[int]:
    """Overrides that were reviewed, or that a review created (a reopening)."""
    if not ids:
        return set()
    done = set(conn.execute(select(rv.c.override_id).where(rv.c.override_id.in_(ids))).scalars())
    done |= set(
        conn.execute(
            select(rv.c.restored_override_id).where(rv.c.restored_override_id.in_(ids))
        ).scalars()
    )
    return done


def pending_overrides(*, engine: Engine, office: str, limit: int = 100) -> list[PendingOverride]:
    """Current lane overrides of the office's items that no supervisor reviewed yet."""
    latest = latest_ids(ov)
    q = (
        select(ov)
        .join(latest, ov.c.id == latest.c.id)
        .join(d, (d.c.declaration_id == ov.c.declaration_id) & (d.c.item_no == ov.c.item_no))
        .where(d.c.office_id == office)
        .order_by(ov.c.id.desc())
    )
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
        done = _reviewed_ids(conn, [r["id"] for r in rows])
    out = [
        PendingOverride(
            override_id=r["id"],
            **{k: r[k] for k in PendingOverride.model_fields if k != "override_id"},
        )
        for r in rows
        if r["id"] not in done
    ]
    return out[:limit]


def review_override(
    *,
    engine: Engine,
    office: str,
    override_id: int,
    decision: str,
    note: str | None,
    reviewer: str,
) -> Review:
    """Accept an override, or reopen it (the item returns to its previous lane; a note
    of at least 5 characters says why)."""
    if decision not in ("accepted", "reopened"):
        raise InvalidInput("decision", f"must be accepted or reopened, got {decision!r}")
    note = (note or "").strip() or None
    if decision == "reopened" and (note is None or len(note) < 5):
        raise InvalidInput("note", "say in at least 5 characters why the override is reopened")
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(ov, d.c.office_id)
                .join(
                    d, (d.c.declaration_id == ov.c.declaration_id) & (d.c.item_no == ov.c.item_no)
                )
                .where(ov.c.id == override_id)
            )
            .mappings()
            .first()
        )
        if row is None or row["office_id"] != office:
            raise NotFound("lane override not found")
        current = conn.execute(
            select(func.max(ov.c.id)).where(
                ov.c.declaration_id == row["declaration_id"], ov.c.item_no == row["item_no"]
            )
        ).scalar_one()
        if current != override_id:
            raise Conflict("a later lane override replaced this one")
        if _reviewed_ids(conn, [override_id]):
            raise Conflict("this lane override was already reviewed")
    restored: int | None = None
    lane_now = row["lane"]
    if decision == "reopened":
        if row["previous_lane"] is None:
            raise Conflict("the item had no lane before this override: nothing to return to")
        back = override_lane(
            engine=engine,
            declaration_id=row["declaration_id"],
            item_no=row["item_no"],
            lane=row["previous_lane"],
            reason=f"override {override_id} reopened by {reviewer}: {note}",
            user=reviewer,
        )
        restored, lane_now = back.id, back.lane
    with engine.begin() as conn:
        conn.execute(
            insert(rv).values(
                override_id=override_id,
                office_id=office,
                decision=decision,
                note=note,
                reviewer=reviewer,
                restored_override_id=restored,
                reviewed_at=dt.datetime.now(dt.UTC),
            )
        )
    return Review(
        override_id=override_id,
        decision=decision,
        note=note,
        reviewer=reviewer,
        lane_now=lane_now,
        restored_override_id=restored,
    )
