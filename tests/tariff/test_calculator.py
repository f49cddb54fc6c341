"""Calculator behaviour beyond the golden cases: errors, batch == scalar, parameters, CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from opencustoms.cli.main import app
from opencustoms.tariff.parameters import ParameterError, ParameterNotInForce, ParameterSet
from opencustoms.tariff.service import TariffInputError, batch, calculate

OK = {"hs_code": "690722", "origin": "CN", "value": 1000.0, "currency": "USD", "date": "2024-06-05"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hs_code": "999999"}, "hs_code"),
        ({"hs_code": "12"}, "hs_code"),
        ({"origin": "XX"}, "origin"),
        ({"currency": "ABC"}, "currency"),
        ({"currency": "XAU"}, "currency"),
        ({"date": "2010-06-01"}, "date"),
        ({"date": "2020-13-01"}, "date"),
        ({"value": -5.0}, "value"),
        ({"fta": "NOPE"}, "fta"),
        ({"hs_code": "220300", "quantity": None}, "quantity"),
    ],
)
def test_bad_input_names_the_field(change: dict[str, object], field: str) -> None:
    with pytest.raises(TariffInputError) as exc:
        calculate(**{**OK, **change})  # type: ignore[arg-type]
    assert exc.value.field == field
    assert str(exc.value).startswith(f"{field}: ")


def test_krw_date_outside_every_rate_validity_is_an_error() -> None:
    with pytest.raises(TariffInputError, match="date: no basic duty rate"):
        calculate(**{**OK, "currency": "KRW", "date": "2019-06-01"})


def test_every_line_names_tier_and_reference() -> None:
    r = calculate(
        hs_code="711319",
        origin="FR",
        value=9_000_000,
        currency="KRW",
        date="2021-02-01",
        fta="KOREU",
        proof_of_origin=True,
    )
    assert {line.tax for line in r.lines} >= {
        "customs_duty",
        "individual_consumption_tax",
        "education_tax",
        "vat",
    }
    for line in r.lines:
        assert line.tier.strip() and line.reference.strip() and line.explanation.strip()


def test_fta_origin_not_member_is_explained() -> None:
    r = calculate(
        hs_code="420221",
        origin="CN",
        value=3_000_000,
        currency="KRW",
        date="2020-06-01",
        fta="KORUS",
        proof_of_origin=True,
    )
    assert r.lines[0].tier == "basic"
    assert "origin not a member" in r.lines[0].explanation


def _sample(n: int = 150) -> pd.DataFrame:
    rates = pd.read_csv(
        Path(__file__).parents[2] / "src/opencustoms/data/tariff/duty_rates_kcs.csv", dtype=str
    )
    hs = rates["hs6"].drop_duplicates().sample(60, random_state=1).tolist()
    hs += ["420221", "721633", "220300", "220890", "910211", "620130", "999999"]
    import numpy as np

    rng = np.random.default_rng(7)
    return pd.DataFrame(
        {
            "hs_code": rng.choice(hs, n),
            "origin": rng.choice(["CN", "US", "IT", "GB", "VN", "JP", "XX"], n),
            "value": rng.lognormal(11, 2, n).round(2),
            "currency": rng.choice(["KRW", "USD", "EUR", "JPY", "CNY"], n),
            "date": rng.choice(["2020-06-01", "2021-02-15", "2024-06-05", "2025-06-01"], n),
            "quantity": rng.choice([np.nan, 1.0, 3.0, 50.0], n),
            "fta": rng.choice([None, "KORUS", "KOREU", "KCFTA"], n),
            "proof_of_origin": rng.choice([True, False], n),
            "personal_use": rng.choice([True, False], n, p=[0.2, 0.8]),
            "list_clearance": rng.choice([True, False], n),
        }
    )


def test_batch_equals_scalar_on_a_sample() -> None:
    frame = _sample()
    out = batch(frame)
    assert len(out) == len(frame) and out.index.equals(frame.index)
    checked = errors = 0
    for i, row in frame.iterrows():
        kwargs = {k: (None if pd.isna(v) else v) for k, v in row.items()}
        try:
            r = calculate(**kwargs)  # type: ignore[arg-type]
        except TariffInputError as exc:
            assert out.at[i, "error"] == str(exc)
            errors += 1
            continue
        assert out.at[i, "error"] is None
        assert out.at[i, "total_krw"] == pytest.approx(r.total)
        assert (
            out.at[i, "duty_tier"] == r.lines[-2].tier
            or r.de_minimis
            or any(line.tier == out.at[i, "duty_tier"] for line in r.lines)
        )
        checked += 1
    assert checked > 80 and errors > 5


def test_parameters_errors_name_parameter_and_date() -> None:
    ps = ParameterSet.from_mapping(
        {
            "x.rate": {
                "values": [
                    {"from": "2020-01-01", "to": "2020-12-31", "value": 1, "reference": "r1"},
                    {"from": "2021-01-01", "to": None, "value": 2, "reference": "r2"},
                ]
            }
        }
    )
    assert ps.value("x.rate", "2020-12-31") == 1 and ps.value("x.rate", "2021-01-01") == 2
    with pytest.raises(ParameterNotInForce, match=r"'x.rate'.*2019-05-01"):
        ps.at("x.rate", "2019-05-01")
    with pytest.raises(ParameterError, match="overlap"):
        ParameterSet.from_mapping(
            {
                "y": {
                    "values": [
                        {"from": "2020-01-01", "to": None, "value": 1, "reference": "a"},
                        {"from": "2021-01-01", "to": None, "value": 2, "reference": "b"},
                    ]
                }
            }
        )
    with pytest.raises(ParameterError, match="reference"):
        ParameterSet.from_mapping({"z": {"values": [{"from": "2020-01-01", "value": 1}]}})


def test_cli_calc_json_and_error() -> None:
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "tariff",
            "calc",
            "--hs",
            "420221",
            "--origin",
            "IT",
            "--value",
            "3000000",
            "--currency",
            "KRW",
            "--date",
            "2020-06-01",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    payload = json.loads(res.stdout.strip().splitlines()[-1])
    assert payload["total"] == 918640
    assert {"tax", "base", "rate", "amount", "tier", "reference"} <= set(payload["lines"][0])
    bad = runner.invoke(
        app,
        [
            "tariff",
            "calc",
            "--hs",
            "420221",
            "--origin",
            "ZZZ",
            "--value",
            "1",
            "--currency",
            "KRW",
            "--date",
            "2020-06-01",
            "--json",
        ],
    )
    assert bad.exit_code != 0
    assert "origin:" in bad.output and len(bad.output.strip().splitlines()) == 1


def test_cli_calc_file(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    _sample(50).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    res = CliRunner().invoke(app, ["tariff", "calc-file", str(src), "--out", str(out)])
    assert res.exit_code == 0, res.output
    got = pd.read_csv(out)
    assert len(got) == 50 and {"total_krw", "duty_tier", "error"} <= set(got.columns)


def test_excise_coverage_is_dated() -> None:
    import dataclasses

    from opencustoms.tariff.engine import compute_frame
    from opencustoms.tariff.tables import load_tariff_data

    data = load_tariff_data()
    later = data.excise.assign(valid_from=pd.Timestamp("2021-01-01"))
    shifted = dataclasses.replace(data, excise=later)
    frame = pd.DataFrame(
        {
            "hs_code": ["420221", "420221"],
            "origin": ["IT", "IT"],
            "value": [3_000_000, 3_000_000],
            "currency": ["KRW", "KRW"],
            "date": ["2020-06-01", "2021-06-01"],
        }
    )
    out = compute_frame(frame, shifted)
    assert list(out["ic_amount"]) == [0.0, 248_000.0]
    assert list(compute_frame(frame, data)["ic_amount"]) == [248_000.0, 248_000.0]


def test_calculate_many_matches_calculate() -> None:
    from opencustoms.tariff.service import calculate_many

    items = [
        {
            "hs_code": "420221",
            "origin": "IT",
            "value": 3_000_000,
            "currency": "KRW",
            "date": "2020-06-01",
        },
        {"hs_code": "999999", "origin": "IT", "value": 1, "currency": "KRW", "date": "2020-06-01"},
        {**OK, "fta": "KCFTA", "proof_of_origin": True},
    ]
    results = calculate_many(items)
    assert isinstance(results[1], TariffInputError) and results[1].field == "hs_code"
    for item, result in zip(items[::2], results[::2], strict=True):
        assert not isinstance(result, TariffInputError)
        assert result.model_dump() == calculate(**item).model_dump()


def test_cli_param_value_and_errors() -> None:
    runner = CliRunner()
    ok = runner.invoke(app, ["tariff", "param", "vat.rate", "--date", "2024-01-01"])
    assert ok.exit_code == 0 and "vat.rate = 0.1" in ok.output and "VAT Act" in ok.output
    bad = runner.invoke(
        app, ["tariff", "param", "liquor.beer_krw_per_litre", "--date", "2019-06-01"]
    )
    assert bad.exit_code != 0 and "liquor.beer_krw_per_litre" in bad.output
    assert "2019-06-01" in bad.output
