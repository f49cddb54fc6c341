"""Demo step (cli face): screen the bundled synthetic demo list's parties and print the counts.

The console is anything with a ``print(str)`` method (the demo passes a rich Console); the
domain does not import rich.
"""

from __future__ import annotations

from typing import Any, Protocol

import pandas as pd

from opencustoms.screening.normalize import DATA_DIR
from opencustoms.screening.service import screen_files

DEMO_DIR = DATA_DIR / "demo"


class Printer(Protocol):
    def print(self, *objects: Any) -> None: ...


def demo_counts() -> tuple[dict[str, Any], pd.DataFrame, pd.DataFrame]:
    """Summary, matches and per-kind counts (kind from the demo's truth file, read only
    after screening, to show what was found)."""
    result = screen_files(DEMO_DIR / "sanctions.csv", DEMO_DIR / "parties.csv")
    truth = pd.read_csv(DEMO_DIR / "screening_truth.csv", dtype=str, keep_default_na=False)
    truth["group"] = truth["kind"].str.split(":").str[0]
    flagged = set(result.matches["party_id"])
    truth["flagged"] = truth["party_id"].isin(flagged)
    right = set(zip(truth["party_id"], truth["entity_id"], strict=True))
    pairs = zip(result.matches["party_id"], result.matches["entity_id"], strict=True)
    result.summary["correct_pairs"] = sum(p in right for p in pairs)
    table = truth.groupby("group")["flagged"].agg(parties="size", flagged="sum").reset_index()
    return result.summary, result.matches, table


def demo_step(*, console: Printer) -> None:
    summary, matches, table = demo_counts()
    console.print("\n[bold]Sanctions screening[/bold] (synthetic demo list, seed 2026)")
    console.print(
        f"{summary['list']['entities']} listed entities, {summary['parties']} parties -> "
        f"{summary['matches']} matches at >= {summary['threshold']:.2f} "
        f"({summary['correct_pairs']} are planted variants) in {summary['seconds']:.1f} s"
    )
    for group, flagged, parties in table[["group", "flagged", "parties"]].to_numpy().tolist():
        console.print(f"  {group:15} {flagged:3} of {parties:3} parties flagged")
    for score, explanation in matches[["score", "explanation"]].head(3).to_numpy().tolist():
        console.print(f"  {score:.2f} {str(explanation)[:150]}")
