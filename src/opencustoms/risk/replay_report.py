"""HTML sections of the weekly replay report: feedback over a frozen model, drift watch.

>>> from opencustoms.risk.simulate import StrategyResult
>>> r = StrategyResult("model", weeks=[{"week": 1, "start": "2021-01-01", "precision": 0.5,
...     "feedback_gain": 0.1, "alert": "review"}], drift=[{"week": "2021-01-01",
...     "office": "ALL", "rows": 600, "psi_score": 0.3, "inspected": 60, "found": 20,
...     "expected": 40.0, "hit_rate_z": -4.0, "alert": "retrain", "reasons": ["shift"]}])
>>> html_text = replay_sections({"model": r})
>>> "+0.100" in html_text and "retrain" in html_text
True
"""

from __future__ import annotations

import html
import math
from typing import Any

from opencustoms.risk.simulate import StrategyResult


def _fmt(v: Any, spec: str = ".3f") -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "-"
    return format(v, spec) if isinstance(v, int | float) else html.escape(str(v))


def replay_sections(results: dict[str, StrategyResult]) -> str:
    """Two sections: per week, each strategy's precision gain over the frozen model (what
    that week's revealed labels added); the drift watch's alerts of the first strategy
    with drift rows (office-weeks that call for retraining or a rule review)."""
    parts = []
    with_gain = {n: r for n, r in results.items() if any("feedback_gain" in w for w in r.weeks)}
    if with_gain:
        weeks = sorted({w["week"] for r in with_gain.values() for w in r.weeks})
        head = "".join(f"<th>{html.escape(n)}</th>" for n in with_gain)
        rows = []
        for wk in weeks:
            cells = []
            for r in with_gain.values():
                gain = next((w.get("feedback_gain") for w in r.weeks if w["week"] == wk), None)
                cells.append(f"<td>{_fmt(gain, '+.3f')}</td>")
            rows.append(f"<tr><td>{wk}</td>{''.join(cells)}</tr>")
        parts.append(
            "<h2>What each week's feedback adds over a frozen model</h2>"
            "<p>Precision of the strategy minus that of the model trained before the replay "
            "and never retrained, week by week.</p>"
            f"<table><tr><th>week</th>{head}</tr>{''.join(rows)}</table>"
        )
    source = next((r for r in results.values() if r.drift), None)
    if source is not None:
        alerts = [d for d in source.drift if d["alert"] in ("retrain", "review")]
        overall = [d for d in source.drift if d["office"] == "ALL"]
        rows = [
            f"<tr><td>{html.escape(d['week'])}</td><td>{html.escape(d['office'])}</td>"
            f"<td>{_fmt(d['psi_score'])}</td><td>{d['found']}/{d['inspected']}</td>"
            f"<td>{_fmt(d['expected'], '.1f')}</td><td>{_fmt(d['hit_rate_z'], '+.1f')}</td>"
            f"<td>{_fmt(d['alert'])}</td><td>{html.escape('; '.join(d['reasons']))}</td></tr>"
            for d in overall + alerts
        ]
        parts.append(
            f"<h2>Drift watch ({html.escape(source.name)}: {len(alerts)} alerts)</h2>"
            "<p>Per week (ALL) and every office-week with an alert: PSI of the score against "
            "the training window, frauds found / inspected against the model's expectation "
            "(z), alert and reason.</p><table><tr><th>week</th><th>office</th><th>PSI score"
            "</th><th>found</th><th>expected</th><th>z</th><th>alert</th><th>reasons</th>"
            f"</tr>{''.join(rows)}</table>"
        )
    return "".join(parts)
