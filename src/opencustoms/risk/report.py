"""The HTML report of an evaluation and a replay (plotly, JavaScript embedded: works
offline). The console tables are drawn by the command line (``cli/tables.py``)."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path
from typing import Any

from opencustoms.risk.replay_report import replay_sections
from opencustoms.risk.simulate import StrategyResult


def _weekly_figure(results: dict[str, StrategyResult], metric: str, title: str) -> Any:
    import plotly.graph_objects as go

    fig = go.Figure()
    for name, res in results.items():
        fig.add_trace(
            go.Scatter(
                x=[w["start"] for w in res.weeks],
                y=[w[metric] for w in res.weeks],
                mode="lines+markers",
                name=name,
            )
        )
    fig.update_layout(
        title=title,
        xaxis_title="week starting",
        yaxis_title=metric,
        yaxis_range=[0, 1.02],
        height=420,
        template="plotly_white",
    )
    return fig


def write_report(
    out: Path,
    *,
    evaluation: dict[str, Any],
    results: dict[str, StrategyResult],
    model_meta: dict[str, Any],
    budget: float,
) -> Path:
    """One self-contained HTML file: evaluation table and weekly plots per strategy."""
    figs = [
        _weekly_figure(results, "precision", "Precision per week (frauds found / inspected)"),
        _weekly_figure(results, "revenue", "Revenue caught per week (share of recoverable)"),
        _weekly_figure(results, "recall", "Recall per week (frauds found / frauds)"),
    ]
    # Embed plotly.js once (inline, no CDN), then reuse it for the other figures.
    parts = [f.to_html(full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figs)]
    ev = evaluation["fraud"]
    crit = evaluation["critical"]
    rows = "".join(
        f"<tr><td>{k}%</td><td>{ev[f'precision@{k}']:.3f}</td><td>{ev[f'recall@{k}']:.3f}</td>"
        f"<td>{ev[f'revenue@{k}']:.3f}</td><td>{crit[f'precision@{k}']:.3f}</td></tr>"
        for k in (1, 2, 5, 10)
    )
    sims = "".join(
        f"<tr><td>{html.escape(n)}</td><td>{s['weeks']}</td><td>{s['precision']:.3f}</td>"
        f"<td>{s['recall']:.3f}</td><td>{s['revenue']:.3f}</td></tr>"
        for n, s in ((n, r.summary()) for n, r in results.items())
    )
    window = model_meta.get("training_window", {})
    body = f"""<!doctype html><html><head><meta charset="utf-8">
<title>OpenCustoms risk report</title>
<style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 8px;text-align:right}}
</style></head><body>
<h1>Import risk engine: evaluation and weekly replay</h1>
<p>Generated {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC. Model {
        html.escape(str(model_meta.get("version")))
    } trained on {window.get("start")} to {window.get("end")}
({model_meta.get("rows")} rows). Evaluated on {evaluation["rows"]} later rows:
AUC {ev["auc"]:.3f} (fraud), {crit["auc"]:.3f} (critical).</p>
<table><tr><th>top k</th><th>fraud precision</th><th>fraud recall</th><th>revenue caught</th>
<th>critical precision</th></tr>{rows}</table>
<p>Revenue is a proxy: duty at stake = item price x tax rate (the KCS data has no
revenue label).</p>
<h2>Weekly replay (budget {budget:.0%} of each week, labels only for inspected items,
retrained every week)</h2>
<table><tr><th>strategy</th><th>weeks</th><th>precision</th><th>recall</th><th>revenue</th>
</tr>{sims}</table>
{"".join(parts)}
{replay_sections(results)}
</body></html>"""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body)
    return out
