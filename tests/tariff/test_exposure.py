"""US tariff exposure of Korean exporters: HTS parsing, dated measures, scenario, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from opencustoms.cli.main import app
from opencustoms.tariff.exposure import exposure, generate_exports
from opencustoms.tariff.us_schedule import korus_rate_text, load_us_schedule, parse_rate


def test_parse_us_rates() -> None:
    assert parse_rate("Free") == (0.0, "free")
    assert parse_rate("2.5%") == (2.5, "ad valorem")
    assert parse_rate("6.8% <u></u>") == (6.8, "ad valorem")
    assert parse_rate("1.9¢/kg + 5%") == (5.0, "compound")
    rate, kind = parse_rate("2.2¢/kg")
    assert kind == "specific" and rate != rate  # NaN: not expressible ad valorem
    assert korus_rate_text("Free (A+,AU,B,BH,CL,CO,D,E,IL,JO,KR,MA,OM, P,PA,PE,S,SG)") == "Free"
    assert korus_rate_text("Free (A,AU) 3% (KR)") == "3%"
    assert korus_rate_text("Free (A,AU)") is None
    hts = load_us_schedule()
    cars = hts[hts["hts"] == "87032301"].iloc[0]
    assert cars["general_pct"] == 2.5 and cars["korus_pct"] == 0.0


def _small() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "exporter": ["A", "A", "B", "C", "C"],
            "hs_code": ["720917", "330499", "87032301", "854232", "760612"],
            "value_usd": [1_000_000, 200_000, 10_000_000, 5_000_000, 100_000],
        }
    )


def test_exposure_line_by_line() -> None:
    lines, exporters = exposure(_small(), date_from="2025-01-01", date_to="2025-12-01")
    by_hs = lines.set_index("hs_code")
    # Steel: Korea's quota arrangement (0%) -> 50% Section 232 from 2025-06-04.
    assert (by_hs.at["720917", "old_rate"], by_hs.at["720917", "new_rate"]) == (0, 50)
    assert by_hs.at["720917", "added_cost_usd"] == pytest.approx(500_000)
    # Cosmetics: KORUS free + reciprocal 15% from 2025-08-07.
    assert by_hs.at["330499", "new_rate"] == 15
    # Cars: KORUS free (HTS 2.5% general) + Section 232 autos 15% from 2025-11-01;
    # no reciprocal duty on top of a Section 232 product.
    assert by_hs.at["87032301", "new_rate"] == 15
    assert "us_reciprocal_kr" not in by_hs.at["87032301", "new_measures"]
    # Memory chips: exempt from the reciprocal tariff.
    assert by_hs.at["854232", "added_cost_usd"] == 0
    # Aluminium: 10% (2018) -> 50%.
    assert (by_hs.at["760612", "old_rate"], by_hs.at["760612", "new_rate"]) == (10, 50)
    assert list(exporters["exporter"]) == ["B", "A", "C"]
    assert exporters.loc[0, "added_cost_usd"] == pytest.approx(1_500_000)
    for text in lines["explanation"]:
        assert text.startswith("HS ") and "->" in text and "USD" in text


def test_scenario_file_changes_rates(tmp_path: Path) -> None:
    scenario = tmp_path / "what_if.yaml"
    scenario.write_text(
        "- id: us_reciprocal_kr\n  name: what-if 25%\n  origin: KR\n  scope: all\n"
        "  not_with: [us_s232_steel, us_s232_aluminium, us_s232_autos, us_s232_auto_parts]\n"
        "  rates:\n    - {from: 2025-04-05, to: null, rate: 25, reference: what-if}\n"
    )
    lines, _ = exposure(_small(), date_from="2025-01-01", date_to="2025-12-01", scenario=scenario)
    by_hs = lines.set_index("hs_code")
    assert by_hs.at["330499", "new_rate"] == 25
    # The scenario replaced the published measure, exemptions included (none given).
    assert by_hs.at["854232", "new_rate"] == 25


def test_unknown_code_and_bad_value_name_the_field() -> None:
    bad = _small().assign(hs_code=["999999", "330499", "870323", "854232", "760612"])
    with pytest.raises(ValueError, match=r"^hs_code: 999999"):
        exposure(bad, date_from="2025-01-01", date_to="2025-12-01")
    with pytest.raises(ValueError, match=r"^value_usd:"):
        exposure(
            _small().assign(value_usd=["x", 1, 1, 1, 1]),
            date_from="2025-01-01",
            date_to="2025-12-01",
        )


def test_cli_exposure_on_generated_file(tmp_path: Path) -> None:
    src = tmp_path / "exports.csv"
    generate_exports(12, seed=3).to_csv(src, index=False)
    res = CliRunner().invoke(
        app,
        ["tariff", "exposure", str(src), "--from", "2025-01-01", "--to", "2025-12-01", "--json"],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout.strip().splitlines()[-1])
    costs = [e["added_cost_usd"] for e in payload["exporters"]]
    assert costs == sorted(costs, reverse=True) and costs[0] > 0
    line = payload["lines"][0]
    assert {"hs_code", "old_rate", "new_rate", "value_usd", "added_cost_usd"} <= set(line)
    assert line["added_cost_usd"] == pytest.approx(
        line["value_usd"] * (line["new_rate"] - line["old_rate"]) / 100
    )
    table = CliRunner().invoke(
        app, ["tariff", "exposure", str(src), "--from", "2025-01-01", "--to", "2025-12-01"]
    )
    assert table.exit_code == 0 and "Line by line" in table.output


def test_specific_rates_are_flagged_not_guessed() -> None:
    frame = pd.DataFrame(
        {
            "exporter": ["D", "D"],
            "hs_code": ["01022940", "0402295000"],
            "value_usd": [1000.0, 1000.0],
            "korus": [False, False],
        }
    )
    lines, _ = exposure(frame, date_from="2024-01-01", date_to="2025-12-01")
    assert lines["base_not_ad_valorem"].all()
    assert lines.loc[0, "base_rate"] == 0  # 1¢/kg: no ad valorem part, flagged
    assert lines.loc[1, "base_rate"] == 14.9  # $1.104/kg + 14.9%: ad valorem part only
    assert "ad valorem part only" in lines.loc[1, "explanation"]
    # The reciprocal tariff adds 15 points either way.
    assert (lines["new_rate"] - lines["old_rate"]).tolist() == pytest.approx([15, 15])
