"""A case's network and its case file for referral (HTML report + JSON of the evidence).

The JSON holds everything the referral needs to be checked independently: the case, every
alert with its explanation, every evidence id, notes, attachments with their SHA-256, the
labels, the audited history (with the hash-chain entries' sequence numbers) and the network
drawn for the case. The HTML report is the same content for people; it is self-contained
(no scripts, no external resources) so it can be mailed or printed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from opencustoms.cases.access import ActorLike
from opencustoms.cases.history import CASE, history, record
from opencustoms.cases.network import Network, build_network, seeds_from_evidence
from opencustoms.cases.service import CaseDetail, get_case


def case_network(
    *,
    engine: Engine,
    actor: ActorLike,
    case_id: int,
    hops: int = 1,
    max_nodes: int | None = None,
    expand: str | None = None,
) -> Network:
    """The network around a case's subjects and evidence; ``expand`` grows one node only
    (the browser's progressive expansion), after checking the actor may see the case."""
    case = get_case(engine=engine, actor=actor, case_id=case_id)
    marked = [case.subject_id, *(a.subject_id for a in case.alerts)]
    marked += [i for ids in case.evidence.values() for i in ids]
    if expand is not None:
        seeds = {expand: "entity"}
    else:
        # Subjects first (the node cap must not crowd them out), then the evidence.
        # "entity" subjects (a company or a person) stay untyped: any edge end fits.
        seeds = {a.subject_id: a.subject_type for a in case.alerts}
        for node, typ in seeds_from_evidence(engine=engine, evidence=case.evidence).items():
            seeds.setdefault(node, typ)
    return build_network(
        engine=engine, seeds=list(seeds), seed_types=seeds, hops=hops, max_nodes=max_nodes,
        evidence=marked,
    )  # fmt: skip


def _labels(engine: Engine, case_id: int) -> list[dict[str, Any]]:
    from sqlalchemy import select

    from opencustoms.cases.models import LabelRow
    from opencustoms.db import session_scope

    with session_scope(engine) as s:
        rows = s.scalars(select(LabelRow).where(LabelRow.case_id == case_id)).all()
        return [
            {
                "alert_id": r.alert_id,
                "source": r.source,
                "typology": r.typology,
                "outcome": r.outcome,
                "label": r.label,
                "decided_by": r.decided_by,
                "decided_at": r.decided_at,
            }
            for r in rows
        ]


def case_file(*, engine: Engine, actor: ActorLike, case_id: int, hops: int = 1) -> dict[str, Any]:
    """The case file as one JSON-ready dictionary."""
    case = get_case(engine=engine, actor=actor, case_id=case_id)
    network = case_network(engine=engine, actor=actor, case_id=case_id, hops=hops)
    return {
        "format": "opencustoms-case-file/1",
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "generated_by": actor.username,
        "case": case.model_dump(mode="json"),
        "labels": json.loads(json.dumps(_labels(engine, case_id), default=str)),
        "history": history(engine=engine, object_type=CASE, object_id=case_id),
        "network": network.model_dump(mode="json"),
    }


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(data: dict[str, Any]) -> str:
    """The case file for people: headings, tables, nothing executable."""
    c = CaseDetail.model_validate(data["case"])
    esc = html.escape
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Case {c.id}: {esc(c.title)}</title>",
        "<style>body{font:14px sans-serif;margin:2em}table{border-collapse:collapse;"
        "margin:.5em 0}td,th{border:1px solid #999;padding:2px 6px;text-align:left}</style>",
        f"</head><body><h1>Case {c.id}: {esc(c.title)}</h1>",
        _table(
            ["subject", "office", "assignee", "status", "referral", "outcome", "recovered KRW"],
            [
                [
                    f"{c.subject_type} {c.subject_id}",
                    c.office or "-",
                    c.assignee or "-",
                    c.status,
                    c.referral or "-",
                    c.outcome or "-",
                    f"{c.amount_recovered_krw:,.0f}",
                ]
            ],
        ),
        f"<p>Generated {esc(data['generated_at'])} by {esc(data['generated_by'])}.</p>",
        "<h2>Alerts</h2>",
        _table(
            ["id", "source", "typology", "score", "KRW at stake", "period", "explanation"],
            [
                [
                    a.id,
                    a.source,
                    a.typology,
                    f"{a.score:.2f}",
                    f"{a.amount_krw:,.0f}",
                    f"{a.period_start}..{a.period_end}",
                    a.explanation,
                ]
                for a in c.alerts
            ],
        ),
        "<h2>Evidence</h2>",
    ]
    for kind, ids in c.evidence.items():
        shown = ", ".join(ids[:200]) + (
            f" ... ({len(ids) - 200} more in the JSON)" * (len(ids) > 200)
        )
        parts.append(f"<h3>{esc(kind)} ({len(ids)})</h3><p>{esc(shown)}</p>")
    parts.append("<h2>Notes</h2>")
    parts.append(
        _table(["when", "author", "note"], [[n.created_at, n.author, n.body] for n in c.notes])
    )
    parts.append("<h2>Attachments</h2>")
    parts.append(
        _table(
            ["file", "type", "bytes", "SHA-256"],
            [[f.filename, f.media_type, f.size, f.sha256] for f in c.attachments],
        )
    )
    net = data["network"]
    parts.append(f"<h2>Network ({len(net['nodes'])} nodes, {len(net['edges'])} edges)</h2>")
    parts.append(
        _table(
            ["from", "relation", "to", "count", "amount"],
            [
                [
                    e["source"],
                    e["relation"],
                    e["target"],
                    e["count"],
                    "" if e["amount"] is None else f"{e['amount']:,.0f} {e['currency'] or ''}",
                ]
                for e in net["edges"][:300]
            ],
        )
    )
    parts.append("<h2>History (audit trail)</h2>")
    parts.append(
        _table(
            ["audit #", "when", "who", "role", "action"],
            [[h["seq"], h["ts"], h["actor"], h["role"], h["action"]] for h in data["history"]],
        )
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def export_case(
    *, engine: Engine, actor: ActorLike, case_id: int, out_dir: Path, hops: int = 1
) -> tuple[Path, Path]:
    """Write ``case-<id>.json`` and ``case-<id>.html`` into ``out_dir``; audited."""
    data = case_file(engine=engine, actor=actor, case_id=case_id, hops=hops)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / f"case-{case_id}.json"
    html_path = out_dir / f"case-{case_id}.html"
    json_path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), "utf-8")
    html_path.write_text(render_html(data), "utf-8")
    record(
        engine=engine,
        actor=actor,
        action="case_exported",
        object_type=CASE,
        object_id=case_id,
        office=data["case"]["office"],
        detail={"files": [json_path.name, html_path.name]},
    )
    return json_path, html_path
