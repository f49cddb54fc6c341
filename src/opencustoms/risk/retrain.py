"""Retraining from the store: labels from recorded inspections (plus the history the
current model was already trained on) and, where no inspection result exists, from
officers' decisions handed in by the caller (closed cases: ``decision_labels``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from opencustoms.declarations.queries import query_frame
from opencustoms.declarations.schema import FIELD_NAMES
from opencustoms.risk import artefact as artefact_mod
from opencustoms.risk import training
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.decision_labels import apply_decisions
from opencustoms.risk.feedback import inspection_labels
from opencustoms.risk.service import load_model
from opencustoms.settings import get_settings


def training_frame(
    *,
    engine: Engine,
    labels_before: dt.date | str | None = None,
    decisions: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The stored declarations with the labels retraining learns from, and where they came
    from (the ``labels`` entry of the model's metadata). Labels: source labels of items
    dated before ``labels_before`` (default: the day after the current model's training
    window), then recorded inspections, then ``decisions`` (``decision_labels``) on items
    still without one. Every stored item still counts in the history features."""
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
    info: dict[str, Any] = {
        "source_labels_before": None if labels_before is None else str(cutoff.date()),
        "recorded_inspections": len(labels),
    }
    if decisions is not None:
        frame, info["case_decisions"] = apply_decisions(frame, decisions)
    return frame, info


def retrain(
    *,
    engine: Engine,
    out: Path | str | None = None,
    labels_before: dt.date | str | None = None,
    seed: int | None = None,
    decisions: pd.DataFrame | None = None,
) -> RiskModel:
    """Train a new model on the stored declarations (labels: ``training_frame``). Saves to
    ``out`` (default: settings.model_dir) and returns the model; its metadata ``labels``
    says how many labels came from where, with one provenance row per decision."""
    s = get_settings()
    frame, info = training_frame(engine=engine, labels_before=labels_before, decisions=decisions)
    model = training.train(
        frame,
        seed=s.seed if seed is None else seed,
        n_threads=s.n_threads,
        sources=[f"store:{engine.url.database}"],
    )
    model.metadata["labels"] = info
    model.save(Path(out or s.model_dir), compile_native=True)
    return model
