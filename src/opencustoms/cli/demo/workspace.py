"""Demo step of the workspace: one user per role, then (optionally) serve the UI."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select

from opencustoms.db import get_engine, session_scope
from opencustoms.settings import get_settings
from opencustoms.workspace.models import Role, UserCreate, UserRow
from opencustoms.workspace.users import create_user, prepare_database

# Demo accounts only: the passwords are printed at start and meant to be typed in a browser.
DEMO_PASSWORD_SUFFIX = "-demo-2026"


def _busiest(engine: Engine, column: str, default: str) -> str:
    """The value of a declarations column with the most rows (the office or importer that
    gives the fullest demo), or ``default`` when the store is empty or absent."""
    from sqlalchemy import inspect

    from opencustoms.declarations.models import declarations as table

    if "declarations" not in inspect(engine).get_table_names():
        return default
    col = table.c[column]
    with session_scope(engine) as s:
        row = s.execute(
            select(col, func.count())
            .where(col.is_not(None))
            .group_by(col)
            .order_by(func.count().desc())
            .limit(1)
        ).first()
    return str(row[0]) if row else default


def demo_users(engine: Engine) -> list[tuple[str, str, str, str, str]]:
    """Create (or keep) one demo user per role; returns (username, password, role, office,
    trader id) rows."""
    office = _busiest(engine, "office_id", "40")
    importer = _busiest(engine, "importer_id", "PCW8KX7")
    other = "20" if office != "20" else "30"
    plan = [
        ("officer", Role.OFFICER, office, None),
        ("supervisor", Role.SUPERVISOR, office, None),
        ("officer2", Role.OFFICER, other, None),
        ("analyst", Role.ANALYST, "10", None),
        ("admin", Role.ADMIN, "10", None),
        ("trader", Role.TRADER, office, importer),
    ]
    rows = []
    with session_scope(engine) as s:
        existing = set(s.execute(select(UserRow.username)).scalars())
    for name, role, code, trader_id in plan:
        password = f"{name}{DEMO_PASSWORD_SUFFIX}"
        if name not in existing:
            create_user(
                engine=engine,
                data=UserCreate(
                    username=name, password=password, role=role, office=code, trader_id=trader_id
                ),
            )
        rows.append((name, password, role.value, code, trader_id or ""))
    return rows


REPLAY_WEEKS = 6
REPLAY_OFFICER = "demo-replay"


def replay_inspections(engine: Engine, *, weeks: int = REPLAY_WEEKS) -> int:
    """Record results for the red and yellow items of the first ``weeks`` weeks of the
    scored store from the data set's own labels, as if officers had inspected them, so
    the dashboards have history. KCS has no revenue label: the additional duty recorded
    for a fraud is the duty at stake (price x tax rate), the same proxy the risk engine
    uses. Does nothing when results exist already."""
    import datetime as dt

    from sqlalchemy import inspect

    from opencustoms.declarations.models import declarations as d
    from opencustoms.risk.feedback import record_inspection
    from opencustoms.risk.models import risk_assessments as ra
    from opencustoms.risk.models import risk_inspections as ri

    if not {"risk_assessments", "risk_inspections"} <= set(inspect(engine).get_table_names()):
        return 0
    with engine.connect() as conn:
        if conn.execute(select(func.count()).select_from(ri)).scalar_one():
            return 0
        first = conn.execute(select(func.min(ra.c.declaration_date))).scalar_one()
        if first is None:
            return 0
        until = first + dt.timedelta(weeks=weeks)
        rows = conn.execute(
            select(
                ra.c.declaration_id,
                ra.c.item_no,
                d.c.fraud,
                d.c.critical_fraud,
                d.c.item_price_krw,
                d.c.tax_rate,
            )
            .join(d, (d.c.declaration_id == ra.c.declaration_id) & (d.c.item_no == ra.c.item_no))
            .where(
                ra.c.lane.in_(("red", "yellow")),
                ra.c.declaration_date < until,
                d.c.fraud.is_not(None),
            )
            .distinct()
        ).all()
    for r in rows:
        fraud = bool(r.fraud)
        duty = (r.item_price_krw or 0.0) * (r.tax_rate or 0.0) / 100.0 if fraud else 0.0
        record_inspection(
            engine=engine,
            declaration_id=r.declaration_id,
            item_no=r.item_no,
            fraud=fraud,
            critical=fraud and r.critical_fraud == 2,
            additional_duty=round(duty),
            user=REPLAY_OFFICER,
            note="demo: result taken from the data set's label",
        )
    return len(rows)


def demo_step(*, console: Console) -> None:
    settings = get_settings()
    engine = get_engine(settings.resolved_database_url)
    prepare_database(engine, offices_file=settings.offices_file)
    replayed = replay_inspections(engine)
    if replayed:
        console.print(
            f"Recorded {replayed} inspection results (red/yellow items of the first "
            f"{REPLAY_WEEKS} weeks) from the data set's labels as officer "
            f"'{REPLAY_OFFICER}', so the dashboards have history; additional duty "
            "= duty at stake (a proxy: KCS has no revenue label)."
        )
    table = Table(title="Workspace demo users (for the UI at http://127.0.0.1:8000)")
    for column in ("username", "password", "role", "office", "trader id"):
        table.add_column(column)
    for row in demo_users(engine):
        table.add_row(*row)
    console.rule("Officer workspace")
    console.print(table)


def serve_ui(*, console: Console, host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    from opencustoms.cli.workspace import APP_FACTORY

    console.print(f"Serving the officer workspace at http://{host}:{port} (Ctrl-C stops)")
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, log_level="warning")
