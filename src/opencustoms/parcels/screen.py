"""Screening a manifest: every valid parcel gets a decision, its typologies, a calibrated
score, plain-language reasons and the duty and VAT due where the goods are taxable.

Decisions, by severity: ``inspect`` > ``hold`` (general import declaration) > ``pay_duty``
> ``release``. A typology counts when its calibrated score reaches its threshold
(``screening.yaml``); its decision comes from the same file (medicines: ``hold``). A single
parcel above its personal-use limit, or a split-shipment group, pays duty and VAT computed
by the tariff engine's vectorised path on each parcel without the personal-use exemption
(ad valorem taxes add up, so the group's tax is the sum over its parcels).

Needs no database. Exact repeats of a parcel_id are counted as duplicates; a repeat with
other content is quarantined: ``input == screened + quarantined + duplicates``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from opencustoms.parcels import features as feat
from opencustoms.parcels.manifest import content_hash, read_manifest, validate
from opencustoms.parcels.reference import load_reference
from opencustoms.parcels.scoring import load_calibration, probability

TYPOLOGIES = tuple(feat.FEATURES)
SEVERITY = {"release": 0, "pay_duty": 1, "hold": 2, "inspect": 3}
OUTPUT_COLUMNS = ("parcel_id", "decision", "typologies", "score", "reasons", "duty_krw", "vat_krw")


@dataclass
class ScreenResult:
    decisions: pd.DataFrame  # OUTPUT_COLUMNS + per-typology scores and linking columns
    input: int
    quarantined: int
    duplicates: int
    quarantine: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def screened(self) -> int:
        return len(self.decisions)

    def summary(self) -> dict[str, Any]:
        d = self.decisions
        codes = d["typologies"][d["typologies"] != ""].str.split(";").explode()
        return {
            "input": self.input,
            "screened": self.screened,
            "quarantined": self.quarantined,
            "duplicates": self.duplicates,
            "decisions": {k: int(v) for k, v in d["decision"].value_counts().items()},
            "typologies": {k: int(v) for k, v in codes.value_counts().items()},
            "seconds": round(self.seconds, 3),
        }


def screen_file(
    path: str | Path, *, progress: Callable[[int, int], None] | None = None
) -> ScreenResult:
    """Read a CSV/Parquet manifest and screen it (``ManifestError`` if unusable)."""
    started = time.perf_counter()
    result = screen_frame(read_manifest(path), progress=progress)
    result.seconds = time.perf_counter() - started
    return result


def _dedupe(raw: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]], int]:
    checked = validate(raw)
    valid, quarantine = checked.valid, checked.quarantine
    repeat = valid["parcel_id"].duplicated(keep="first")
    if not repeat.any():
        return valid, quarantine, 0
    h = pd.Series(content_hash(valid), index=valid.index)
    first_h = h.groupby(valid["parcel_id"]).transform("first")
    first_row = (
        pd.Series(valid.index, index=valid.index).groupby(valid["parcel_id"]).transform("first")
    )
    conflict = repeat & (h != first_h)
    for i in valid.index[conflict]:
        why = f"repeats row {int(first_row[i]) + 1} with different content"
        quarantine.append(
            {
                "row_number": int(i) + 1,
                "raw": {k: (None if pd.isna(v) else str(v)) for k, v in raw.loc[i].items()},
                "reasons": [{"field": "parcel_id", "problem": why}],
            }
        )
    return valid.loc[~repeat], quarantine, int((repeat & ~conflict).sum())


def compute_features(valid: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, pd.DataFrame]]:
    """(prepared keys, features per typology) for validated parcels."""
    p = feat.prepare(valid)
    return p, {
        "split_shipment": feat.split_shipment(p),
        "pccc_misuse": feat.pccc_misuse(p),
        "commercial_resale": feat.commercial_resale(p),
        "undervaluation": feat.undervaluation(p),
        "prohibited_goods": feat.prohibited_goods(p, valid["description"]),
    }


def screen_frame(
    raw: pd.DataFrame, *, progress: Callable[[int, int], None] | None = None
) -> ScreenResult:
    """Screen a manifest held as text columns (as :func:`read_manifest` returns it)."""
    started = time.perf_counter()
    valid, quarantine, duplicates = _dedupe(raw)
    if progress:
        progress(1, 4)
    if valid.empty:  # every row quarantined or repeated: nothing to score, same columns
        return ScreenResult(
            decisions=_no_decisions(),
            input=len(raw),
            quarantined=len(quarantine),
            duplicates=duplicates,
            quarantine=quarantine,
            seconds=time.perf_counter() - started,
        )
    p, f = compute_features(valid)
    if progress:
        progress(2, 4)
    ref, cal = load_reference(), load_calibration()
    out = pd.DataFrame({"parcel_id": valid["parcel_id"].astype(object)}, index=valid.index)
    flagged: dict[str, np.ndarray] = {}
    for code in TYPOLOGIES:
        out[f"score_{code}"] = probability(code, f[code], cal)
        flagged[code] = out[f"score_{code}"].to_numpy() >= float(ref.typology(code, "threshold"))
    over = (p["value_usd"] > p["limit"]).to_numpy()
    out["typologies"] = _codes(flagged, len(out))
    out["score"] = out[[f"score_{c}" for c in TYPOLOGIES]].max(axis=1).round(4)
    out["decision"] = _decisions(flagged, over, f["prohibited_goods"]["category"], ref)
    taxed = over | flagged["split_shipment"]
    duty, vat, tax_error = _taxes(valid, p, taxed)
    out["duty_krw"], out["vat_krw"] = duty, vat
    if progress:
        progress(3, 4)
    from opencustoms.parcels.reasons import reasons

    out["reasons"] = reasons(valid, p, f, flagged, over, tax_error)
    out["office_code"] = _offices(valid)
    out["arrival_date"] = valid["arrival_date"].dt.strftime("%Y-%m-%d")
    out["group"] = f["split_shipment"]["group"].where(flagged["split_shipment"])
    if progress:
        progress(4, 4)
    return ScreenResult(
        decisions=out.reset_index(drop=True),
        input=len(raw),
        quarantined=len(quarantine),
        duplicates=duplicates,
        quarantine=quarantine,
        seconds=time.perf_counter() - started,
    )


def _no_decisions() -> pd.DataFrame:
    """The decisions frame of a manifest without a valid row, typed as a full one is (a
    partitioned output keeps one Arrow schema)."""
    ids = pd.ArrowDtype(pa.string())
    columns: dict[str, Any] = {"parcel_id": pd.Series([], dtype=ids)}
    columns.update({f"score_{c}": pd.Series([], dtype=float) for c in TYPOLOGIES})
    for name in ("typologies", "decision", "reasons", "office_code", "arrival_date"):
        columns[name] = pd.Series([], dtype="str")
    for name in ("score", "duty_krw", "vat_krw", "group"):
        columns[name] = pd.Series([], dtype=float)
    order = ["parcel_id", *(f"score_{c}" for c in TYPOLOGIES), "typologies", "score"]
    order += ["decision", "duty_krw", "vat_krw", "reasons", "office_code", "arrival_date"]
    return pd.DataFrame(columns)[[*order, "group"]]


def _codes(flagged: dict[str, np.ndarray], n: int) -> np.ndarray:
    codes = np.full(n, "", dtype=object)
    for code in TYPOLOGIES:  # already in alphabetical order
        m = flagged[code]
        codes[m] = np.where(codes[m] == "", code, codes[m] + ";" + code)
    return codes


def _decisions(
    flagged: dict[str, np.ndarray], over: np.ndarray, category: pd.Series, ref: Any
) -> np.ndarray:
    level = np.where(over, SEVERITY["pay_duty"], SEVERITY["release"])
    for code in TYPOLOGIES:
        sev = SEVERITY[ref.typology(code, "decision")]
        if code == "prohibited_goods":
            special = ref.screening.get("category_decisions", {})
            by_cat = category.map({k: SEVERITY[v["value"]] for k, v in special.items()}).fillna(sev)
            level = np.where(flagged[code], np.maximum(level, by_cat.to_numpy(dtype=int)), level)
        else:
            level = np.where(flagged[code], np.maximum(level, sev), level)
    names = np.array(sorted(SEVERITY, key=SEVERITY.__getitem__), dtype=object)
    return names[level]


def _taxes(
    valid: pd.DataFrame, p: pd.DataFrame, taxed: np.ndarray
) -> tuple[np.ndarray, np.ndarray, pd.Series]:
    """Duty (all duties and excises) and VAT in KRW for the taxed rows; NaN elsewhere."""
    from opencustoms.tariff.engine import compute_frame

    duty = np.full(len(valid), np.nan)
    vat = np.full(len(valid), np.nan)
    error = pd.Series(None, index=valid.index, dtype=object)
    if not taxed.any():
        return duty, vat, error
    v = valid.loc[taxed]
    hs = v["hs_code"].astype(object).fillna(p.loc[taxed, "hs6"])
    frame = pd.DataFrame(
        {
            "hs_code": hs.fillna("").astype(object),
            "origin": v["origin_country"]
            .astype(object)
            .fillna(v["departure_country"].astype(object)),
            "value": v["declared_value"].astype(float),
            "currency": v["currency"].astype(object),
            "date": v["arrival_date"].dt.strftime("%Y-%m-%d"),
            "quantity": v["quantity"].astype(float),
        },
        index=v.index,
    )
    w = compute_frame(frame)
    duty[taxed] = (w["total_krw"] - w["vat_amount"]).to_numpy(dtype=float)
    vat[taxed] = w["vat_amount"].to_numpy(dtype=float)
    error.loc[v.index] = w["error"]
    return duty, vat, error


def _offices(valid: pd.DataFrame) -> pd.Series:
    """Office of each parcel: the manifest's office_code, else the carrier's clearance office
    (``data/parcels/carrier_offices.csv``)."""
    carriers = load_reference().carriers.set_index("carrier_id")["office_code"]
    derived = valid["carrier_id"].astype(object).map(carriers)
    return valid["office_code"].astype(object).fillna(derived)


def write_decisions(decisions: pd.DataFrame, path: str | Path) -> None:
    """The interface columns, CSV or Parquet by extension."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = decisions[list(OUTPUT_COLUMNS)]
    if path.suffix.lower() in (".parquet", ".pq"):
        out.to_parquet(path, index=False)
    else:
        out.to_csv(path, index=False)
