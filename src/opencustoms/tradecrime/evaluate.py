"""Score alerts against a generated world's ground truth (``labels.csv``) and innocent
look-alikes (``hard_negatives.csv``); only evaluation and calibration read these files.

Per typology: labelled subjects, alerts, true alerts, precision (among that typology's
alerts), recall, precision at N (N = labelled subjects, alerts ranked by score) and the
hard negatives flagged.

>>> alerts = pd.DataFrame({"typology": ["hwanchigi"] * 2, "subject_id": ["C1", "C2"],
...                        "score": [0.9, 0.6]})
>>> labels = pd.DataFrame({"subject_id": ["C1", "C3"], "typology": ["hwanchigi"] * 2})
>>> negatives = pd.DataFrame({"subject_id": ["C2"], "typology": ["hwanchigi"], "kind": ["x"]})
>>> r = evaluate(alerts, labels, negatives, typologies=("hwanchigi",))
>>> r.loc[0, ["precision", "recall", "p_at_n", "hard_negatives_flagged"]].tolist()
[0.5, 0.5, 0.5, 1.0]
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def load_truth(folder: str | Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    folder = Path(folder)
    labels = pd.read_csv(folder / "labels.csv", dtype=str)
    neg_path = folder / "hard_negatives.csv"
    negatives = (
        pd.read_csv(neg_path, dtype=str)
        if neg_path.is_file()
        else pd.DataFrame(columns=["subject_id", "typology", "kind"])
    )
    return labels, negatives


def evaluate(
    alerts: pd.DataFrame,
    labels: pd.DataFrame,
    negatives: pd.DataFrame,
    *,
    typologies: tuple[str, ...],
) -> pd.DataFrame:
    rows = []
    for t in typologies:
        truth = set(labels.loc[labels["typology"] == t, "subject_id"].astype(str))
        mine = alerts[alerts["typology"] == t].sort_values("score", ascending=False)
        flagged = mine["subject_id"].astype(str).tolist()
        hit = [s in truth for s in flagged]
        top = hit[: len(truth)]
        neg = set(negatives.loc[negatives["typology"] == t, "subject_id"].astype(str))
        rows.append(
            {
                "typology": t,
                "labelled": len(truth),
                "alerts": len(flagged),
                "true_alerts": int(sum(hit)),
                "precision": round(sum(hit) / len(flagged), 3) if flagged else float("nan"),
                "recall": round(len(truth & set(flagged)) / len(truth), 3)
                if truth
                else float("nan"),
                "p_at_n": round(sum(top) / len(truth), 3) if truth else float("nan"),
                "hard_negatives": len(neg),
                "hard_negatives_flagged": len(neg & set(flagged)),
            }
        )
    return pd.DataFrame(rows)
