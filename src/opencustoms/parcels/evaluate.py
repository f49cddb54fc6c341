"""Accuracy of the screening against generator labels, next to a plain baseline.

The baseline is what a first rule set would do with fixed numbers and raw text: same PCCC
and day over USD 150; a PCCC with more than 3 different raw names; more than 10 parcels to
one PCCC; a unit value under 30% of the HS6 median; a lower-case substring of a term.
Labels are read here only, never by a detector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.errors import InvalidInput
from opencustoms.parcels import features as feat
from opencustoms.parcels.screen import TYPOLOGIES


def baseline(valid: pd.DataFrame, p: pd.DataFrame) -> dict[str, np.ndarray]:
    """Fixed-threshold rules, one per typology (flags per row of ``valid``)."""
    from opencustoms.parcels.reference import load_reference

    pccc = valid["recipient_pccc"].astype(object)
    day = valid["arrival_date"]
    total = p["value_usd"].groupby([pccc, day]).transform("sum")
    n_day = p["value_usd"].groupby([pccc, day]).transform("size")
    names = valid["recipient_name"].astype(object).groupby(pccc).transform("nunique")
    count = pccc.map(pccc.value_counts())
    hs = p["hs6"].fillna("")
    unit_med = p["unit_usd"].groupby(hs).transform("median")
    desc = valid["description"].astype(object).str.lower()
    terms = load_reference().terms
    plain = terms.loc[~terms["category"].isin(["counterfeit_marker"]), "term"].str.lower().tolist()
    codes, uniq = pd.factorize(desc.fillna(""))
    bad = np.array([any(t in str(u) for t in plain) for u in uniq], dtype=bool)
    hit = bad[codes]
    return {
        "split_shipment": ((n_day >= 2) & (total > 150) & (p["value_usd"] <= 150)).to_numpy(),
        "pccc_misuse": (names > 3).to_numpy(),
        "commercial_resale": (count > 10).to_numpy(),
        "undervaluation": ((p["unit_usd"] < 0.3 * unit_med) & (hs != "")).to_numpy(),
        "prohibited_goods": hit,
    }


def _pr(flag: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    tp = int((flag & truth).sum())
    return {
        "precision": round(tp / max(int(flag.sum()), 1), 4),
        "recall": round(tp / max(int(truth.sum()), 1), 4),
        "flagged": int(flag.sum()),
        "positives": int(truth.sum()),
    }


def evaluate(
    decisions: pd.DataFrame, labels: pd.DataFrame, base: dict[str, np.ndarray] | None = None
) -> dict[str, Any]:
    """Per typology precision/recall (model and baseline) and the flag rate on each kind of
    hard negative. ``decisions`` and ``base`` rows align; labels are joined on parcel_id."""
    lab = labels.set_index("parcel_id").reindex(decisions["parcel_id"])
    truth_codes = lab["typologies"].fillna("").str.split(";")
    flagged_codes = decisions["typologies"].fillna("").str.split(";")
    out: dict[str, Any] = {"typologies": {}, "hard_negatives": {}}
    for code in TYPOLOGIES:
        truth = truth_codes.map(lambda c, code=code: code in c).to_numpy(dtype=bool)
        flag = flagged_codes.map(lambda c, code=code: code in c).to_numpy(dtype=bool)
        row = {"model": _pr(flag, truth)}
        if base is not None:
            row["baseline"] = _pr(np.asarray(base[code], dtype=bool), truth)
        out["typologies"][code] = row
    hard = lab["hard_negatives"].fillna("").to_numpy(dtype=object)
    relevant = {
        "frequent_shopper": ["commercial_resale", "pccc_misuse"],
        "us_150_200": ["split_shipment"],
        "cheap_goods": ["undervaluation"],
        "sale_price": ["undervaluation"],
        "lookalike_text": ["prohibited_goods"],
    }
    for tag, codes in relevant.items():
        # a hard negative that the law makes a true case (e.g. a US pair plus a third
        # parcel over USD 150) is not a hard negative for that code
        truly = truth_codes.map(lambda c, codes=codes: any(x in c for x in codes)).to_numpy(bool)
        m = (hard == tag) & ~truly
        if not m.any():
            continue
        hit = np.zeros(int(m.sum()), dtype=bool)
        for code in codes:
            hit |= flagged_codes[m].map(lambda c, code=code: code in c).to_numpy(dtype=bool)
        out["hard_negatives"][tag] = {
            "parcels": int(m.sum()),
            "flagged_for": codes,
            "flag_rate": round(float(hit.mean()), 4),
        }
    return out


def evaluate_files(manifest: Path, labels: Path) -> dict[str, Any]:
    """Screen ``manifest`` and compare with ``labels`` (model and baseline, same run)."""
    from opencustoms.parcels.manifest import read_manifest
    from opencustoms.parcels.screen import _dedupe, screen_frame

    raw = read_manifest(manifest)
    result = screen_frame(raw)
    valid, _, _ = _dedupe(raw)
    p = feat.prepare(valid)
    lab = pd.read_parquet(labels) if labels.suffix == ".parquet" else pd.read_csv(labels, dtype=str)
    report = evaluate(result.decisions, lab, baseline(valid, p))
    report["parcels"] = result.screened
    report["seconds"] = round(result.seconds, 2)
    return report


def calibrate_files(
    manifest: Path,
    labels: Path | None,
    *,
    source: dict[str, Any],
    case_labels: pd.DataFrame | None = None,
    fallback: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Fit the calibration on a manifest and its labels file (a generated tuning seed),
    officers' decisions (``case_labels``: ``alertfile.LABEL_COLUMNS``, overruling the
    file where they judged a parcel; ``case_labels.decision_targets``), or both. A typology
    that cannot be fitted keeps its entry of ``fallback``."""
    from opencustoms.parcels.case_labels import decision_targets
    from opencustoms.parcels.manifest import read_manifest
    from opencustoms.parcels.scoring import fit, targets_from_codes
    from opencustoms.parcels.screen import _dedupe, compute_features

    if labels is None and case_labels is None:
        raise InvalidInput("labels", "give a labels file, case labels or both")
    valid, _, _ = _dedupe(read_manifest(manifest))
    _, features = compute_features(valid)
    targets = None
    if labels is not None:
        lab = (
            pd.read_parquet(labels)
            if labels.suffix == ".parquet"
            else pd.read_csv(labels, dtype=str)
        )
        codes = lab.set_index("parcel_id")["typologies"].reindex(valid["parcel_id"].astype(object))
        targets = targets_from_codes(pd.Series(codes.fillna("").to_numpy(), index=valid.index))
    if case_labels is not None:
        targets, counts = decision_targets(valid["parcel_id"], targets, case_labels)
        source = {**source, "case_labels": counts}
    assert targets is not None
    cal = fit(features, targets, source=source, fallback=fallback)
    for code, n in source.get("case_labels", {}).items():
        if code in cal["typologies"]:
            cal["typologies"][code]["case_labels"] = n
    return cal
