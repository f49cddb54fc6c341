"""Demo step: example tax calculations, the valuation lift report on the bundled KCS data
and a US tariff exposure ranking on a generated file of Korean exports."""

from __future__ import annotations

from rich.console import Console

EXAMPLES = (
    {
        "hs_code": "420221",
        "origin": "IT",
        "value": 3_000_000,
        "currency": "KRW",
        "date": "2020-06-01",
    },
    {
        "hs_code": "420221",
        "origin": "IT",
        "value": 2_400,
        "currency": "EUR",
        "date": "2024-06-05",
        "fta": "KOREU",
        "proof_of_origin": True,
    },
    {"hs_code": "721633", "origin": "CN", "value": 50_000, "currency": "USD", "date": "2025-06-01"},
)


def demo_step(*, console: Console) -> None:
    from opencustoms.cli.tables import computation_table, exposure_tables, lift_table
    from opencustoms.settings import get_settings
    from opencustoms.tariff.exposure import exposure, generate_exports
    from opencustoms.tariff.service import calculate
    from opencustoms.valuation.report import kcs_lift_report

    console.rule("Tariff: duty and taxes with their legal basis")
    for example in EXAMPLES:
        console.print(computation_table(calculate(**example)))  # type: ignore[arg-type]

    console.rule("Valuation: unit-price benchmarks vs the Fraud label")
    rows, extra = kcs_lift_report()
    console.print(lift_table(rows))
    console.print(
        f"No benchmark for {extra['share_no_benchmark']:.1%} of 2021Q1 rows; revenue at risk "
        f"KRW {extra['revenue_at_risk_total_krw']:,.0f} ({extra['revenue_at_risk_fraud_share']:.1%}"
        " on Fraud=1 rows). Lift near 1 means the price signal is weak on this synthetic data."
    )

    console.rule("US tariffs: Korean exporters' added duty cost, 2025-01-01 -> 2025-12-01")
    path = get_settings().var_dir / "demo" / "korean_exports.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    generate_exports(40, seed=7).to_csv(path, index=False)
    import pandas as pd

    frame = pd.read_csv(path, dtype={"hs_code": str})
    lines, exporters = exposure(frame, date_from="2025-01-01", date_to="2025-12-01")
    for table in exposure_tables(
        lines, exporters, top=5, date_from="2025-01-01", date_to="2025-12-01"
    ):
        console.print(table)
    console.print(
        f"(export file written to {path}; rerun with `opencustoms tariff exposure "
        f"{path} --from 2025-01-01 --to 2025-12-01`)"
    )
