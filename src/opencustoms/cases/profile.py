"""An importer's profile as one officer may see it: declarations, inspections and hit
rate, watch status, the officer rules that name the importer, and linked parties.

Every figure is computed over the declarations at the offices the caller may read and
nothing else: totals, hit rate, linked parties and the watch list alike. An importer with
no declaration there is not found, so the profile cannot be used to learn whether an
importer files at another office.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Engine, func, select

from opencustoms.cases.access import ActorLike, visible_offices
from opencustoms.cases.watch import WatchEntry, list_watch
from opencustoms.declarations.models import declarations as d
from opencustoms.errors import NotFound
from opencustoms.risk.assessments import lanes_for
from opencustoms.risk.models import risk_inspections as ri
from opencustoms.risk.rule_schema import Rule, Watchlist

RECENT = 20
LINKED = 10
LINK_KINDS = ("declarant_id", "seller_id")


class Count(BaseModel):
    key: str
    items: int


class RecentItem(BaseModel):
    declaration_id: str
    item_no: int
    declaration_date: dt.date
    office_id: str
    hs_code: str
    lane: str | None
    inspected: bool
    fraud_found: bool | None


class RuleMention(BaseModel):
    id: str
    office: str
    reason: str
    how: str = Field(description="How the rule names the importer")


class LinkedParty(BaseModel):
    kind: str
    party_id: str
    items: int = Field(description="Items of this importer's that name the party")
    watched: bool


class ImporterProfile(BaseModel):
    importer_id: str
    scope: list[str] | None = Field(description="Offices counted; null: every office")
    items: int
    declarations: int
    first_date: dt.date
    last_date: dt.date
    by_office: list[Count]
    top_hs4: list[Count]
    inspections: int = Field(description="Items with an inspection result")
    frauds: int
    hit_rate: float | None = Field(description="Frauds found per inspected item")
    additional_duty_krw: float
    recent: list[RecentItem]
    watch: list[WatchEntry] = Field(description="Active watch entries the caller may see")
    rule_watchlists: list[str] = Field(description="Rule-file watchlists that list it")
    rules: list[RuleMention]
    linked: list[LinkedParty]


def _mentions(
    importer_id: str, rules: Sequence[Rule], watchlists: dict[str, Watchlist]
) -> tuple[list[str], list[RuleMention]]:
    listed = sorted(
        name
        for name, wl in watchlists.items()
        if wl.kind == "importer_id" and importer_id in wl.values
    )
    out = []
    for rule in rules:
        for cond in rule.when:
            if cond.field != "importer_id":
                continue
            how = None
            if cond.op == "eq" and str(cond.value) == importer_id:
                how = "importer_id equals it"
            elif cond.op == "in" and importer_id in [str(v) for v in cond.value]:
                how = "importer_id is one of a list naming it"
            elif cond.op == "in_watchlist" and str(cond.value) in listed:
                how = f"importer on watchlist {cond.value}"
            if how:
                out.append(RuleMention(id=rule.id, office=rule.office, reason=rule.reason, how=how))
                break
    return listed, out


def importer_profile(
    *,
    engine: Engine,
    actor: ActorLike,
    importer_id: str,
    rules: Sequence[Rule] = (),
    watchlists: dict[str, Watchlist] | None = None,
) -> ImporterProfile:
    """The profile of ``importer_id`` over the offices ``actor`` may read (NotFound
    when it has no declaration there)."""
    offices = visible_offices(actor)
    scope = sorted(offices) if offices is not None else None
    mine = d.c.importer_id == importer_id
    if scope is not None:
        mine = mine & d.c.office_id.in_(scope)
    with engine.connect() as conn:
        head = conn.execute(
            select(
                func.count(),
                func.count(func.distinct(d.c.declaration_id)),
                func.min(d.c.declaration_date),
                func.max(d.c.declaration_date),
            ).where(mine)
        ).one()
        if not head[0]:
            raise NotFound("importer not found")
        by_office = conn.execute(
            select(d.c.office_id, func.count()).where(mine).group_by(d.c.office_id)
            .order_by(func.count().desc(), d.c.office_id)
        ).all()  # fmt: skip
        hs4 = func.substr(d.c.hs_code, 1, 4)
        top_hs = conn.execute(
            select(hs4, func.count()).where(mine).group_by(hs4)
            .order_by(func.count().desc(), hs4).limit(5)
        ).all()  # fmt: skip
        # Every inspection of the importer's visible items; the latest per item counts.
        inspections = conn.execute(
            select(ri.c.declaration_id, ri.c.item_no, ri.c.fraud, ri.c.additional_duty)
            .join(d, (d.c.declaration_id == ri.c.declaration_id) & (d.c.item_no == ri.c.item_no))
            .where(mine)
            .order_by(ri.c.id)
        ).all()
        recent_rows = conn.execute(
            select(
                d.c.declaration_id, d.c.item_no, d.c.declaration_date, d.c.office_id, d.c.hs_code
            )
            .where(mine)
            .order_by(d.c.declaration_date.desc(), d.c.declaration_id.desc(), d.c.item_no)
            .limit(RECENT)
        ).mappings().all()  # fmt: skip
        linked_rows: list[tuple[str, Any, int]] = []
        for kind in LINK_KINDS:
            col = d.c[kind]
            linked_rows += [
                (kind, p, n)
                for p, n in conn.execute(
                    select(col, func.count()).where(mine, col.is_not(None)).group_by(col)
                    .order_by(func.count().desc(), col).limit(LINKED)
                )
            ]  # fmt: skip
    latest: dict[tuple[str, int], tuple[bool, float]] = {
        (r[0], r[1]): (bool(r[2]), float(r[3] or 0.0)) for r in inspections
    }
    frauds = sum(1 for f, _ in latest.values() if f)
    keys = [(r["declaration_id"], r["item_no"]) for r in recent_rows]
    lanes = lanes_for(engine=engine, keys=keys)
    watch = list_watch(engine=engine, actor=actor, kind="importer_id", party_id=importer_id)
    visible_watch = {
        (e.kind, e.party_id) for e in list_watch(engine=engine, actor=actor) if e.kind in LINK_KINDS
    }
    listed, mentions = _mentions(importer_id, rules, watchlists or {})
    return ImporterProfile(
        importer_id=importer_id,
        scope=scope,
        items=int(head[0]),
        declarations=int(head[1]),
        first_date=head[2],
        last_date=head[3],
        by_office=[Count(key=str(o), items=n) for o, n in by_office],
        top_hs4=[Count(key=str(h), items=n) for h, n in top_hs],
        inspections=len(latest),
        frauds=frauds,
        hit_rate=frauds / len(latest) if latest else None,
        additional_duty_krw=sum(a for _, a in latest.values()),
        recent=[
            RecentItem(
                **dict(r),
                lane=lanes.get((r["declaration_id"], r["item_no"])),
                inspected=(r["declaration_id"], r["item_no"]) in latest,
                fraud_found=latest[(r["declaration_id"], r["item_no"])][0]
                if (r["declaration_id"], r["item_no"]) in latest
                else None,
            )
            for r in recent_rows
        ],
        watch=watch,
        rule_watchlists=listed,
        rules=mentions,
        linked=[
            LinkedParty(kind=k, party_id=str(p), items=n, watched=(k, str(p)) in visible_watch)
            for k, p, n in linked_rows
        ],
    )
