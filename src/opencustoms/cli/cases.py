"""`opencustoms cases` commands: alert intake, the triage queue, cases and their decisions.

Machine-readable output (``--json``): the last stdout line is JSON. Domain errors exit 2
with one line ``error: <field>: <reason>`` (``cli.common``). ``--user NAME`` acts as that
workspace user (their role and office apply); without it the command acts as the local
operator ``cli`` with the admin role, as anyone with shell access to the database could.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from opencustoms.cli.common import fail, new_app, progress_bar

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from opencustoms.cases.access import ActorLike

app = new_app(help="Alerts from every detector, triage, investigation cases, network, decisions.")

JSON = typer.Option(False, "--json", help="Print the result as JSON (last line).")
USER = typer.Option(None, "--user", help="Act as this workspace user (role and office apply).")


def _engine() -> Engine:
    from opencustoms.db import get_engine, migrate

    engine = get_engine()
    migrate(engine)
    return engine


def _actor(engine: Engine, username: str | None) -> ActorLike:
    from sqlalchemy import select

    from opencustoms.cases.access import Actor
    from opencustoms.db import session_scope
    from opencustoms.workspace.models import UserRow

    if username is None:
        return Actor(username="cli", role="admin", office="")
    with session_scope(engine) as s:
        row = s.scalars(select(UserRow).where(UserRow.username == username)).first()
        if row is None:
            fail(f"user: no workspace user {username!r}")
        return Actor(username=row.username, role=row.role, office=row.office)


def _emit(data: Any, as_json: bool, text: str) -> None:
    if not as_json:
        typer.echo(text)
    else:
        typer.echo(json.dumps(data, ensure_ascii=False, default=str))


@app.command("import-alerts")
def import_alerts_cmd(
    file: Path = typer.Argument(..., help="Alert file (CSV or Parquet, the alert format)."),
    source: str = typer.Option(..., "--source", help="Detector name, e.g. tradecrime."),
    office: str = typer.Option(None, "--office", help="Assign every alert to this office."),
    as_json: bool = JSON,
    user: str = USER,
) -> None:
    """Load a detector's alert file into the triage queue, deduplicating."""
    from opencustoms.alertfile import read_alerts
    from opencustoms.cases.alerts import import_alerts, incoming_from_frame

    engine = _engine()
    actor = _actor(engine, user)
    frame = read_alerts(path=file)
    alerts = incoming_from_frame(frame=frame)
    with progress_bar("importing alerts", enabled=not as_json) as progress:
        res = import_alerts(
            engine=engine, alerts=alerts, source=source, office=office, actor=actor,
            progress=progress,
        )  # fmt: skip
    _emit(
        res.model_dump(),
        as_json,
        f"{res.input} alerts read: {res.new} new, {res.merged} folded into existing matters",
    )


@app.command("from-risk")
def from_risk(
    office: str = typer.Option(None, help="Only this office's items."),
    date_from: str = typer.Option(None, "--from", help="Declarations from this date."),
    date_to: str = typer.Option(None, "--to", help="Declarations up to this date."),
    as_json: bool = JSON,
    user: str = USER,
) -> None:
    """Raise alerts for items in the red and blue risk lanes (policy) and import them."""
    from opencustoms.cases.risk_alerts import import_risk_lanes

    engine = _engine()
    dates = []
    for name, value in (("from", date_from), ("to", date_to)):
        try:
            dates.append(dt.date.fromisoformat(value) if value else None)
        except ValueError:
            fail(f"{name}: {value!r} is not an ISO date")
    res = import_risk_lanes(
        engine=engine,
        actor=_actor(engine, user),
        office=office,
        date_from=dates[0],
        date_to=dates[1],
    )
    _emit(res.model_dump(), as_json, f"{res.input} lane alerts: {res.new} new, {res.merged} folded")


@app.command("from-watchlist")
def from_watchlist(
    ingest: int = typer.Option(None, "--ingest", help="Only this ingest run's declarations."),
    as_json: bool = JSON,
    user: str = USER,
) -> None:
    """Raise alerts for stored declarations naming a watched party (web and command-line
    ingests raise them as they store; run this for declarations stored before a watch was
    added, or stored by other means). Raising twice adds nothing."""
    from opencustoms.cases.watch import raise_watch_alerts

    engine = _engine()
    res = raise_watch_alerts(engine=engine, ingest_id=ingest, actor=_actor(engine, user))
    _emit(
        res.model_dump(), as_json, f"{res.input} watch alerts: {res.new} new, {res.merged} folded"
    )


@app.command("list")
def list_cmd(
    typology: str = typer.Option(None),
    office: str = typer.Option(None),
    state: str = typer.Option(None, help="new, triage, case or dismissed"),
    source: str = typer.Option(None),
    sla: str = typer.Option(None, help="open or breached"),
    sort: str = typer.Option("score", help="score, amount, due or created"),
    limit: int = typer.Option(50, min=1, max=1000),
    as_json: bool = JSON,
    user: str = USER,
) -> None:
    """The triage queue."""
    from rich.console import Console
    from rich.table import Table

    from opencustoms.cases.queue import list_alerts

    engine = _engine()
    total, rows = list_alerts(
        engine=engine,
        actor=_actor(engine, user),
        typology=typology,
        office=office,
        state=state,
        source=source,
        sla=sla,
        sort=sort,
        limit=limit,
    )
    if as_json:
        typer.echo(json.dumps({"total": total, "items": [r.model_dump(mode="json") for r in rows]}))
        return
    table = Table(title=f"{total} alerts")
    for col in ("id", "source", "typology", "subject", "score", "KRW", "office", "state", "SLA"):
        table.add_column(col)
    for r in rows:
        sla_text = r.sla if r.hours_left is None else f"{r.sla} ({r.hours_left:+.0f} h)"
        table.add_row(
            str(r.id), r.source, r.typology, r.subject_id, f"{r.score:.2f}",
            f"{r.amount_krw:,.0f}", r.office or "-", r.state, sla_text,
        )  # fmt: skip
    Console().print(table)


@app.command("triage")
def triage_cmd(alert_id: int, as_json: bool = JSON, user: str = USER) -> None:
    """Take an alert up for triage."""
    from opencustoms.cases.queue import triage

    engine = _engine()
    res = triage(engine=engine, actor=_actor(engine, user), alert_id=alert_id)
    _emit(res.model_dump(mode="json"), as_json, f"alert {alert_id}: {res.state}")


@app.command("dismiss")
def dismiss_cmd(
    alert_id: int,
    reason: str = typer.Option(..., help="Why no case is opened."),
    as_json: bool = JSON,
    user: str = USER,
) -> None:
    """Dismiss an alert without a case."""
    from opencustoms.cases.queue import dismiss

    engine = _engine()
    res = dismiss(engine=engine, actor=_actor(engine, user), alert_id=alert_id, reason=reason)
    _emit(res.model_dump(mode="json"), as_json, f"alert {alert_id}: {res.state}")


@app.command("open")
def open_cmd(
    alert: list[int] = typer.Option(..., "--alert", help="Alert id; repeatable."),
    title: str = typer.Option(None),
    assignee: str = typer.Option(None),
    as_json: bool = JSON,
    user: str = USER,
) -> None:
    """Open a case from one or several alerts."""
    from opencustoms.cases.service import create_case

    engine = _engine()
    res = create_case(
        engine=engine,
        actor=_actor(engine, user),
        alert_ids=alert,
        title=title,
        assignee=assignee,
    )
    _emit(res.model_dump(mode="json"), as_json, f"case {res.id} opened: {res.title}")


@app.command("show")
def show(case_id: int, as_json: bool = JSON, user: str = USER) -> None:
    """A case with its alerts, evidence counts, notes and attachments."""
    from opencustoms.cases.service import get_case

    engine = _engine()
    c = get_case(engine=engine, actor=_actor(engine, user), case_id=case_id)
    if as_json:
        typer.echo(c.model_dump_json())
        return
    typer.echo(f"case {c.id}: {c.title} [{c.status}] office {c.office} assignee {c.assignee}")
    typer.echo(f"outcome {c.outcome or '-'}, recovered {c.amount_recovered_krw:,.0f} KRW")
    for a in c.alerts:
        typer.echo(f"  alert {a.id} {a.source}/{a.typology} score {a.score:.2f}: {a.explanation}")
    for kind, ids in c.evidence.items():
        typer.echo(f"  {kind}: {len(ids)}")
    for n in c.notes:
        typer.echo(f"  note by {n.author}: {n.body}")


@app.command("decide")
def decide_cmd(
    case_id: int,
    status: str = typer.Option("closed", help="referred or closed"),
    outcome: str = typer.Option(..., help="confirmed, false_positive or inconclusive"),
    amount: float = typer.Option(0.0, "--amount", help="KRW recovered."),
    referral: str = typer.Option(None, help="prosecution or tax_audit (referred cases)"),
    as_json: bool = JSON,
    user: str = USER,
) -> None:
    """Refer or close a case with its outcome; labels for the detectors follow."""
    from opencustoms.cases.service import decide

    engine = _engine()
    res = decide(
        engine=engine,
        actor=_actor(engine, user),
        case_id=case_id,
        status=status,
        outcome=outcome,
        amount_recovered_krw=amount,
        referral=referral,
    )
    _emit(res.model_dump(mode="json"), as_json, f"case {case_id}: {res.status}, {res.outcome}")


@app.command("note")
def note_cmd(case_id: int, text: str = typer.Option(...), user: str = USER) -> None:
    """Add a note to a case."""
    from opencustoms.cases.service import add_note

    engine = _engine()
    add_note(engine=engine, actor=_actor(engine, user), case_id=case_id, body=text)
    typer.echo(f"case {case_id}: note added")


@app.command("attach")
def attach_cmd(case_id: int, file: Path, user: str = USER) -> None:
    """Attach a file (type checked by content, size limited by the policy)."""
    from opencustoms.cases.attachments import add_attachment

    if not file.is_file():
        fail(f"file: {file}: no such file")
    engine = _engine()
    res = add_attachment(
        engine=engine,
        actor=_actor(engine, user),
        case_id=case_id,
        filename=file.name,
        content=file.read_bytes(),
    )
    typer.echo(f"case {case_id}: {res.filename} ({res.media_type}, {res.size} bytes) attached")


@app.command("export")
def export_cmd(
    case_id: int,
    out: Path = typer.Option(..., "--out", help="Directory for case-<id>.html/.json."),
    hops: int = typer.Option(1, min=0, max=3),
    user: str = USER,
) -> None:
    """Write the case file for referral: HTML report and JSON of the evidence."""
    from opencustoms.cases.casefile import export_case

    engine = _engine()
    paths = export_case(
        engine=engine,
        actor=_actor(engine, user),
        case_id=case_id,
        out_dir=out,
        hops=hops,
    )
    typer.echo(json.dumps({"json": str(paths[0]), "html": str(paths[1])}))


@app.command("precision")
def precision_cmd(
    source: str = typer.Option(None), office: str = typer.Option(None), user: str = USER
) -> None:
    """Each detector's precision per office and month of decision (JSON lines)."""
    from opencustoms.cases.feedback import precision

    engine = _engine()
    rows = precision(engine=engine, actor=_actor(engine, user), source=source, office=office)
    for r in rows:
        typer.echo(r.model_dump_json())


@app.command("labels")
def labels_cmd(
    out: Path = typer.Option(..., "--out", help="CSV or Parquet file to write."),
    source: str = typer.Option(None, help="Only this detector's labels."),
) -> None:
    """Export decided cases' labels (who, when, outcome) for retraining and thresholds."""
    from opencustoms.cases.feedback import labels_frame

    frame = labels_frame(engine=_engine(), source=source)
    if out.suffix.lower() in (".parquet", ".pq"):
        frame.to_parquet(out, index=False)
    elif out.suffix.lower() == ".csv":
        frame.to_csv(out, index=False)
    else:
        fail(f"out: {out.name}: expected a .csv or .parquet file")
    typer.echo(json.dumps({"labels": len(frame), "out": str(out)}))


@app.command("verify")
def verify_cmd() -> None:
    """Check the audit chain and every case against its audited history."""
    from opencustoms.cases.history import verify_cases

    res = verify_cases(engine=_engine())
    for problem in res.problems:
        typer.echo(f"problem: {problem}", err=True)
    typer.echo(json.dumps({"ok": res.ok, "cases": res.cases, "audit_entries": res.audit_entries}))
    if not res.ok:
        raise typer.Exit(1)
