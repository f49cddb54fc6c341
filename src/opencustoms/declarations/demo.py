"""Demo step: store the bundled KCS declarations and print what is in the store."""

from __future__ import annotations

from functools import lru_cache

import yaml
from rich.columns import Columns
from rich.console import Console
from rich.table import Table

from opencustoms.declarations.models import StoreSummary
from opencustoms.settings import PACKAGE_DATA_DIR

KCS_FILES = ("df_syn_train_eng.csv", "df_syn_valid_eng.csv")


@lru_cache(maxsize=1)
def office_names() -> dict[str, str]:
    """Office code -> name, from the package's office register."""
    data = yaml.safe_load((PACKAGE_DATA_DIR / "offices.yaml").read_text())
    return {str(o["code"]): str(o["name"]) for o in data.get("offices", [])}


def print_summary(result: StoreSummary, *, console: Console, top: int = 10) -> None:
    console.print(
        f"[bold]Declaration store[/]: {result.total:,} items stored, "
        f"{result.quarantined:,} rows in quarantine"
    )
    offices = Table("office", "", "items", "share", title=f"Items by customs office (top {top})")
    names = office_names()
    for c in result.by_office[:top]:
        share = f"{c.rows / max(result.total, 1):.1%}"
        offices.add_row(c.key, names.get(c.key, "-"), f"{c.rows:,}", share)
    chapters = Table("HS chapter", "items", "share", title=f"Items by HS chapter (top {top})")
    for c in result.by_chapter[:top]:
        chapters.add_row(c.key, f"{c.rows:,}", f"{c.rows / max(result.total, 1):.1%}")
    months = Table("month", "items", "fraud rate", title="Fraud rate by month")
    for m in result.fraud_by_month:
        rate = "-" if m.fraud_rate is None else f"{m.fraud_rate:.1%}"
        months.add_row(m.month, f"{m.rows:,}", rate)
    console.print(Columns([offices, chapters]), months)


def demo_step(*, console: Console) -> None:
    """Migrate the default database, ingest both KCS files (a rerun stores nothing new)
    and print the store summary."""
    from opencustoms.db import get_engine, migrate
    from opencustoms.declarations.service import ingest_file, summary
    from opencustoms.settings import BUNDLED_DATA_DIR, get_settings

    console.rule("Declarations: ingest the bundled KCS data")
    engine = get_engine()
    migrate(engine)
    console.print(f"database: {get_settings().resolved_database_url}")
    for name in KCS_FILES:
        result = ingest_file(
            path=BUNDLED_DATA_DIR / "kcs" / name,
            profile="kcs",
            engine=engine,
            progress=console.is_terminal,
        )
        console.print(
            f"{name}: input {result.input:,} = stored {result.stored:,} + "
            f"quarantined {result.quarantined:,} + duplicates {result.duplicates:,}",
            soft_wrap=True,
        )
    print_summary(summary(engine=engine), console=console)
