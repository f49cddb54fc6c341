"""Manifest reading and validation: clear errors, nothing lost."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from opencustoms.parcels.manifest import ManifestError, read_manifest, validate
from opencustoms.parcels.screen import screen_frame


def test_missing_required_column_is_named(tmp_path: Path, manifest_rows: pd.DataFrame) -> None:
    path = tmp_path / "m.csv"
    manifest_rows.drop(columns=["recipient_pccc"]).to_csv(path, index=False)
    with pytest.raises(ManifestError) as err:
        read_manifest(path)
    assert err.value.field == "recipient_pccc"


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "m.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(ManifestError):
        read_manifest(path)


def test_bad_rows_are_quarantined_with_every_reason(manifest_rows: pd.DataFrame) -> None:
    raw = manifest_rows.copy()
    raw.loc[0, "recipient_pccc"] = "P12"
    raw.loc[1, "declared_value"] = "-5"
    raw.loc[2, "currency"] = "XYZ"
    raw.loc[3, "recipient_name"] = ""
    raw.loc[4, "arrival_date"] = "2026-13-01"
    raw.loc[5, "quantity"] = "1.5"
    raw.loc[6, "hs_code"] = "12AB"
    raw.loc[7, ["declared_value", "currency"]] = ["abc", "XYZ"]
    checked = validate(raw)
    reasons = {q["row_number"]: {r["field"] for r in q["reasons"]} for q in checked.quarantine}
    assert reasons == {
        1: {"recipient_pccc"},
        2: {"declared_value"},
        3: {"currency"},
        4: {"recipient_name"},
        5: {"arrival_date"},
        6: {"quantity"},
        7: {"hs_code"},
        8: {"declared_value", "currency"},
    }
    assert len(checked.valid) + len(checked.quarantine) == len(raw)
    assert checked.quarantine[0]["raw"]["recipient_pccc"] == "P12"


def test_input_equals_screened_plus_quarantined_plus_duplicates(
    manifest_rows: pd.DataFrame,
) -> None:
    raw = pd.concat([manifest_rows, manifest_rows.iloc[[0, 1]]], ignore_index=True)
    conflict = manifest_rows.iloc[[2]].assign(declared_value="999")
    raw = pd.concat([raw, conflict], ignore_index=True)
    raw.loc[3, "currency"] = "XYZ"
    result = screen_frame(raw.astype("string[pyarrow]"))
    assert result.duplicates == 2
    assert result.quarantined == 2  # the bad currency and the conflicting repeat
    assert result.input == result.screened + result.quarantined + result.duplicates
    assert result.decisions["parcel_id"].is_unique


def test_a_date_past_the_exchange_rate_table_is_quarantined_not_valued_as_nan(
    manifest_rows: pd.DataFrame,
) -> None:
    raw = manifest_rows.copy()
    raw.loc[0, "arrival_date"] = "2099-01-05"  # a known currency, but no rate for that week
    checked = validate(raw)
    reasons = {q["row_number"]: q["reasons"] for q in checked.quarantine}
    assert reasons[1] == [
        {
            "field": "arrival_date",
            "problem": "no customs exchange rate for the currency (or USD) "
            "in the week of this date",
        }
    ]
    assert len(checked.valid) == len(raw) - 1


def test_a_manifest_whose_every_row_is_quarantined_screens_to_no_decisions(
    manifest_rows: pd.DataFrame,
) -> None:
    import pyarrow as pa

    from opencustoms.parcels.screen import OUTPUT_COLUMNS

    raw = manifest_rows.assign(declared_value="nan")
    result = screen_frame(raw.astype("string[pyarrow]"))
    assert result.screened == 0
    assert result.quarantined == len(raw)
    assert result.summary()["decisions"] == {}
    full = screen_frame(manifest_rows.astype("string[pyarrow]")).decisions
    assert list(result.decisions.columns) == list(full.columns)

    def schema(frame: pd.DataFrame) -> pa.Schema:
        return pa.Table.from_pandas(frame[list(OUTPUT_COLUMNS)], preserve_index=False).schema

    assert schema(result.decisions).remove_metadata() == schema(full).remove_metadata()
