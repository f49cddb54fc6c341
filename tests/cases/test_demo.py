"""The demo step: red/blue lanes of a scored store become alerts, the top one a case with
a network and a case file."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from opencustoms.settings import get_settings

from .web_world import build


def test_demo_step(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from opencustoms.cli.demo.cases import demo_step

    world = build(tmp_path)
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", world.url)
    get_settings.cache_clear()
    out = io.StringIO()
    demo_step(console=Console(file=out, width=150))
    text = out.getvalue()
    # The world already imported its lanes: a re-run folds everything into the same alerts.
    assert "4 red/blue items, 0 new alerts, 4 folded" in text
    assert "case 1 opened from alert" in text
    assert (get_settings().var_dir / "reports" / "cases" / "case-1.html").is_file()
