"""A person's or trader's own declarations and parcels, and their PCCC history.

Every function takes the caller's identity (:class:`Caller`) and filters by it inside the
query: a row of someone else can never be returned, whatever identifiers the caller
passes. A PCCC or trader id counts only once an officer verified the link
(``portal_identity``), or when the workspace gave a trader user that id. What is shown is
status and money, never risk information: no score, lane, reason or typology.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, inspect, or_, select

from opencustoms.cases.access import SYSTEM
from opencustoms.cases.alerts import IncomingAlert, import_alerts
from opencustoms.cases.models import AlertRefRow
from opencustoms.db import session_scope
from opencustoms.errors import InvalidInput, NotFound
from opencustoms.portal.models import IdentityRow
from opencustoms.portal.policy import load_routing, parcel_status_words

MISUSE_SOURCE = "portal"
MISUSE_TYPOLOGY = "pccc_misuse_reported"


@dataclass(frozen=True)
class Caller:
    """Who asks: a portal account (``kind='account'``) or a workspace trader user."""

    kind: str
    id: int
    name: str
    pcccs: frozenset[str] = field(default_factory=frozenset)
    trader_ids: frozenset[str] = field(default_factory=frozenset)


def caller_for_account(*, engine: Engine, account_id: int, name: str) -> Caller:
    with session_scope(engine) as s:
        rows = s.execute(
            select(IdentityRow.kind, IdentityRow.value).where(
                IdentityRow.account_id == account_id, IdentityRow.status == "verified"
            )
        ).all()
    return Caller(
        kind="account",
        id=account_id,
        name=name,
        pcccs=frozenset(v for k, v in rows if k == "pccc"),
        trader_ids=frozenset(v for k, v in rows if k == "trader"),
    )


def caller_for_trader(*, user_id: int, username: str, trader_id: str | None) -> Caller:
    return Caller(
        kind="trader",
        id=user_id,
        name=username,
        trader_ids=frozenset({trader_id}) if trader_id else frozenset(),
    )


def _has(engine: Engine, table: str) -> bool:
    return inspect(engine).has_table(table)


def my_declarations(
    *, engine: Engine, caller: Caller, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    """The caller's declaration items (importer or declarant), newest first, with status
    in trader words and the duty and taxes due computed by the tariff engine."""
    from opencustoms.declarations.models import declarations as d
    from opencustoms.risk.detail import trader_statuses
    from opencustoms.tariff.service import TariffInputError, calculate_many

    if not caller.trader_ids or not _has(engine, "declarations"):
        return {"total": 0, "items": []}
    items: list[dict[str, Any]] = []
    total = 0
    for trader_id in sorted(caller.trader_ids):
        n, statuses = trader_statuses(
            engine=engine, trader_id=trader_id, limit=limit + offset, offset=0
        )
        total += n
        keys = [(s.declaration_id, s.item_no) for s in statuses]
        if not keys:
            continue
        mine = or_(d.c.importer_id == trader_id, d.c.declarant_id == trader_id)
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    d.c.declaration_id,
                    d.c.item_no,
                    d.c.origin_country,
                    d.c.item_price_krw,
                    d.c.goods_description,
                ).where(mine, d.c.declaration_id.in_({k[0] for k in keys}))
            ).all()
        extra = {(r.declaration_id, r.item_no): r for r in rows}
        for st in statuses:
            r = extra.get((st.declaration_id, st.item_no))
            items.append(
                {
                    "declaration_id": st.declaration_id,
                    "item_no": st.item_no,
                    "declaration_date": st.declaration_date,
                    "office_id": st.office_id,
                    "hs_code": st.hs_code,
                    "description": r.goods_description if r is not None else None,
                    "value_krw": r.item_price_krw if r is not None else None,
                    "origin": r.origin_country if r is not None else None,
                    "status": st.status,
                }
            )
    items.sort(key=lambda i: (i["declaration_date"], i["declaration_id"]), reverse=True)
    items = items[offset : offset + limit]
    computable = [i for i in items if i["value_krw"] is not None and i["origin"]]
    results = calculate_many(
        [
            {
                "hs_code": i["hs_code"],
                "origin": i["origin"],
                "value": i["value_krw"],
                "currency": "KRW",
                "date": i["declaration_date"],
            }
            for i in computable
        ]
    )
    for item, res in zip(computable, results, strict=True):
        if isinstance(res, TariffInputError):
            item["tax_error"] = str(res)
        else:
            item["taxes_due"] = res.total
            item["tax_lines"] = [
                {"tax": ln.tax, "amount": ln.amount, "reference": ln.reference} for ln in res.lines
            ]
    return {"total": total, "items": items}


def _parcel_rows(engine: Engine, pcccs: frozenset[str], parcel_ids: list[str] | None = None):
    from opencustoms.parcels.models import parcel_decisions as pd_
    from opencustoms.parcels.models import parcels as p

    query = (
        select(
            p.c.parcel_id,
            p.c.arrival_date,
            p.c.recipient_pccc,
            p.c.recipient_name,
            p.c.recipient_address,
            p.c.platform,
            p.c.seller_name,
            p.c.description,
            p.c.quantity,
            p.c.declared_value,
            p.c.currency,
            p.c.office_code,
            pd_.c.decision,
            pd_.c.duty_krw,
            pd_.c.vat_krw,
        )
        .select_from(p.outerjoin(pd_, pd_.c.parcel_id == p.c.parcel_id))
        .where(p.c.recipient_pccc.in_(sorted(pcccs)))
        .order_by(p.c.arrival_date.desc(), p.c.parcel_id)
    )
    if parcel_ids is not None:
        query = query.where(p.c.parcel_id.in_(parcel_ids))
    with engine.connect() as conn:
        return conn.execute(query).mappings().all()


def _parcel_view(r: Any) -> dict[str, Any]:
    words = parcel_status_words()
    due = None
    if r["decision"] == "pay_duty":
        due = float(r["duty_krw"] or 0) + float(r["vat_krw"] or 0)
    return {
        "parcel_id": r["parcel_id"],
        "arrival_date": r["arrival_date"],
        "pccc": r["recipient_pccc"],
        "recipient_name": r["recipient_name"],
        "recipient_address": r["recipient_address"],
        "platform": r["platform"],
        "seller": r["seller_name"],
        "description": r["description"],
        "quantity": r["quantity"],
        "declared_value": r["declared_value"],
        "currency": r["currency"],
        "status": words.get(r["decision"], words[None]),
        "taxes_due_krw": due,
    }


def my_parcels(*, engine: Engine, caller: Caller) -> list[dict[str, Any]]:
    """Every parcel addressed to one of the caller's verified PCCCs, newest first: the
    PCCC usage history (names and addresses as written show whether others use the code)."""
    if not caller.pcccs or not _has(engine, "parcels"):
        return []
    return [_parcel_view(r) for r in _parcel_rows(engine, caller.pcccs)]


def report_misuse(
    *,
    engine: Engine,
    caller: Caller,
    parcel_ids: list[str],
    note: str,
    now: dt.datetime | None = None,
) -> int:
    """The caller says these parcels under their PCCC are not theirs: open an alert for the
    office (cases queue), once per caller and parcel set. Returns the alert id."""
    note = " ".join((note or "").split())
    if len(note) > 2000:
        raise InvalidInput("note", "at most 2000 characters")
    ids = sorted({i.strip() for i in parcel_ids if i and i.strip()})
    if not ids:
        raise InvalidInput("parcel_ids", "choose at least one parcel")
    rows = _parcel_rows(engine, caller.pcccs, ids) if caller.pcccs else []
    found = {r["parcel_id"] for r in rows}
    if missing := [i for i in ids if i not in found]:
        # Someone else's parcel and no parcel at all look the same to the caller.
        raise NotFound(f"parcel_ids: {missing[0]} is not one of your parcels")
    now = now or dt.datetime.now(dt.UTC)
    pccc = rows[0]["recipient_pccc"]
    offices = {r["office_code"] for r in rows if r["office_code"]}
    office = sorted(offices)[0] if offices else load_routing().topic("pccc_misuse").office
    dates = [r["arrival_date"] for r in rows]
    external = f"{caller.kind}-{caller.id}-{'+'.join(ids)}"[:128]
    alert = IncomingAlert(
        external_id=external,
        typology=MISUSE_TYPOLOGY,
        subject_id=pccc,
        subject_type="pccc",
        score=1.0,
        period_start=min(dates),
        period_end=max(dates),
        amount_krw=0.0,
        evidence={"parcels": ids},
        explanation=(
            f"The holder of PCCC {pccc} reports {len(ids)} parcel(s) as not theirs"
            + (f": {note}" if note else "")
        ),
        office=office,
    )
    import_alerts(engine=engine, alerts=[alert], source=MISUSE_SOURCE, actor=SYSTEM, now=now)
    with session_scope(engine) as s:
        alert_id = s.scalars(
            select(AlertRefRow.alert_id).where(
                AlertRefRow.source == MISUSE_SOURCE, AlertRefRow.external_id == external
            )
        ).one()
    return int(alert_id)
