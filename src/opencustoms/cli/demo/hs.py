"""Demo step: HS suggestions for a few descriptions and one misclassification flag."""

from __future__ import annotations

import time

from rich.console import Console
from rich.markup import escape
from rich.table import Table

DESCRIPTIONS = (
    "fresh boneless beef",
    "lithium-ion battery pack for electric bicycles",
    "men's cotton knitted T-shirts",
    "냉동 새우",  # frozen shrimp
    "노트북 컴퓨터",  # laptop computer
)
# A frozen-shrimp description declared under a live-animal heading: the classic case of
# a code that does not fit the goods.
FLAG_CASE = ("frozen peeled shrimp, 1 kg bags", "010619")


def demo_step(*, console: Console) -> None:
    from opencustoms.hs.flags import misclassification_flag
    from opencustoms.hs.service import get_classifier, suggest

    console.rule("[bold]HS classification assistant")
    started = time.perf_counter()
    clf = get_classifier()
    console.print(
        f"index: {len(clf.index.codes):,} HS 2022 subheadings, "
        f"{len(clf.index.corpus.line_texts):,} US HTS 2024 lines, "
        f"loaded in {time.perf_counter() - started:.1f}s, "
        f"{clf.index.memory_bytes / 2**20:.0f} MiB of embeddings"
    )
    table = Table(title="Top-3 HS6 suggestions")
    for col in ("description", "1st", "2nd", "3rd", "conf."):
        table.add_column(col, overflow="fold")
    for text in DESCRIPTIONS:
        cands = suggest(text=text, top=3, use_feedback=False)
        cells = [f"{c.hs6} {c.description[:38]}" for c in cands]
        table.add_row(escape(text), *map(escape, cells), f"{cands[0].confidence:.2f}")
    console.print(table)
    description, declared = FLAG_CASE
    flag = misclassification_flag(description=description, declared_hs=declared)
    status = "[red]FLAGGED[/red]" if flag.flagged else "[green]plausible[/green]"
    diff = "unknown" if flag.rate_difference is None else f"{flag.rate_difference:+.2f} pp"
    console.print(
        f"misclassification check: {escape(repr(description))} declared {declared}: {status} - "
        + escape(
            f"{flag.reason}; suggested {flag.suggested_hs6} ({flag.suggested_description}); "
            f"duty difference (suggested - declared) {diff} [{flag.rate_note}]"
        )
    )
