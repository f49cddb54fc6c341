"""The demo step stores the bundled KCS data once and prints the summary."""

from __future__ import annotations

from rich.console import Console

from opencustoms.cli.demo.declarations import demo_step


def test_demo_step_is_idempotent() -> None:
    first = Console(record=True, width=140)
    demo_step(console=first)
    text = first.export_text()
    assert "45,519 items stored" in text
    assert "input 37,385 = stored 37,385" in text and "Incheon Airport Main Customs" in text
    assert "2021-03" in text and "Fraud rate by month" in text
    again = Console(record=True, width=140)
    demo_step(console=again)
    text = again.export_text()
    assert "45,519 items stored" in text
    assert "stored 0 + quarantined 0 + duplicates 37,385" in text
