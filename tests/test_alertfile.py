import pandas as pd
import pytest

from opencustoms.alertfile import read_alerts, write_alerts
from opencustoms.errors import InvalidInput


def _frame(**overrides):
    row = {
        "alert_id": "A1",
        "typology": "circular_trade",
        "subject_id": "C9",
        "score": 0.7,
        "period_start": "2024-01-01",
        "period_end": "2024-02-01",
        "amount_krw": 1000.0,
        "evidence": {"declarations": ["D1"]},
        "explanation": "re-imported the same goods",
    }
    row.update(overrides)
    return pd.DataFrame([row])


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_round_trip(tmp_path, suffix):
    path = tmp_path / f"alerts{suffix}"
    write_alerts(_frame(), path)
    back = read_alerts(path)
    assert back.loc[0, "evidence"] == {"declarations": ["D1"]}
    assert back.loc[0, "score"] == 0.7


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"score": 1.5}, "score"),
        ({"amount_krw": -1}, "amount_krw"),
        ({"subject_id": " "}, "subject_id"),
    ],
)
def test_bad_values_name_the_field(tmp_path, overrides, field):
    path = tmp_path / "alerts.csv"
    _frame(**overrides).assign(evidence='{"x": []}').to_csv(path, index=False)
    with pytest.raises(InvalidInput) as err:
        read_alerts(path)
    assert err.value.field == field


def test_missing_column(tmp_path):
    path = tmp_path / "alerts.csv"
    _frame().drop(columns=["typology"]).to_csv(path, index=False)
    with pytest.raises(InvalidInput, match="typology"):
        read_alerts(path)
