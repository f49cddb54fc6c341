"""The trade-crime demo step (a cli face module): a world is generated, analysed and
evaluated, and the alerts are left where the web pages read them."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from opencustoms.settings import get_settings


@pytest.mark.slow
def test_demo_step_writes_world_alerts_and_accuracy() -> None:
    from opencustoms.cli.demo.tradecrime import SEED, demo_step

    out = io.StringIO()
    demo_step(console=Console(file=out, width=150))
    text = out.getvalue()
    assert f"world seed {SEED}" in text
    assert "accuracy against the generator's labels" in text
    assert "hwanchigi" in text
    var = get_settings().var_dir / "tradecrime"
    assert (var / "demo-alerts.parquet").is_file()
    assert (var / "demo-world" / "labels.csv").is_file()
