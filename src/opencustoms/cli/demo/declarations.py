"""Demo step: store the bundled KCS declarations and print what is in the store."""

from __future__ import annotations

from rich.console import Console

KCS_FILES = ("df_syn_train_eng.csv", "df_syn_valid_eng.csv")


def demo_step(*, console: Console) -> None:
    """Migrate the default database, ingest both KCS files (a rerun stores nothing new)
    and print the store summary."""
    from opencustoms.cli.common import progress_bar
    from opencustoms.cli.tables import print_summary
    from opencustoms.db import get_engine, migrate
    from opencustoms.declarations.queries import summary
    from opencustoms.declarations.service import ingest_file
    from opencustoms.settings import BUNDLED_DATA_DIR, get_settings

    console.rule("Declarations: ingest the bundled KCS data")
    engine = get_engine()
    migrate(engine)
    console.print(f"database: {get_settings().resolved_database_url}")
    for name in KCS_FILES:
        with progress_bar("ingest", enabled=console.is_terminal) as bar:
            result = ingest_file(
                path=BUNDLED_DATA_DIR / "kcs" / name, profile="kcs", engine=engine, progress=bar
            )
        console.print(
            f"{name}: input {result.input:,} = stored {result.stored:,} + "
            f"quarantined {result.quarantined:,} + duplicates {result.duplicates:,}",
            soft_wrap=True,
        )
    print_summary(summary(engine=engine), console=console)
