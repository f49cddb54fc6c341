"""Demo step (cli face): generate a month of parcels, store and screen it, print decisions per
typology, and the accuracy against the generator's labels next to the plain baseline.

The console is anything with a ``print(str)`` method (the demo passes a rich Console);
the domain does not import rich.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any, Protocol

import pandas as pd

from opencustoms.parcels.screen import SEVERITY, TYPOLOGIES

DAYS, PER_DAY, SEED = 30, 1000, 2026  # a month; seed 2026 is never used for tuning


class Printer(Protocol):
    def print(self, *objects: Any) -> None: ...


def decision_table(decisions: pd.DataFrame) -> list[str]:
    """Plain-text table: parcels per typology (rows) and decision (columns).

    >>> d = pd.DataFrame({"typologies": ["", "split_shipment", "split_shipment;undervaluation"],
    ...                   "decision": ["release", "pay_duty", "inspect"]})
    >>> print("\\n".join(decision_table(d)))  # doctest: +NORMALIZE_WHITESPACE
    typology            release  pay_duty      hold   inspect     total
    (none)                    1         0         0         0         1
    split_shipment            0         1         0         1         2
    undervaluation            0         0         0         1         1
    all parcels               1         1         0         1         3
    """
    names = list(SEVERITY)
    exploded = decisions.assign(code=decisions["typologies"].replace("", "(none)").str.split(";"))
    exploded = exploded.explode("code")
    counts = pd.crosstab(exploded["code"], exploded["decision"]).reindex(
        columns=names, fill_value=0
    )
    lines = [f"{'typology':18}" + "".join(f"{n:>10}" for n in [*names, "total"])]
    for code in ["(none)", *TYPOLOGIES]:
        if code in counts.index:
            row = counts.loc[code]
            lines.append(f"{code:18}" + "".join(f"{int(v):>10,}" for v in [*row, row.sum()]))
    total = decisions["decision"].value_counts().reindex(names, fill_value=0)
    lines.append(f"{'all parcels':18}" + "".join(f"{int(v):>10,}" for v in [*total, total.sum()]))
    return lines


def demo_step(*, console: Printer) -> None:
    from opencustoms.db import get_engine
    from opencustoms.parcels import service
    from opencustoms.parcels.evaluate import baseline, evaluate
    from opencustoms.parcels.features import prepare
    from opencustoms.parcels.generator import generate, write_generated
    from opencustoms.parcels.intake import ingest_manifest
    from opencustoms.parcels.screen import _dedupe
    from opencustoms.settings import get_settings

    started = time.perf_counter()
    out = get_settings().var_dir / "parcels" / f"demo-manifest-{SEED}.csv"
    labels_path = out.with_name(f"demo-labels-{SEED}.csv")
    manifest, labels = generate(days=DAYS, parcels_per_day=PER_DAY, seed=SEED)
    write_generated(manifest, labels, out, labels_path)
    engine = get_engine()
    intake = ingest_manifest(path=out, engine=engine)
    first = dt.date.fromisoformat(str(manifest["arrival_date"].min()))
    result = service.screen_stored(
        engine=engine, date_from=first, date_to=first + dt.timedelta(days=DAYS - 1)
    )
    console.print(
        f"\nParcels (list clearance): {len(manifest):,} generated for {DAYS} days (seed {SEED}); "
        f"stored {intake.stored:,} (duplicates {intake.duplicates:,}, quarantined "
        f"{intake.quarantined:,}); screened {result.screened:,}"
    )
    for line in decision_table(result.decisions):
        console.print(line)
    valid, _, _ = _dedupe(manifest.astype("string[pyarrow]"))
    report = evaluate(result.decisions, labels, None)
    base = evaluate(
        pd.DataFrame({"parcel_id": valid["parcel_id"].astype(object), "typologies": ""}),
        labels,
        baseline(valid, prepare(valid)),
    )
    console.print(f"{'typology':18}{'model P':>9}{'model R':>9}{'base P':>9}{'base R':>9}")
    for code in TYPOLOGIES:
        m = report["typologies"][code]["model"]
        b = base["typologies"][code]["baseline"]
        console.print(
            f"{code:18}{m['precision']:>9.3f}{m['recall']:>9.3f}"
            f"{b['precision']:>9.3f}{b['recall']:>9.3f}"
        )
    taxed = result.decisions[["duty_krw", "vat_krw"]].sum()
    console.print(
        f"duty KRW {taxed['duty_krw']:,.0f}, VAT KRW {taxed['vat_krw']:,.0f} on taxed parcels; "
        f"[{time.perf_counter() - started:.1f} s] the officer queue is under /parcels"
    )
