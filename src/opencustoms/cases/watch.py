"""Watched parties and the alert raised when one of them files.

A supervisor watches an importer, declarant or seller for their office (an admin may also
watch one nationally, for every office). When a stored declaration names a watched party
at a watched office, an alert of source ``watchlist`` goes into the one alert table
(``cases.alerts.import_alerts``): subject = the declaration, typology = ``watch_<kind>``,
detector id = watch entry + declaration. Raising twice changes nothing; two watch entries
on the same party (office and national) fold into one alert per party and declaration.
The rule-file watchlists (``risk.rule_schema.Watchlist``) stay as they are: they steer
scoring; this list steers attention.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, and_, or_, select

from opencustoms.cases.access import SYSTEM, ActorLike, role_of, visible_offices
from opencustoms.cases.alerts import ImportResult, IncomingAlert, import_alerts
from opencustoms.cases.models import WatchRow
from opencustoms.db import session_scope
from opencustoms.declarations.models import declarations
from opencustoms.errors import Forbidden, InvalidInput, NotFound

SOURCE = "watchlist"
KINDS = ("importer_id", "declarant_id", "seller_id")
_CHUNK = 500


class WatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    kind: str = Field(description="importer_id, declarant_id or seller_id")
    party_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    reason: str = Field(min_length=5, max_length=500)
    office: str | None = Field(
        default=None, max_length=16, description="Watched office; empty: every office (admins)"
    )


class WatchEntry(BaseModel):
    id: int
    kind: str
    party_id: str
    office: str | None
    reason: str
    created_by: str
    created_at: dt.datetime
    removed_by: str | None = None
    removed_at: dt.datetime | None = None


def _entry(row: WatchRow) -> WatchEntry:
    return WatchEntry.model_validate(row, from_attributes=True)


def _may_write(actor: ActorLike, office: str | None) -> None:
    role = role_of(actor)
    if role == "admin":
        return
    if role == "supervisor" and office is not None and office == actor.office:
        return
    if role == "supervisor" and office is None:
        raise Forbidden("a national watch (every office) is set by an admin")
    raise Forbidden(f"role {role!r} of office {actor.office} may not change this watch")


def add_watch(
    *, engine: Engine, actor: ActorLike, entry: WatchIn, now: dt.datetime | None = None
) -> WatchEntry:
    """Watch a party (supervisors: their own office; admins: any office or all)."""
    if entry.kind not in KINDS:
        raise InvalidInput("kind", f"must be one of {', '.join(KINDS)}, got {entry.kind!r}")
    office = entry.office or None
    _may_write(actor, office)
    with session_scope(engine) as s:
        dup = s.scalar(
            select(WatchRow.id).where(
                WatchRow.kind == entry.kind,
                WatchRow.party_id == entry.party_id,
                WatchRow.office.is_(None) if office is None else WatchRow.office == office,
                WatchRow.removed_at.is_(None),
            )
        )
        if dup is not None:
            raise InvalidInput("party_id", f"{entry.party_id} is already watched (entry {dup})")
        row = WatchRow(
            kind=entry.kind,
            party_id=entry.party_id,
            office=office,
            reason=entry.reason,
            created_by=actor.username,
            created_at=now or dt.datetime.now(dt.UTC),
        )
        s.add(row)
        s.flush()
        return _entry(row)


def remove_watch(
    *, engine: Engine, actor: ActorLike, watch_id: int, now: dt.datetime | None = None
) -> WatchEntry:
    """Stop watching (the entry is kept with who and when). NotFound for entries the
    actor may not see, Forbidden for ones they see but may not change."""
    with session_scope(engine) as s:
        row = s.get(WatchRow, watch_id)
        if row is None or row.removed_at is not None or not _visible(actor, row.office):
            raise NotFound("watch entry not found")
        _may_write(actor, row.office)
        row.removed_by = actor.username
        row.removed_at = now or dt.datetime.now(dt.UTC)
        s.flush()
        return _entry(row)


def _visible(actor: ActorLike, office: str | None) -> bool:
    offices = visible_offices(actor)
    return offices is None or office is None or office in offices


def list_watch(
    *, engine: Engine, actor: ActorLike, kind: str | None = None, party_id: str | None = None
) -> list[WatchEntry]:
    """Active entries the actor may see: their office's and the national ones (analysts
    and admins: all), newest first."""
    offices = visible_offices(actor)
    q = select(WatchRow).where(WatchRow.removed_at.is_(None))
    if offices is not None:
        q = q.where(or_(WatchRow.office.is_(None), WatchRow.office.in_(sorted(offices))))
    if kind is not None:
        q = q.where(WatchRow.kind == kind)
    if party_id is not None:
        q = q.where(WatchRow.party_id == party_id)
    with session_scope(engine) as s:
        return [_entry(r) for r in s.scalars(q.order_by(WatchRow.id.desc()))]


def watch_alerts(
    *, engine: Engine, ingest_id: int | None = None, declaration_ids: list[str] | None = None
) -> list[IncomingAlert]:
    """Alerts for stored declarations (of one ingest run, or the ids given, or all) that
    name an actively watched party at a watched office."""
    d = declarations.c
    with session_scope(engine) as s:
        entries = list(s.scalars(select(WatchRow).where(WatchRow.removed_at.is_(None))))
    if not entries:
        return []
    out: list[IncomingAlert] = []
    with engine.connect() as conn:
        for kind in KINDS:
            by_party: dict[str, list[WatchRow]] = {}
            for e in entries:
                if e.kind == kind:
                    by_party.setdefault(e.party_id, []).append(e)
            parties = sorted(by_party)
            for i in range(0, len(parties), _CHUNK):
                q = select(
                    d.declaration_id, d.office_id, d.declaration_date, d[kind].label("party")
                ).where(d[kind].in_(parties[i : i + _CHUNK]))
                if ingest_id is not None:
                    q = q.where(d.ingest_id == ingest_id)
                if declaration_ids is not None:
                    q = q.where(d.declaration_id.in_(sorted(set(declaration_ids))))
                seen: set[tuple[int, str]] = set()
                for r in conn.execute(q.order_by(d.declaration_id, d.item_no)):
                    for e in by_party[r.party]:
                        if e.office is not None and e.office != r.office_id:
                            continue
                        if (e.id, r.declaration_id) in seen:
                            continue  # items of one declaration: one alert
                        seen.add((e.id, r.declaration_id))
                        out.append(_alert(e, r))
    return out


def _alert(entry: WatchRow, row: Any) -> IncomingAlert:
    decl_id = str(row.declaration_id)
    date = row.declaration_date
    label = entry.kind.removesuffix("_id")
    return IncomingAlert(
        external_id=f"w{entry.id}/{decl_id}",
        typology=f"watch_{label}",
        subject_id=decl_id,
        subject_type="declaration",
        score=1.0,
        period_start=date,
        period_end=date,
        amount_krw=0.0,
        evidence={"declarations": [decl_id]},
        explanation=f"watched {label} {entry.party_id} filed: {entry.reason}",
        office=str(row.office_id),
    )


def raise_watch_alerts(
    *,
    engine: Engine,
    ingest_id: int | None = None,
    declaration_ids: list[str] | None = None,
    actor: ActorLike = SYSTEM,
    now: dt.datetime | None = None,
) -> ImportResult:
    """Raise and import the watch alerts (deduplicated like every detector's)."""
    alerts = watch_alerts(engine=engine, ingest_id=ingest_id, declaration_ids=declaration_ids)
    if not alerts:
        return ImportResult(input=0, new=0, merged=0)
    return import_alerts(engine=engine, alerts=alerts, source=SOURCE, actor=actor, now=now)


def watched_parties(*, engine: Engine, party_ids: list[str]) -> set[tuple[str, str]]:
    """(kind, party) of the actively watched ones among ``party_ids`` (any office)."""
    if not party_ids:
        return set()
    with session_scope(engine) as s:
        rows = s.execute(
            select(WatchRow.kind, WatchRow.party_id).where(
                and_(WatchRow.party_id.in_(sorted(set(party_ids))), WatchRow.removed_at.is_(None))
            )
        ).all()
    return {(str(k), str(p)) for k, p in rows}
