"""`opencustoms tariff` commands."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from opencustoms.cli.common import fail, new_app
from opencustoms.cli.scale_options import ENGINE, SCHEDULER, run_partitioned, single_file

app = new_app(
    help="Tariff and tax engine: dated rates, duty and tax calculation, US tariff exposure.",
)


def _read_table(path: Path) -> object:
    import pandas as pd

    if not path.is_file():
        fail(f"file: {path} does not exist")
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pd.read_parquet(path)
    if suffix in (".jsonl", ".ndjson"):
        return pd.read_json(path, lines=True, dtype=False)
    if suffix == ".csv":
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    fail(f"file: {path} has unsupported type {suffix!r} (expected .csv, .parquet, .jsonl)")
    return None


@app.command("calc")
def calc(
    hs: str = typer.Option(..., "--hs", help="HS code (6-10 digits)."),
    origin: str = typer.Option(..., "--origin", help="Country of origin (ISO alpha-2)."),
    value: float = typer.Option(..., "--value", help="Customs value (CIF)."),
    currency: str = typer.Option(..., "--currency", help="ISO 4217 currency of the value."),
    date: str = typer.Option(..., "--date", help="Date of the declaration, YYYY-MM-DD."),
    quantity: float | None = typer.Option(None, "--quantity", help="Items, or litres."),
    fta: str | None = typer.Option(None, "--fta", help="FTA claimed (e.g. KORUS, KCFTA)."),
    proof_of_origin: bool = typer.Option(False, "--proof-of-origin", help="Origin proven."),
    supplier: str | None = typer.Option(None, "--supplier", help="Supplier (trade remedies)."),
    personal_use: bool = typer.Option(False, "--personal-use", help="Personal import."),
    list_clearance: bool = typer.Option(False, "--list-clearance", help="List clearance."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last line)."),
) -> None:
    """Itemised duty and taxes of one declaration line, with the legal basis of each."""
    from opencustoms.tariff.service import TariffInputError, calculate

    try:
        result = calculate(
            hs_code=hs,
            origin=origin,
            value=value,
            currency=currency,
            date=date,
            quantity=quantity,
            fta=fta,
            proof_of_origin=proof_of_origin,
            supplier=supplier,
            personal_use=personal_use,
            list_clearance=list_clearance,
        )
    except TariffInputError as exc:
        fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps(result.model_dump(mode="json"), ensure_ascii=False))
        return
    from rich.console import Console

    from opencustoms.cli.tables import computation_table

    Console().print(computation_table(result))


@app.command("calc-file")
def calc_file(
    file: Path = typer.Argument(
        ...,
        help="CSV/Parquet/JSONL with hs_code, origin, value, "
        "currency, date [, quantity, fta, proof_of_origin, supplier, "
        "personal_use, list_clearance].",
    ),
    out: Path = typer.Option(
        ..., "--out", help="Output file (.csv or .parquet); a directory for a dataset."
    ),
    engine: str = ENGINE,
    scheduler: str | None = SCHEDULER,
) -> None:
    """Compute duty and taxes for every line of a file (vectorised). A partitioned Parquet
    directory is computed partition by partition (one output file each, resumable)."""
    if not single_file(file, engine, scheduler):
        from opencustoms.scale.tariff import calc_dataset

        run_partitioned(calc_dataset, data=file, out=out, engine=engine, scheduler=scheduler)
        return
    import pandas as pd

    from opencustoms.tariff.service import batch

    frame = _read_table(file)
    assert isinstance(frame, pd.DataFrame)
    try:
        result = batch(frame)
    except ValueError as exc:
        fail(str(exc))
        return
    merged = pd.concat(
        [
            frame.reset_index(drop=True),
            result.drop(columns=["origin", "currency"]).reset_index(drop=True),
        ],
        axis=1,
    )
    if out.suffix.lower() == ".parquet":
        merged.to_parquet(out, index=False)
    else:
        merged.to_csv(out, index=False)
    bad = int(result["error"].notna().sum())
    typer.echo(
        f"{len(result)} lines, {bad} with errors, total KRW "
        f"{result['total_krw'].sum():,.0f} -> {out}"
    )


@app.command("valuation-report")
def valuation_report() -> None:
    """Lift of the valuation flags on the Fraud label of the bundled KCS data."""
    from rich.console import Console

    from opencustoms.cli.tables import lift_table
    from opencustoms.valuation.report import kcs_lift_report

    rows, extra = kcs_lift_report()
    console = Console()
    console.print(lift_table(rows))
    console.print(
        f"rows scored {extra['rows_scored']:.0f}; no benchmark for "
        f"{extra['share_no_benchmark']:.1%}; revenue at risk KRW "
        f"{extra['revenue_at_risk_total_krw']:,.0f}, of which on Fraud=1 rows "
        f"{extra['revenue_at_risk_fraud_share']:.1%}"
    )


@app.command("benchmarks-update")
def benchmarks_update(
    file: Path = typer.Argument(..., help="Declarations file to add to the price benchmarks."),
    profile: str = typer.Option("kcs", "--profile", help="Column profile of the file."),
    state: Path | None = typer.Option(None, "--state", help="Benchmark state (.parquet)."),
) -> None:
    """Add declarations to the stored unit-price benchmarks (incremental, mergeable)."""
    from opencustoms.declarations.io import UnusableFileError, load_frame
    from opencustoms.valuation.benchmarks import BenchmarkState
    from opencustoms.valuation.service import build_benchmarks, default_state_path

    path = state or default_state_path()
    try:
        frame = load_frame(file, profile)
    except (UnusableFileError, ValueError) as exc:
        fail(f"file: {exc}")
        return
    current = BenchmarkState.load(path) if path.is_file() else None
    updated = build_benchmarks(frame, current)
    updated.save(path)
    typer.echo(
        f"added {len(frame)} declarations; state holds "
        f"{updated.n_declarations} priced declarations in {len(updated.counts)} "
        f"histogram cells -> {path}"
    )


@app.command("exposure")
def exposure_cmd(
    exports_file: Path = typer.Argument(
        ..., help="CSV/Parquet/JSONL: exporter, hs_code, value_usd [, origin, korus, description]."
    ),
    date_from: str = typer.Option(..., "--from", help="Old date, YYYY-MM-DD."),
    date_to: str = typer.Option(..., "--to", help="New date, YYYY-MM-DD."),
    scenario: Path | None = typer.Option(None, "--scenario", help="What-if measures (YAML)."),
    top: int = typer.Option(10, "--top", help="Exporters to show."),
    out: Path | None = typer.Option(None, "--out", help="Write all lines (.csv)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (last line)."),
) -> None:
    """Rank exporters by the added US duty cost between two dates, line by line."""
    import pandas as pd

    from opencustoms.tariff.exposure import exposure

    frame = _read_table(exports_file)
    assert isinstance(frame, pd.DataFrame)
    try:
        lines, exporters = exposure(frame, date_from=date_from, date_to=date_to, scenario=scenario)
    except ValueError as exc:
        fail(str(exc))
        return
    if out is not None:
        lines.to_csv(out, index=False)
    if as_json:
        payload = {
            "from": date_from,
            "to": date_to,
            "exporters": exporters.head(top).to_dict(orient="records"),
            "lines": lines[
                [
                    "exporter",
                    "hs_code",
                    "old_rate",
                    "new_rate",
                    "value_usd",
                    "added_cost_usd",
                    "explanation",
                ]
            ].to_dict(orient="records"),
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, default=str))
        return
    from rich.console import Console

    from opencustoms.cli.tables import exposure_tables

    for table in exposure_tables(lines, exporters, top=top, date_from=date_from, date_to=date_to):
        Console().print(table)


@app.command("param")
def param(
    name: str = typer.Argument(..., help="Dotted parameter name, e.g. vat.rate ('list' = all)."),
    date: str = typer.Option(..., "--date", help="Date the value must be in force, YYYY-MM-DD."),
) -> None:
    """The value of a dated parameter in force on a date, with its reference."""
    from opencustoms.tariff.parameters import ParameterNotInForce
    from opencustoms.tariff.tables import load_tariff_data

    params = load_tariff_data().params
    names = params.names() if name == "list" else [name]
    for n in names:
        try:
            item = params.at(n, date)
        except (ParameterNotInForce, ValueError) as exc:
            fail(str(exc))
            return
        except KeyError:
            fail(f"name: unknown parameter {n!r}; `opencustoms tariff param list --date D`")
            return
        typer.echo(f"{n} = {item.value} ({item.period}) - {item.reference}")
