"""Demo step (cli face): generate a small trade world, run every detector, print per
typology the alerts and the KRW at stake, then the accuracy against the generator's labels
next to the plain baseline. The world is kept under ``var/tradecrime/demo-world`` (the
alerts beside it) for the UI.

The console is anything with a ``print(str)`` method (the demo passes a rich Console).
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import pandas as pd

from opencustoms.settings import get_settings

SEED, SCALE = 2026, 0.05  # seed 2026 is never used for tuning


class Printer(Protocol):
    def print(self, *objects: Any) -> None: ...


def alert_table(alerts: pd.DataFrame, typologies: tuple[str, ...]) -> list[str]:
    """Plain-text table: alerts and KRW at stake per typology.

    >>> a = pd.DataFrame({"typology": ["hwanchigi", "hwanchigi"], "amount_krw": [1e8, 5e7]})
    >>> print("\\n".join(alert_table(a, ("hwanchigi", "circular_trade"))))
    typology                          alerts       KRW at stake
    hwanchigi                              2        150,000,000
    circular_trade                         0                  0
    all                                    2        150,000,000
    """
    lines = [f"{'typology':<30}{'alerts':>10}{'KRW at stake':>19}"]
    for t in typologies:
        g = alerts[alerts["typology"] == t]
        lines.append(f"{t:<30}{len(g):>10,}{g['amount_krw'].sum():>19,.0f}")
    lines.append(f"{'all':<30}{len(alerts):>10,}{alerts['amount_krw'].sum():>19,.0f}")
    return lines


def demo_step(*, console: Printer) -> None:
    from opencustoms.alertfile import write_alerts
    from opencustoms.tradecrime.analyse import TYPOLOGIES, analyse
    from opencustoms.tradecrime.baseline import baseline
    from opencustoms.tradecrime.evaluate import evaluate, load_truth
    from opencustoms.world.generate import generate

    console.print("\n[bold]Trade crime[/bold]: synthetic trade world, every detector")
    folder = get_settings().var_dir / "tradecrime" / "demo-world"
    started = time.perf_counter()
    counts = generate(seed=SEED, scale=SCALE).write(folder)
    made = time.perf_counter() - started
    console.print(
        f"world seed {SEED}, scale {SCALE}: {counts['declarations']:,} declaration items, "
        f"{counts['fx_settlements']:,} settlements, {counts['va_transfers']:,} transfers "
        f"({made:.1f} s)"
    )
    result = analyse(folder)
    write_alerts(result.alerts, folder.parent / "demo-alerts.parquet")
    console.print("\n".join(alert_table(result.alerts, TYPOLOGIES)))
    labels, negatives = load_truth(folder)
    ours = evaluate(result.alerts, labels, negatives, typologies=TYPOLOGIES)
    base = evaluate(baseline(result.data), labels, negatives, typologies=TYPOLOGIES)
    both = ours.merge(base, on="typology", suffixes=("", "_base"))
    lines = [
        f"{'typology':<30}{'P':>6}{'R':>6}{'P@N':>6}{'neg hit':>9} | {'base P':>7}{'base R':>7}"
    ]
    for r in both.itertuples(index=False):
        lines.append(
            f"{r.typology:<30}{r.precision:>6.2f}{r.recall:>6.2f}{r.p_at_n:>6.2f}"
            f"{r.hard_negatives_flagged:>5}/{r.hard_negatives:<3} | {r.precision_base:>7.2f}"
            f"{r.recall_base:>7.2f}"
        )
    console.print("accuracy against the generator's labels (detectors never read them):")
    console.print("\n".join(lines))
    console.print(f"({time.perf_counter() - started:.1f} s in all)")
