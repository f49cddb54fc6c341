"""Demo step: the scored store's red and blue lanes become alerts in the one triage queue;
the top alert opens a case; its network and case file are shown."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table


def demo_step(*, console: Console) -> None:
    from opencustoms.cases.access import Actor
    from opencustoms.cases.casefile import case_network, export_case
    from opencustoms.cases.queue import list_alerts
    from opencustoms.cases.risk_alerts import import_risk_lanes
    from opencustoms.cases.service import create_case
    from opencustoms.db import get_engine, migrate
    from opencustoms.settings import get_settings

    console.rule("Cases: alerts of every detector -> triage -> case")
    engine = get_engine()
    migrate(engine)
    actor = Actor(username="demo", role="admin", office="")
    res = import_risk_lanes(engine=engine, actor=actor)
    console.print(
        f"risk lanes -> alerts: {res.input:,} red/blue items, {res.new:,} new alerts, "
        f"{res.merged:,} folded into existing matters (items of one declaration, re-runs)"
    )
    total, top = list_alerts(engine=engine, actor=actor, state="new", sort="score", limit=5)
    table = Table(title=f"Triage queue: {total:,} new alerts (top 5 by score)")
    for col in (
        "alert",
        "detector",
        "typology",
        "subject",
        "score",
        "KRW at stake",
        "office",
        "SLA",
    ):
        table.add_column(col)
    for a in top:
        table.add_row(
            str(a.id), a.source, a.typology, a.subject_id, f"{a.score:.2f}",
            f"{a.amount_krw:,.0f}", a.office or "-", f"{a.hours_left:+.0f} h",
        )  # fmt: skip
    console.print(table)
    if not top:
        return
    case = create_case(engine=engine, actor=actor, alert_ids=[top[0].id])
    net = case_network(engine=engine, actor=actor, case_id=case.id, hops=2)
    out = get_settings().var_dir / "reports" / "cases"
    json_path, html_path = export_case(engine=engine, actor=actor, case_id=case.id, out_dir=out)
    console.print(
        f"case {case.id} opened from alert {top[0].id}: network {len(net.nodes)} nodes, "
        f"{len(net.edges)} edges (2 hops); case file {html_path} and {json_path.name}. "
        "Triage it in the UI at /alerts, /cases, /precision."
    )
