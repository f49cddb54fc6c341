"""Golden cases (tests/tariff/golden/*.yaml): hand-computed Korean import taxes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from opencustoms.tariff.service import calculate

GOLDEN_DIR = Path(__file__).parent / "golden"


def _cases() -> list[Any]:
    cases = []
    for path in sorted(GOLDEN_DIR.glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            cases.append(pytest.param(case, id=f"{path.stem}:{case['name']}"))
    return cases


CASES = _cases()


def test_golden_files_hold_the_issue_cases() -> None:
    names = " | ".join(c.values[0]["name"] for c in CASES)
    for needle in ("issue example", "without proof", "below USD 150", "above USD 150"):
        assert needle in names
    assert len(CASES) >= 15


@pytest.mark.parametrize("case", CASES)
def test_golden_case(case: dict[str, Any]) -> None:
    result = calculate(date=str(case["date"]), **case["input"])
    expected, tol = case["expected"], float(case.get("tolerance", 0))
    by_tax = {line.tax: line for line in result.lines}
    for tax, amount in expected.get("lines", {}).items():
        assert tax in by_tax, f"no {tax} line in {list(by_tax)}"
        assert by_tax[tax].amount == pytest.approx(amount, abs=tol), tax
    for tax, tier in expected.get("tiers", {}).items():
        assert by_tax[tax].tier == tier, tax
    if "total" in expected:
        assert result.total == pytest.approx(expected["total"], abs=tol)
        assert result.total == pytest.approx(sum(line.amount for line in result.lines))
    if "customs_value_krw" in expected:
        assert result.customs_value_krw == pytest.approx(expected["customs_value_krw"], abs=tol)
    if "de_minimis" in expected:
        assert result.de_minimis is expected["de_minimis"]
    for line in result.lines:
        assert line.tier and line.reference and line.explanation
