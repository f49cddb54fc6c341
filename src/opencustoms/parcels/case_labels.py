"""Officers' decisions on parcel alerts as calibration targets.

A parcel alert is about one parcel (``subject_id`` = parcel id) and one typology. A closed
case that confirmed it makes the parcel a positive of that typology, a false positive a
negative; inconclusive decisions are counted and ignored. The latest decision per parcel
and typology counts (``alertfile.latest_labels``).

With a labels file (a generated tuning manifest's truth), the decisions overrule the file
for the parcels they judged: an officer's word on a real parcel beats the generator's.
Without one, only judged parcels have a target: the calibration is then fitted among the
parcels officers decided (alerted ones), so it answers "of the parcels we looked at, how
many were right", which overstates the probability of parcels nobody would alert. A
typology with too few decisions keeps the calibration in force (``scoring.fit``).

>>> ids = pd.Series(["P1", "P2", "P3"])
>>> lab = pd.DataFrame({"typology": ["undervaluation"] * 3 + ["other"],
...     "subject_id": ["P1", "P2", "P9", "P1"], "label": [1, 0, 1, 1],
...     "outcome": ["confirmed", "false_positive", "confirmed", "confirmed"],
...     "case_id": [1, 2, 3, 4], "decided_by": ["kim"] * 4, "decided_at": ["2026-01-01"] * 4})
>>> targets, counts = decision_targets(ids, None, lab)
>>> targets["undervaluation"].tolist()
[1.0, 0.0, nan]
>>> counts["undervaluation"]
{'confirmed': 1, 'false_positive': 1, 'changed': 0, 'inconclusive': 0, 'not_in_manifest': 1}
>>> counts["(other typologies)"]["confirmed"]
1
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.alertfile import latest_labels
from opencustoms.errors import InvalidInput
from opencustoms.parcels.features import FEATURES

OTHER = "(other typologies)"


def decision_targets(
    parcel_ids: pd.Series, base: dict[str, np.ndarray] | None, labels: pd.DataFrame
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, int]]]:
    """Per typology a target per parcel (1.0 / 0.0 / NaN unknown): ``base`` (from a labels
    file) or unknown, overruled by the decisions in ``labels``; and counts per typology:
    decisions used (confirmed, false positive), targets they changed from ``base``,
    inconclusive ones ignored and ones about parcels not in the manifest."""
    index = pd.Index(parcel_ids.astype(str))
    if not index.is_unique:
        raise InvalidInput("parcel_id", "parcel ids must be unique to take case labels")
    latest = latest_labels(labels)
    n = len(index)
    targets: dict[str, np.ndarray] = {}
    counts: dict[str, dict[str, int]] = {}
    for code in FEATURES:
        y = base[code].astype("float64").copy() if base else np.full(n, np.nan)
        mine = latest[latest["typology"] == code]
        pos = index.get_indexer(pd.Index(mine["subject_id"]))
        judged = mine["label"].notna().to_numpy()
        use = judged & (pos >= 0)
        new = mine["label"].to_numpy(dtype="float64", na_value=np.nan)[use]
        before = y[pos[use]]
        y[pos[use]] = new
        targets[code] = y
        counts[code] = {
            "confirmed": int((new == 1).sum()),
            "false_positive": int((new == 0).sum()),
            "changed": int((~np.isnan(before) & (before != new)).sum()),
            "inconclusive": int((~judged).sum()),
            "not_in_manifest": int((judged & (pos < 0)).sum()),
        }
    other = latest[~latest["typology"].isin(list(FEATURES))]
    if len(other):
        counts[OTHER] = {
            "confirmed": int((other["label"] == 1).sum()),
            "false_positive": int((other["label"] == 0).sum()),
            "changed": 0,
            "inconclusive": int(other["label"].isna().sum()),
            "not_in_manifest": 0,
        }
    return targets, counts
