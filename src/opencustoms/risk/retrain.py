"""Retraining from the store: labels only from recorded inspections (plus the history the
current model was already trained on)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from opencustoms.declarations.queries import query_frame
from opencustoms.declarations.schema import FIELD_NAMES
from opencustoms.risk import artefact as artefact_mod
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.feedback import inspection_labels
from opencustoms.risk.service import load_model
from opencustoms.settings import get_settings


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
