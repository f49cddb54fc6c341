"""The workspace's access to the risk engine: scoring, stored assessments, inspections,
lane overrides, rules and model metrics.

All knowledge of the risk engine's functions and tables sits in this module, so the
views and pages do not depend on their layout.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import yaml
from pydantic import BaseModel, Field
from sqlalchemy import Engine, func, select

from opencustoms.declarations.schema import Declaration
from opencustoms.workspace.models import OfficeRow

if TYPE_CHECKING:
    from opencustoms.risk.rules import RuleSet
    from opencustoms.workspace.auth import Workspace
    from opencustoms.workspace.queries import Assessment, Inspection

Key = tuple[str, int]
_LOCK = threading.Lock()


class ScoreOut(BaseModel):
    declaration_id: str
    item_no: int
    score: float = Field(description="Fraud probability plus rule boosts, 0..1")
    model_score: float
    critical_score: float
    revenue_at_risk: float = Field(description="Expected KRW at risk (see model metrics)")
    lane: str = Field(examples=["red"])
    exploration: bool
    reasons: list[str] = Field(description="Plain-language reasons, most important first")
    rules_fired: list[str]
    model_version: str


class QueueFilter(BaseModel):
    lane: str = "selected"
    status: str = "all"
    min_score: float | None = None
    importer_id: str | None = None
    hs_prefix: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "score"
    order: str = "desc"


class QueueItem(BaseModel):
    declaration_id: str
    item_no: int
    declaration_date: str
    office_id: str
    importer_id: str | None
    hs_code: str
    origin_country: str | None
    item_price_krw: float | None
    score: float
    lane: str
    exploration: bool
    revenue_at_risk: float | None
    reasons: list[str]
    rules_fired: list[str]
    overridden: bool
    inspected: bool
    fraud_found: bool | None


class InspectionOut(BaseModel):
    declaration_id: str
    item_no: int
    fraud: bool
    critical: bool
    additional_duty: float
    recorded_by: str


class LaneOut(BaseModel):
    declaration_id: str
    item_no: int
    lane: str
    previous_lane: str | None
    reason: str
    overridden_by: str


# --- the model, rules and capacity in use --------------------------------------------------


# Files (model, rules) are checked for changes at most this often: the checks are stat
# calls, and single-score requests are frequent.
RECHECK_SECONDS = 2.0


def _fresh(ws: Workspace, key: str, load: Callable[[], Any]) -> Any:
    now = time.monotonic()
    hit = ws.extras.get(key)
    if hit is not None and now - hit[0] < RECHECK_SECONDS:
        return hit[1]
    value = load()
    ws.extras[key] = (now, value)
    return value


def _model(ws: Workspace) -> Any:
    """The risk model artefact in use (the risk service reloads it when it changes)."""
    from opencustoms.risk import service

    return _fresh(ws, "model_checked", lambda: service.load_model(Path(ws.settings.model_dir)))


def rules(*, ws: Workspace) -> RuleSet:
    from opencustoms.risk.rules import load_rules

    return load_rules(Path(ws.settings.rules_dir))


def _plan(ws: Workspace) -> Any:
    from opencustoms.risk.lanes import load_capacity

    path = Path(ws.settings.risk_capacity_file)
    stamp = path.stat().st_mtime_ns if path.is_file() else 0
    with _LOCK:
        cached = ws.extras.get("plan")
        if cached is None or cached[0] != stamp:
            from opencustoms.risk import lanes

            lanes._load_plan.cache_clear()  # the engine caches by path, not by content
            ws.extras["plan"] = (stamp, load_capacity(path))
        return ws.extras["plan"][1]


class CapacityOut(BaseModel):
    office: str
    pool: str = Field(
        description="The office whose team inspects (support centres use their parent's)"
    )
    red: int
    yellow: int
    blue: int
    explicit: bool = Field(description="False when the office uses the defaults")


def capacity(*, ws: Workspace, office: str) -> CapacityOut:
    plan = _plan(ws)
    pool = plan.pool(office)
    cap = plan.capacity(pool)
    return CapacityOut(
        office=office,
        pool=pool,
        red=cap.red,
        yellow=cap.yellow,
        blue=cap.blue,
        explicit=pool in plan.offices,
    )


_CAPACITY_LINE = re.compile(r'^(\s+)"?(?P<code>[0-9A-Za-z]+)"?\s*:\s*\{[^}]*\}(?P<rest>.*)$')


def set_capacity(*, ws: Workspace, office: str, red: int, yellow: int, blue: int) -> CapacityOut:
    """Change one office's daily capacity in the capacity file, keeping its comments and
    references (only that office's line is rewritten, or added)."""
    from opencustoms.risk.lanes import CapacityFile

    path = Path(ws.settings.risk_capacity_file)
    new = f'"{office}": {{red: {red}, yellow: {yellow}, blue: {blue}}}'
    with _LOCK:
        lines = path.read_text(encoding="utf-8").splitlines()
        start = next(i for i, line in enumerate(lines) if line.startswith("offices:"))
        indent, done = "  ", False
        for i in range(start + 1, len(lines)):
            m = _CAPACITY_LINE.match(lines[i])
            if m is None:
                if lines[i] and not lines[i].startswith((" ", "#")):
                    break
                continue
            indent = m.group(1)
            if m.group("code") == office:
                lines[i] = f"{indent}{new}{m.group('rest')}"
                done = True
                break
        if not done:
            end = start + 1
            while end < len(lines) and (lines[end].startswith((" ", "#")) or not lines[end]):
                end += 1
            lines.insert(end, f"{indent}{new}  # set in the workspace")
        text = "\n".join(lines) + "\n"
        CapacityFile.model_validate(yaml.safe_load(text))  # never write a file that fails
        path.write_text(text, encoding="utf-8")
        ws.extras.pop("plan", None)
    return capacity(ws=ws, office=office)


def _rules_cached(ws: Workspace) -> RuleSet:
    # Rule files change through save_rule (which drops both caches) or by an operator
    # editing them; the directory's newest mtime catches the latter.
    rs: RuleSet = _fresh(ws, "rules_checked", lambda: _rules_by_mtime(ws))
    return rs


def _rules_by_mtime(ws: Workspace) -> RuleSet:
    directory = Path(ws.settings.rules_dir)
    stamp = max((f.stat().st_mtime for f in directory.glob("*.yaml")), default=0.0)
    with _LOCK:
        cached = ws.extras.get("rules")
        if cached is None or cached[0] != stamp:
            ws.extras["rules"] = (stamp, rules(ws=ws))
        return ws.extras["rules"][1]


def score_many(*, ws: Workspace, declarations: list[Declaration]) -> list[ScoreOut]:
    """Score declarations without storing them (lanes provisional, as if they arrived
    together; capacity and exploration apply when the store is scored)."""
    from opencustoms.risk import service
    from opencustoms.risk.scoring import reasons_text

    scored = service.score_many(declarations, model=_model(ws), rules=_rules_cached(ws))
    return [
        ScoreOut(
            declaration_id=r.declaration_id,
            item_no=r.item_no,
            score=r.score,
            model_score=r.model_score,
            critical_score=r.critical_score,
            revenue_at_risk=r.revenue_at_risk,
            lane=r.lane,
            exploration=r.exploration,
            reasons=reasons_text(r.reasons),
            rules_fired=r.rules_fired,
            model_version=r.model_version,
        )
        for r in scored
    ]


def validate_rule(*, ws: Workspace, rule: dict[str, Any]) -> list[dict[str, str]]:
    from opencustoms.risk.rules import validate_rule as check

    return check(rule, watchlists=_rules_cached(ws).watchlists)


WORKSPACE_RULES_FILE = "workspace-{office}.yaml"


def save_rule(
    *, ws: Workspace, rule: dict[str, Any], rule_id: str | None, may_edit: Callable[[str], bool]
) -> str:
    """Create (``rule_id`` None) or replace a rule; returns "create" or "update".

    Rules edited in the workspace live in ``workspace-<office>.yaml`` in the rules
    directory, next to the operator's files, so the risk engine loads them like any other.
    """
    import yaml

    directory = Path(ws.settings.rules_dir)
    current = _rules_cached(ws)
    existing = {r.id: r for r in current.rules}
    if rule_id is None and rule["id"] in existing:
        raise ValueError(f"rule {rule['id']!r} already exists; update it instead")
    if rule_id is not None:
        if rule_id not in existing:
            raise LookupError(f"no rule {rule_id!r}")
        if not may_edit(existing[rule_id].office):
            raise PermissionError(f"rule {rule_id!r} belongs to office {existing[rule_id].office}")
    target = directory / WORKSPACE_RULES_FILE.format(office=rule["office"])
    files = sorted(directory.glob("*.yaml"))
    with _LOCK:
        holder = None
        for file in files:
            doc = yaml.safe_load(file.read_text()) or {}
            if any(r.get("id") == (rule_id or rule["id"]) for r in doc.get("rules") or []):
                holder = file
        if holder is not None and holder != target:
            if not holder.name.startswith("workspace-"):
                raise PermissionError(
                    f"rule {rule_id!r} is maintained in {holder.name}; edit that file"
                )
            doc = yaml.safe_load(holder.read_text()) or {}
            doc["rules"] = [r for r in doc.get("rules") or [] if r.get("id") != rule_id]
            holder.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        doc = yaml.safe_load(target.read_text()) if target.is_file() else None
        doc = doc or {"reference": "Rules maintained in the OpenCustoms workspace", "rules": []}
        kept = [r for r in doc.get("rules") or [] if r.get("id") != (rule_id or rule["id"])]
        doc["rules"] = [*kept, rule]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(doc, sort_keys=False, allow_unicode=True))
        ws.extras.pop("rules", None)
        ws.extras.pop("rules_checked", None)
    _drop_service_rules_cache()
    return "create" if rule_id is None else "update"


def _drop_service_rules_cache() -> None:
    # The risk service caches rule sets per directory for scoring the store; a rule saved
    # here must be in force for the next scoring run.
    from opencustoms.risk import service

    cached = getattr(service, "_cached_rules", None)
    if cached is not None and hasattr(cached, "cache_clear"):
        cached.cache_clear()


def model_metrics(*, ws: Workspace) -> dict[str, Any]:
    meta = dict(_model(ws).metadata)
    keep = (
        "version",
        "created_at",
        "training_window",
        "rows",
        "data_hash",
        "metrics",
        "revenue",
        "features",
        "n_threads",
        "seed",
        "lightgbm_version",
        "params",
    )
    return {k: meta[k] for k in keep if k in meta}


def office_exists(*, engine: Engine, office: str) -> bool:
    from sqlalchemy.orm import Session

    with Session(engine) as s:
        return s.execute(select(OfficeRow.code).where(OfficeRow.code == office)).first() is not None


# --- stored assessments and inspections (the risk engine's tables) --------------------------


def _latest(table: Any, keys: list[Key] | None = None, office: str | None = None) -> Any:
    """Subquery of the newest row id per (declaration_id, item_no)."""
    q = select(func.max(table.c.id).label("id")).group_by(table.c.declaration_id, table.c.item_no)
    if office is not None:
        q = q.where(table.c.office_id == office)
    if keys is not None:
        q = q.where(table.c.declaration_id.in_(sorted({k[0] for k in keys})))
    return q.subquery()


def _reason_texts(items: list[dict[str, Any]]) -> list[str]:
    from opencustoms.risk.scoring import reasons_text

    return reasons_text(items or [])


def assessment(*, engine: Engine, declaration_id: str, item_no: int) -> Assessment | None:
    from opencustoms.risk.models import risk_assessments as ra
    from opencustoms.workspace.queries import Assessment, RuleFired

    with engine.connect() as conn:
        row = (
            conn.execute(
                select(ra)
                .where(ra.c.declaration_id == declaration_id, ra.c.item_no == item_no)
                .order_by(ra.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    lane = lanes_for(engine=engine, keys=[(declaration_id, item_no)]).get(
        (declaration_id, item_no), row["lane"]
    )
    items = row["reasons"] or []
    fired = [
        RuleFired(
            id=str(it.get("rule_id")),
            reason=str(it.get("text", "")),
            instructions=it.get("instructions"),
        )
        for it in items
        if it.get("kind") == "rule"
    ]
    return Assessment(
        score=row["score"],
        model_score=row["model_score"],
        critical_score=row["critical_score"],
        lane=lane,
        exploration=row["exploration"],
        revenue_at_risk=row["revenue_at_risk"],
        reasons=_reason_texts([it for it in items if it.get("kind") != "rule"]),
        rules_fired=fired,
        model_version=row["model_version"],
        scored_at=str(row["scored_at"]) if row["scored_at"] else None,
        overridden=lane != row["lane"],
    )


def inspection(*, engine: Engine, declaration_id: str, item_no: int) -> Inspection | None:
    from opencustoms.risk.models import risk_inspections as ri
    from opencustoms.workspace.queries import Inspection

    with engine.connect() as conn:
        row = (
            conn.execute(
                select(ri)
                .where(ri.c.declaration_id == declaration_id, ri.c.item_no == item_no)
                .order_by(ri.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    return Inspection(
        fraud=int(row["fraud"]),
        critical=int(row["critical"]),
        additional_duty=row["additional_duty"],
        recorded_by=row["officer"],
        recorded_at=str(row["recorded_at"]) if row["recorded_at"] else None,
        note=row["note"],
    )


def lanes_for(*, engine: Engine, keys: list[Key]) -> dict[Key, str]:
    """Current lane per item: the latest supervisor override, else the latest assessment."""
    from opencustoms.risk.models import risk_assessments as ra
    from opencustoms.risk.models import risk_lane_overrides as ov

    if not keys:
        return {}
    wanted = set(keys)
    out: dict[Key, str] = {}
    with engine.connect() as conn:
        for table in (ra, ov):  # overrides second, so they win
            latest = _latest(table, keys)
            rows = conn.execute(
                select(table.c.declaration_id, table.c.item_no, table.c.lane).join(
                    latest, table.c.id == latest.c.id
                )
            ).all()
            for r in rows:
                if (r[0], r[1]) in wanted:
                    out[(r[0], r[1])] = r[2]
    return out


def inspected_keys(*, engine: Engine, keys: list[Key]) -> set[Key]:
    from opencustoms.risk.models import risk_inspections as ri

    if not keys:
        return set()
    with engine.connect() as conn:
        rows = conn.execute(
            select(ri.c.declaration_id, ri.c.item_no).where(
                ri.c.declaration_id.in_(sorted({k[0] for k in keys}))
            )
        ).all()
    return {(r[0], r[1]) for r in rows} & set(keys)


def office_of(*, engine: Engine, declaration_id: str, item_no: int) -> str | None:
    from opencustoms.declarations.models import declarations

    c = declarations.c
    with engine.connect() as conn:
        row = conn.execute(
            select(c.office_id).where(c.declaration_id == declaration_id, c.item_no == item_no)
        ).first()
    return None if row is None else str(row[0])


SELECTED = ("red", "yellow", "blue")


def _queue_select(office: str | None) -> Any:
    """Latest assessment per item joined with its declaration, current override and
    latest inspection."""
    from opencustoms.declarations.models import declarations as d
    from opencustoms.risk.models import risk_assessments as ra
    from opencustoms.risk.models import risk_inspections as ri
    from opencustoms.risk.models import risk_lane_overrides as ov

    la, lo, li = _latest(ra, office=office), _latest(ov), _latest(ri)
    ovr = ov.alias("ovr")
    ins = ri.alias("ins")
    lane = func.coalesce(ovr.c.lane, ra.c.lane)
    q = (
        select(
            ra.c.declaration_id,
            ra.c.item_no,
            ra.c.declaration_date,
            ra.c.office_id,
            ra.c.score,
            ra.c.exploration,
            ra.c.revenue_at_risk,
            ra.c.reasons,
            ra.c.rules_fired,
            lane.label("lane"),
            ovr.c.lane.label("override_lane"),
            ins.c.fraud.label("fraud"),
            ins.c.id.label("inspection_id"),
            ins.c.additional_duty.label("additional_duty"),
            d.c.importer_id,
            d.c.hs_code,
            d.c.origin_country,
            d.c.item_price_krw,
        )
        .join(la, ra.c.id == la.c.id)
        .join(d, (d.c.declaration_id == ra.c.declaration_id) & (d.c.item_no == ra.c.item_no))
        .outerjoin(
            lo.join(ovr, ovr.c.id == lo.c.id),
            (ovr.c.declaration_id == ra.c.declaration_id) & (ovr.c.item_no == ra.c.item_no),
        )
        .outerjoin(
            li.join(ins, ins.c.id == li.c.id),
            (ins.c.declaration_id == ra.c.declaration_id) & (ins.c.item_no == ra.c.item_no),
        )
    )
    return q, lane, ins, d, ra


def queue(
    *, engine: Engine, office: str, flt: QueueFilter, limit: int, offset: int
) -> tuple[int, list[QueueItem]]:
    q, lane, ins, d, ra = _queue_select(office)
    if flt.lane == "selected":
        q = q.where(lane.in_(SELECTED))
    elif flt.lane != "all":
        q = q.where(lane == flt.lane)
    if flt.status == "open":
        q = q.where(ins.c.id.is_(None))
    elif flt.status == "inspected":
        q = q.where(ins.c.id.is_not(None))
    if flt.min_score is not None:
        q = q.where(ra.c.score >= flt.min_score)
    if flt.importer_id:
        q = q.where(d.c.importer_id == flt.importer_id)
    if flt.hs_prefix:
        q = q.where(d.c.hs_code.like(f"{flt.hs_prefix}%"))
    if flt.date_from:
        q = q.where(ra.c.declaration_date >= dt.date.fromisoformat(flt.date_from))
    if flt.date_to:
        q = q.where(ra.c.declaration_date <= dt.date.fromisoformat(flt.date_to))
    column = {
        "score": ra.c.score,
        "date": ra.c.declaration_date,
        "revenue_at_risk": ra.c.revenue_at_risk,
        "price": d.c.item_price_krw,
    }[flt.sort]
    ordering = column.desc() if flt.order == "desc" else column.asc()
    tie = ra.c.declaration_id.desc() if flt.order == "desc" else ra.c.declaration_id.asc()
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = (
            conn.execute(
                q.order_by(ordering.nulls_last() if flt.order == "desc" else ordering, tie)
                .limit(limit)
                .offset(offset)
            )
            .mappings()
            .all()
        )
    items = [
        QueueItem(
            declaration_id=r["declaration_id"],
            item_no=r["item_no"],
            declaration_date=str(r["declaration_date"]),
            office_id=r["office_id"],
            importer_id=r["importer_id"],
            hs_code=r["hs_code"],
            origin_country=r["origin_country"],
            item_price_krw=r["item_price_krw"],
            score=r["score"],
            lane=r["lane"],
            exploration=bool(r["exploration"]),
            revenue_at_risk=r["revenue_at_risk"],
            reasons=_reason_texts(r["reasons"] or [])[:3],
            rules_fired=list(r["rules_fired"] or []),
            overridden=r["override_lane"] is not None,
            inspected=r["inspection_id"] is not None,
            fraud_found=None if r["inspection_id"] is None else bool(r["fraud"]),
        )
        for r in rows
    ]
    return int(total), items


def dashboard_frame(*, engine: Engine, office: str | None) -> pd.DataFrame:
    q, _lane, _ins, _d, _ra = _queue_select(office)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    cols = ["office_id", "declaration_date", "lane", "inspected", "fraud", "additional_duty"]
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame(
        {
            "office_id": [r["office_id"] for r in rows],
            "declaration_date": pd.to_datetime([r["declaration_date"] for r in rows]),
            "lane": [r["lane"] for r in rows],
            "inspected": [r["inspection_id"] is not None for r in rows],
            "fraud": [
                float(bool(r["fraud"])) if r["inspection_id"] is not None else 0.0 for r in rows
            ],
            "additional_duty": [float(r["additional_duty"] or 0.0) for r in rows],
        }
    )


# --- writes go through the risk engine's service ------------------------------------------


def record_inspection(
    *,
    engine: Engine,
    declaration_id: str,
    item_no: int,
    fraud: bool,
    critical: bool,
    additional_duty: float,
    note: str | None,
    user: str,
) -> InspectionOut:
    """Raises ValueError("field: reason") on a finding the risk engine refuses."""
    from opencustoms.risk import service

    res = service.record_inspection(
        engine=engine,
        declaration_id=declaration_id,
        item_no=item_no,
        fraud=fraud,
        critical=critical,
        additional_duty=additional_duty,
        note=note,
        user=user,
    )
    return InspectionOut(
        declaration_id=res.declaration_id,
        item_no=res.item_no,
        fraud=res.fraud,
        critical=res.critical,
        additional_duty=res.additional_duty,
        recorded_by=res.officer,
    )


def override_lane(
    *, engine: Engine, declaration_id: str, item_no: int, lane: str, reason: str, user: str
) -> LaneOut:
    """Raises ValueError("field: reason") on input the risk engine refuses."""
    from opencustoms.risk import service

    res = service.override_lane(
        engine=engine,
        declaration_id=declaration_id,
        item_no=item_no,
        lane=lane,
        reason=reason,
        user=user,
    )
    return LaneOut(
        declaration_id=res.declaration_id,
        item_no=res.item_no,
        lane=res.lane,
        previous_lane=res.previous_lane,
        reason=res.reason,
        overridden_by=res.user,
    )
