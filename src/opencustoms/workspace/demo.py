"""Demo step of the workspace: one user per role, then (optionally) serve the UI."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select

from opencustoms.db import get_engine, session_scope
from opencustoms.settings import get_settings
from opencustoms.workspace.app import prepare_database
from opencustoms.workspace.models import Role, UserCreate, UserRow
from opencustoms.workspace.users import create_user

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


def demo_step(*, console: Console) -> None:
    settings = get_settings()
    engine = get_engine(settings.resolved_database_url)
    prepare_database(engine, settings.resolved_database_url)
    table = Table(title="Workspace demo users (for the UI at http://127.0.0.1:8000)")
    for column in ("username", "password", "role", "office", "trader id"):
        table.add_column(column)
    for row in demo_users(engine):
        table.add_row(*row)
    console.rule("Officer workspace")
    console.print(table)


def serve_ui(*, console: Console, host: str = "127.0.0.1", port: int = 8000) -> None:
    import uvicorn

    from opencustoms.workspace.app import create_app

    console.print(f"Serving the officer workspace at http://{host}:{port} (Ctrl-C stops)")
    uvicorn.run(create_app(), host=host, port=port, log_level="warning")
