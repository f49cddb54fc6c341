"""Screening results as rows of the alert exchange file (``opencustoms.alertfile``) that
the case system imports: one alert per flagged parcel and typology.

>>> import pandas as pd
>>> d = pd.DataFrame({"parcel_id": ["H1", "H2"], "typologies": ["split_shipment", ""],
...     "score_split_shipment": [0.97, 0.1], "reasons": ["split shipment: ...", ""],
...     "duty_krw": [1000.0, None], "vat_krw": [2000.0, None], "group": [3.0, None]})
>>> a = alerts_frame(d, pd.Series(["2026-10-01", "2026-10-01"]))
>>> a[["alert_id", "typology", "subject_id", "amount_krw"]].values.tolist()
[['H1:split_shipment', 'split_shipment', 'H1', 3000.0]]
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.parcels.features import FEATURES


def alerts_frame(decisions: pd.DataFrame, arrival: pd.Series) -> pd.DataFrame:
    """Alert rows for ``decisions`` (``ScreenResult.decisions``); ``arrival`` aligned."""
    rows = []
    codes = decisions["typologies"].fillna("")
    day = dict(zip(decisions.index, np.asarray(arrival, dtype=object), strict=True))
    by_group = decisions.dropna(subset=["group"]).groupby("group")["parcel_id"].agg(list)
    for code in FEATURES:
        hit = decisions[codes.str.contains(code, regex=False)]
        if hit.empty:
            continue
        amount = hit["duty_krw"].fillna(0) + hit["vat_krw"].fillna(0)
        for (i, r), krw in zip(hit.iterrows(), amount, strict=True):
            linked = by_group.get(r["group"], [r["parcel_id"]]) if pd.notna(r["group"]) else []
            rows.append(
                {
                    "alert_id": f"{r['parcel_id']}:{code}",
                    "typology": code,
                    "subject_id": r["parcel_id"],
                    "score": float(r[f"score_{code}"]),
                    "period_start": str(day[i])[:10],
                    "period_end": str(day[i])[:10],
                    "amount_krw": float(krw),
                    "evidence": {"parcels": linked or [r["parcel_id"]]},
                    "explanation": r["reasons"],
                }
            )
    return pd.DataFrame(rows)
