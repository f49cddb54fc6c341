"""The alert file: what every detector writes and the case system imports.

One row per alert. Detectors (trade crime, screening, parcels, risk lanes) write it with
``write_alerts``; ``opencustoms cases import-alerts`` reads it back with ``read_alerts``.
Columns (CSV or Parquet, chosen by the file extension):

========================  ==================================================================
``alert_id``              unique within the file (the detector's own id)
``typology``              the detector's typology code, e.g. ``hwanchigi``
``subject_id``            the company, person, parcel or declaration the alert is about
``score``                 0-1, higher = more suspicious (calibrated by the detector)
``period_start/_end``     ISO dates the evidence covers
``amount_krw``            KRW at stake (0 when not monetary)
``evidence``              JSON text: ``{"declarations": [...], "settlements": [...], ...}``
``explanation``           plain words an officer can read
========================  ==================================================================

>>> import pandas as pd, tempfile, pathlib
>>> frame = pd.DataFrame([{"alert_id": "A1", "typology": "hwanchigi", "subject_id": "C1",
...     "score": 0.9, "period_start": "2024-01-01", "period_end": "2024-03-31",
...     "amount_krw": 1.5e8, "evidence": {"va_transfers": ["T1", "T2"]},
...     "explanation": "KRW-bought crypto sent abroad by the director"}])
>>> path = pathlib.Path(tempfile.mkdtemp()) / "alerts.csv"
>>> write_alerts(frame, path)
>>> back = read_alerts(path)
>>> back.loc[0, "evidence"]["va_transfers"], back.loc[0, "period_end"]
(['T1', 'T2'], datetime.date(2024, 3, 31))
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd

from opencustoms.errors import InvalidInput

ALERT_COLUMNS = (
    "alert_id",
    "typology",
    "subject_id",
    "score",
    "period_start",
    "period_end",
    "amount_krw",
    "evidence",
    "explanation",
)


def _file_kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    if suffix == ".csv":
        return "csv"
    raise InvalidInput("path", f"{path.name}: expected a .csv or .parquet file")


def _evidence_text(value: Any) -> str:
    if isinstance(value, str):
        json.loads(value)  # must already be JSON text
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def write_alerts(frame: pd.DataFrame, path: str | Path) -> None:
    """Write alerts in the exchange format; ``evidence`` may be dicts or JSON text."""
    path = Path(path)
    kind = _file_kind(path)
    missing = [c for c in ALERT_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(missing[0], "column missing from the alerts to write")
    out = frame.loc[:, list(ALERT_COLUMNS)].copy()
    out["evidence"] = [_evidence_text(v) for v in out["evidence"]]
    for column in ("period_start", "period_end"):
        out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    out["score"] = out["score"].astype(float)
    out["amount_krw"] = out["amount_krw"].astype(float)
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "parquet":
        out.to_parquet(path, index=False)
    else:
        out.to_csv(path, index=False)


def _date(value: Any, *, row: int, column: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise InvalidInput(column, f"row {row}: {value!r} is not an ISO date") from None


def read_alerts(path: str | Path) -> pd.DataFrame:
    """Read and validate an alert file; ``evidence`` comes back as dicts, periods as dates.

    Raises ``InvalidInput`` naming the column (missing column) or the row and column (bad
    value): an alert file is produced by a detector, so one bad row makes the file unusable.
    """
    path = Path(path)
    kind = _file_kind(path)
    if not path.is_file():
        raise InvalidInput("path", f"{path}: no such file")
    frame = (
        pd.read_parquet(path)
        if kind == "parquet"
        else pd.read_csv(path, dtype=str, keep_default_na=False)
    )
    missing = [c for c in ALERT_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput(missing[0], "required column missing")
    frame = frame.loc[:, list(ALERT_COLUMNS)].copy()
    for column in ("alert_id", "typology", "subject_id"):
        frame[column] = frame[column].astype(str).str.strip()
        empty = frame.index[frame[column] == ""]
        if len(empty):
            raise InvalidInput(column, f"row {int(empty[0]) + 1}: empty")
    for column in ("score", "amount_krw"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna() | ~values.between(0, 1 if column == "score" else float("inf"))
        if bad.any():
            row = int(frame.index[bad][0])
            limit = "between 0 and 1" if column == "score" else "a non-negative number"
            raise InvalidInput(column, f"row {row + 1}: {frame.at[row, column]!r} is not {limit}")
        frame[column] = values.astype(float)
    for column in ("period_start", "period_end"):
        frame[column] = [_date(v, row=i + 1, column=column) for i, v in enumerate(frame[column])]
    evidence = []
    for i, text in enumerate(frame["evidence"]):
        try:
            value = json.loads(text) if isinstance(text, str) else text
        except json.JSONDecodeError:
            raise InvalidInput("evidence", f"row {i + 1}: not JSON text") from None
        if not isinstance(value, dict):
            raise InvalidInput("evidence", f"row {i + 1}: expected a JSON object of id lists")
        evidence.append(value)
    frame["evidence"] = pd.Series(evidence, index=frame.index, dtype=object)
    frame["explanation"] = frame["explanation"].astype(str)
    if frame["alert_id"].duplicated().any():
        dup = frame.loc[frame["alert_id"].duplicated(), "alert_id"].iloc[0]
        raise InvalidInput("alert_id", f"{dup!r} appears twice")
    return frame


# The return path: officers' decisions on alerts (``opencustoms cases labels`` writes these
# columns; the calibration commands read them from the case store). ``label`` is 1 when the
# case confirmed the alert, 0 for a false positive, missing when inconclusive.
LABEL_COLUMNS = (
    "typology",
    "subject_id",
    "label",
    "outcome",
    "case_id",
    "decided_by",
    "decided_at",
)


def latest_labels(labels: pd.DataFrame) -> pd.DataFrame:
    """One row per (subject, typology): the latest decision (``decided_at``, then
    ``case_id``) wins, as a later case on the same matter knows more. Inconclusive rows
    stay, with a missing label, so callers can count what they ignore.

    >>> lab = pd.DataFrame({"typology": ["t", "t", "u"], "subject_id": ["S", "S", "S"],
    ...     "label": [1, 0, None], "outcome": ["confirmed", "false_positive", "inconclusive"],
    ...     "case_id": [1, 2, 3], "decided_by": ["kim", "lee", "kim"],
    ...     "decided_at": ["2026-01-02", "2026-01-01", "2026-01-03"]})
    >>> latest_labels(lab)[["typology", "label", "decided_by"]].values.tolist()
    [['t', 1, 'kim'], ['u', <NA>, 'kim']]
    """
    missing = [c for c in LABEL_COLUMNS if c not in labels.columns]
    if missing:
        raise InvalidInput(missing[0], "column missing from the case labels")
    out = labels.loc[:, list(LABEL_COLUMNS)].copy()
    out["typology"] = out["typology"].astype(str)
    out["subject_id"] = out["subject_id"].astype(str)
    out["label"] = pd.to_numeric(out["label"], errors="coerce").astype("Int64")
    if (out["label"].notna() & ~out["label"].isin([0, 1])).any():
        raise InvalidInput("label", "1 (confirmed), 0 (false positive) or missing")
    out["decided_at"] = out["decided_at"].astype(str)
    out = out.sort_values(["decided_at", "case_id"], kind="stable")
    out = out.drop_duplicates(["subject_id", "typology"], keep="last")
    return out.sort_values(["typology", "subject_id"], kind="stable").reset_index(drop=True)
