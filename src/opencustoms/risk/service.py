"""The risk engine's service functions (keyword-only), used by the CLI, the API and the demo.

* ``load_model`` / ``score_frame`` / ``score_one``: score without the database.
* ``score_store``: score stored declarations and persist assessments and lanes.
* ``record_inspection`` / ``override_lane``: feedback from officers and supervisors.
* ``retrain``: a new model from stored declarations whose labels come only from recorded
  inspections (plus the history the current model was trained on).
"""

from __future__ import annotations

import datetime as dt
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, desc, func, insert, inspect, select

from opencustoms.declarations.schema import FIELD_NAMES, Declaration
from opencustoms.risk import artefact as artefact_mod
from opencustoms.risk import rules as rules_mod
from opencustoms.risk import scoring
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.lanes import CapacityPlan, load_capacity
from opencustoms.risk.models import (
    InspectionResult,
    LaneOverride,
    ScoredDeclaration,
    StoreScoring,
    risk_assessments,
    risk_inspections,
    risk_lane_overrides,
)
from opencustoms.risk.rules import LANES
from opencustoms.settings import get_settings

_STRING_FIELDS = tuple(
    n
    for n in FIELD_NAMES
    if n not in ("item_no", "declaration_date", "arrival_date", "fraud", "critical_fraud")
    and n
    not in (
        "tax_rate",
        "net_mass_kg",
        "item_price_krw",
        "quantity",
        "fob_value",
        "cif_value",
        "additional_duty",
    )
)
_FLOAT_FIELDS = (
    "tax_rate",
    "net_mass_kg",
    "item_price_krw",
    "quantity",
    "fob_value",
    "cif_value",
    "additional_duty",
)


def load_model(path: Path | str | None = None) -> RiskModel:
    """The artefact at ``path`` (default: settings.model_dir), cached until it changes."""
    path = Path(path or get_settings().model_dir).resolve()
    meta = path / "metadata.json"
    stamp = meta.stat().st_mtime_ns if meta.is_file() else 0
    return _cached_model(str(path), stamp, get_settings().n_threads)


@lru_cache(maxsize=4)
def _cached_model(path: str, stamp: int, n_threads: int) -> RiskModel:
    return artefact_mod.load(path, n_threads=n_threads)


@lru_cache(maxsize=4)
def _cached_rules(directory: str, stamp: tuple[tuple[str, int], ...] = ()) -> rules_mod.RuleSet:
    return rules_mod.load_rules(Path(directory))


def current_rules() -> rules_mod.RuleSet:
    """The officer rules in force, reloaded whenever a rules file is added or changed."""
    directory = Path(get_settings().rules_dir)
    stamp = tuple((f.name, f.stat().st_mtime_ns) for f in sorted(directory.glob("*.yaml")))
    return _cached_rules(str(directory), stamp)


def score_frame(
    frame: pd.DataFrame,
    *,
    model: RiskModel | None = None,
    rules: rules_mod.RuleSet | None = None,
    plan: CapacityPlan | None = None,
    exploration_share: float | None = None,
    strategy: str | None = None,
    seed: int | None = None,
    explain_mode: str = "auto",
) -> pd.DataFrame:
    """Score a canonical frame (``io.load_frame`` columns); settings give the defaults."""
    s = get_settings()
    return scoring.score_frame(
        frame,
        model=model or load_model(),
        rules=rules or current_rules(),
        plan=plan or load_capacity(),
        exploration_share=s.exploration_share if exploration_share is None else exploration_share,
        strategy=strategy or s.exploration_strategy,
        seed=s.seed if seed is None else seed,
        explain_mode=explain_mode,
    )


def declaration_frame(declarations: list[Declaration]) -> pd.DataFrame:
    """Canonical typed frame from validated ``Declaration`` objects (no pandas parsing)."""
    rows = [d.model_dump() for d in declarations]
    cols: dict[str, Any] = {}
    for name in _STRING_FIELDS:
        cols[name] = pd.array(
            [None if r[name] is None else str(r[name]) for r in rows], dtype="string"
        )
    for name in _FLOAT_FIELDS:
        cols[name] = np.array([np.nan if r[name] is None else r[name] for r in rows], float)
    for name in ("item_no", "fraud", "critical_fraud"):
        cols[name] = pd.array([r[name] for r in rows], dtype="Int64")
    for name in ("declaration_date", "arrival_date"):
        cols[name] = pd.to_datetime([r[name] for r in rows])
    return pd.DataFrame(cols)[list(FIELD_NAMES)]


def score_one(
    declaration: Declaration | dict[str, Any],
    *,
    model: RiskModel | None = None,
    rules: rules_mod.RuleSet | None = None,
) -> ScoredDeclaration:
    """Score one declaration (validated first: a malformed one raises pydantic's
    ``ValidationError`` naming each bad field). The lane is provisional: capacity and
    exploration apply when a day's declarations are scored together (``score_store``)."""
    return score_many([declaration], model=model, rules=rules)[0]


def score_many(
    declarations: list[Declaration | dict[str, Any]] | list[Declaration] | list[dict[str, Any]],
    *,
    model: RiskModel | None = None,
    rules: rules_mod.RuleSet | None = None,
) -> list[ScoredDeclaration]:
    """``score_one`` for a small list (e.g. an API batch of up to 1,000), in input order."""
    decls = [
        d if isinstance(d, Declaration) else Declaration.model_validate(d) for d in declarations
    ]
    rows = scoring.score_records(
        [d.model_dump() for d in decls],
        model=model or load_model(),
        rules=rules or current_rules(),
        plan=load_capacity(),
    )
    return [_scored(r) for r in rows]


def _scored(row: dict[str, Any]) -> ScoredDeclaration:
    return ScoredDeclaration(
        declaration_id=str(row["declaration_id"]),
        item_no=int(row["item_no"]),
        office_id=str(row["office_id"]),
        score=float(row["score"]),
        model_score=float(row["model_score"]),
        critical_score=float(row["critical_score"]),
        revenue_at_risk=float(row["revenue_at_risk"]),
        duty_at_stake=float(row["duty_at_stake"]),
        lane=str(row["lane"]),
        exploration=bool(row["exploration"]),
        rules_fired=list(row["rules_fired"]),
        reasons=list(row["reasons"]),
        model_version=str(row["model_version"]),
    )


def has_table(engine: Engine, name: str) -> bool:
    return inspect(engine).has_table(name)


def score_store(
    *,
    engine: Engine,
    model: RiskModel | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    office_id: str | None = None,
    exploration_share: float | None = None,
    strategy: str | None = None,
    explain_mode: str = "auto",
) -> StoreScoring:
    """Score stored declarations (optionally a date range / office) and persist one
    assessment per item with its lane; the latest assessment of an item is current."""
    from opencustoms.declarations.queries import query_frame

    t0 = time.perf_counter()
    model = model or load_model()
    frame = query_frame(engine=engine, start=start, end=end, office_id=office_id)
    if frame.empty:
        return StoreScoring(
            scored=0,
            lanes={},
            exploration=0,
            model_version=model.version,
            seconds=time.perf_counter() - t0,
        )
    out = score_frame(
        frame,
        model=model,
        exploration_share=exploration_share,
        strategy=strategy,
        explain_mode=explain_mode,
    )
    now = dt.datetime.now(dt.UTC)
    records: list[Any] = list(out.itertuples(index=False))
    rows = [
        {
            "declaration_id": r.declaration_id,
            "item_no": int(r.item_no),
            "office_id": r.office_id,
            "declaration_date": r.declaration_date.date(),
            "model_version": r.model_version,
            "score": float(r.score),
            "model_score": float(r.model_score),
            "critical_score": float(r.critical_score),
            "revenue_at_risk": float(r.revenue_at_risk),
            "lane": r.lane,
            "exploration": bool(r.exploration),
            "reasons": r.reasons,
            "rules_fired": list(r.rules_fired),
            "scored_at": now,
        }
        for r in records
    ]
    with engine.begin() as conn:
        for i in range(0, len(rows), 5000):
            conn.execute(insert(risk_assessments), rows[i : i + 5000])
    return StoreScoring(
        scored=len(out),
        lanes={k: int(v) for k, v in out["lane"].value_counts().items()},
        exploration=int(out["exploration"].sum()),
        model_version=model.version,
        seconds=time.perf_counter() - t0,
    )


def latest_assessment(
    *, engine: Engine, declaration_id: str, item_no: int = 1
) -> dict[str, Any] | None:
    """The current assessment of an item with any later lane override applied."""
    a = risk_assessments.c
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(risk_assessments)
                .where(and_(a.declaration_id == declaration_id, a.item_no == item_no))
                .order_by(desc(a.scored_at), desc(a.id))
                .limit(1)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        out = dict(row)
        o = risk_lane_overrides.c
        override = (
            conn.execute(
                select(risk_lane_overrides)
                .where(and_(o.declaration_id == declaration_id, o.item_no == item_no))
                .order_by(desc(o.created_at), desc(o.id))
                .limit(1)
            )
            .mappings()
            .first()
        )
    out["overridden"] = override is not None
    if override is not None:
        out["lane"] = override["lane"]
    return out


def query_assessments(
    *,
    engine: Engine,
    office_id: str | None = None,
    lane: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Current (latest) assessments, highest score first, without lane overrides applied
    (``latest_assessment`` applies them for one item)."""
    a = risk_assessments.c
    latest = select(func.max(a.id).label("id")).group_by(a.declaration_id, a.item_no).subquery()
    stmt = select(risk_assessments).join(latest, latest.c.id == a.id)
    if office_id is not None:
        stmt = stmt.where(a.office_id == office_id)
    if lane is not None:
        stmt = stmt.where(a.lane == lane)
    if start is not None:
        stmt = stmt.where(a.declaration_date >= dt.date.fromisoformat(str(start)))
    if end is not None:
        stmt = stmt.where(a.declaration_date <= dt.date.fromisoformat(str(end)))
    stmt = stmt.order_by(desc(a.score), a.id).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def _check_declaration(engine: Engine, declaration_id: str, item_no: int) -> None:
    if not has_table(engine, "declarations"):
        return
    from opencustoms.declarations.queries import get_declaration

    if get_declaration(engine=engine, declaration_id=declaration_id, item_no=item_no) is None:
        raise ValueError(f"declaration_id: no stored declaration {declaration_id} item {item_no}")


def record_inspection(
    *,
    engine: Engine,
    declaration_id: str,
    item_no: int = 1,
    fraud: bool,
    critical: bool = False,
    additional_duty: float = 0.0,
    note: str | None = None,
    user: str,
) -> InspectionResult:
    """Store an inspection result. ``critical`` implies ``fraud``; duty is KRW >= 0."""
    if critical and not fraud:
        raise ValueError("critical: a critical fraud must also be a fraud (fraud=True)")
    if additional_duty is None or not np.isfinite(additional_duty) or additional_duty < 0:
        raise ValueError("additional_duty: must be a finite amount >= 0")
    if additional_duty > 0 and not fraud:
        raise ValueError("additional_duty: only a fraud finding can carry additional duty")
    if not user or not user.strip():
        raise ValueError("user: the recording officer is required")
    _check_declaration(engine, declaration_id, item_no)
    values = {
        "declaration_id": declaration_id,
        "item_no": item_no,
        "fraud": bool(fraud),
        "critical": bool(critical),
        "additional_duty": float(additional_duty),
        "officer": user.strip(),
        "note": note,
        "recorded_at": dt.datetime.now(dt.UTC),
    }
    with engine.begin() as conn:
        new_id = conn.execute(insert(risk_inspections).values(**values)).inserted_primary_key
    return InspectionResult(id=int(new_id[0]), **values)  # type: ignore[index]


def override_lane(
    *,
    engine: Engine,
    declaration_id: str,
    item_no: int = 1,
    lane: str,
    reason: str,
    user: str,
) -> LaneOverride:
    """Change an item's lane; who, when, why and the previous lane are kept."""
    if lane not in LANES:
        raise ValueError(f"lane: must be one of {', '.join(LANES)}, got {lane!r}")
    if not reason or len(reason.strip()) < 5:
        raise ValueError("reason: give at least 5 characters saying why")
    if not user or not user.strip():
        raise ValueError("user: the supervisor is required")
    _check_declaration(engine, declaration_id, item_no)
    current = latest_assessment(engine=engine, declaration_id=declaration_id, item_no=item_no)
    values = {
        "declaration_id": declaration_id,
        "item_no": item_no,
        "previous_lane": current["lane"] if current else None,
        "lane": lane,
        "reason": reason.strip(),
        "user": user.strip(),
        "created_at": dt.datetime.now(dt.UTC),
    }
    with engine.begin() as conn:
        new_id = conn.execute(insert(risk_lane_overrides).values(**values)).inserted_primary_key
    return LaneOverride(id=int(new_id[0]), **values)  # type: ignore[index]


def inspection_labels(*, engine: Engine) -> pd.DataFrame:
    """Latest recorded result per item: declaration_id, item_no, fraud, critical_fraud,
    additional_duty (KCS coding: critical_fraud 2 = critical, 1 = fraud, 0 = none)."""
    i = risk_inspections.c
    with engine.connect() as conn:
        rows = conn.execute(select(risk_inspections).order_by(i.recorded_at, i.id)).mappings()
        df = pd.DataFrame([dict(r) for r in rows])
    if df.empty:
        return pd.DataFrame(
            columns=["declaration_id", "item_no", "fraud", "critical_fraud", "additional_duty"]
        )
    df = df.drop_duplicates(["declaration_id", "item_no"], keep="last")
    return pd.DataFrame(
        {
            "declaration_id": df["declaration_id"].astype("string"),
            "item_no": df["item_no"].astype("Int64"),
            "fraud": df["fraud"].astype(int).astype("Int64"),
            "critical_fraud": np.where(df["critical"], 2, df["fraud"].astype(int)),
            "additional_duty": df["additional_duty"].astype(float),
        }
    )


def inspection_summary(
    *, engine: Engine, office_id: str | None = None
) -> dict[str, dict[str, float | int]]:
    """Hit rates of recorded inspections, split by how the item was selected: ``model``
    (the model's own picks), ``exploration`` (picks outside the model's choice; under the
    random strategy their fraud rate estimates the rate among released items, free of
    selection bias), ``rules`` (an officer rule fired) and ``other`` (green/blue lanes,
    unscored items)."""
    a, i = risk_assessments.c, risk_inspections.c
    latest = select(func.max(a.id).label("id")).group_by(a.declaration_id, a.item_no).subquery()
    stmt = (
        select(a.exploration, a.rules_fired, a.lane, i.fraud, i.critical, i.additional_duty)
        .select_from(risk_inspections)
        .join(
            risk_assessments,
            and_(a.declaration_id == i.declaration_id, a.item_no == i.item_no),
            isouter=True,
        )
        .where((a.id.is_(None)) | a.id.in_(select(latest.c.id)))
    )
    if office_id is not None:
        stmt = stmt.where(a.office_id == office_id)
    out: dict[str, dict[str, float | int]] = {}
    with engine.connect() as conn:
        for row in conn.execute(stmt):
            if row.exploration:
                group = "exploration"
            elif row.rules_fired:
                group = "rules"
            elif row.lane in ("red", "yellow"):
                group = "model"
            else:
                group = "other"
            g = out.setdefault(
                group, {"inspected": 0, "frauds": 0, "critical": 0, "additional_duty": 0.0}
            )
            g["inspected"] += 1
            g["frauds"] += int(bool(row.fraud))
            g["critical"] += int(bool(row.critical))
            g["additional_duty"] += float(row.additional_duty or 0.0)
    for g in out.values():
        g["hit_rate"] = g["frauds"] / g["inspected"]
    return out


def retrain(
    *,
    engine: Engine,
    out: Path | str | None = None,
    labels_before: dt.date | str | None = None,
    seed: int | None = None,
) -> RiskModel:
    """Train a new model on the stored declarations. Labels come only from recorded
    inspections, except items dated before ``labels_before`` (default: the day after the
    current model's training window), whose source labels are the history the current
    model was already trained on. Every stored item still counts in the history features.
    Saves to ``out`` (default: settings.model_dir) and returns the model."""
    from opencustoms.declarations.queries import query_frame

    s = get_settings()
    if labels_before is None:
        try:
            end = load_model().metadata["training_window"]["end"]
            labels_before = dt.date.fromisoformat(end) + dt.timedelta(days=1)
        except (artefact_mod.ArtefactError, KeyError, FileNotFoundError):
            labels_before = None  # no model yet: no source label is trusted
    cutoff = pd.Timestamp.min if labels_before is None else pd.Timestamp(str(labels_before))
    frame = query_frame(engine=engine)
    later = frame["declaration_date"] >= cutoff
    for col in ("fraud", "critical_fraud", "additional_duty"):
        frame[col] = frame[col].where(~later)
    labels = inspection_labels(engine=engine)
    if not labels.empty:
        keyed = frame.set_index(["declaration_id", "item_no"])
        lab = labels.set_index(["declaration_id", "item_no"])
        common = keyed.index.intersection(lab.index)
        for col in ("fraud", "critical_fraud", "additional_duty"):
            keyed.loc[common, col] = lab.loc[common, col].to_numpy()
        frame = keyed.reset_index()[list(FIELD_NAMES)]
    model = artefact_mod.train(
        frame,
        seed=s.seed if seed is None else seed,
        n_threads=s.n_threads,
        sources=[f"store:{engine.url.database}"],
    )
    model.metadata["labels"] = {
        "source_labels_before": None if labels_before is None else str(cutoff.date()),
        "recorded_inspections": len(labels),
    }
    model.save(Path(out or s.model_dir), compile_native=True)
    return model
