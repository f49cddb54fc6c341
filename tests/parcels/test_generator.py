"""The generator: reproducible, labels apart from the manifest, typologies and hard
negatives present, the manifest valid under the format."""

from __future__ import annotations

import pandas as pd

from opencustoms.parcels.generator import MANIFEST_COLUMNS, generate
from opencustoms.parcels.manifest import validate
from opencustoms.parcels.screen import TYPOLOGIES


def test_same_seed_same_world_other_seed_other_world() -> None:
    a, la = generate(days=2, parcels_per_day=400, seed=21)
    b, lb = generate(days=2, parcels_per_day=400, seed=21)
    c, _ = generate(days=2, parcels_per_day=400, seed=22)
    pd.testing.assert_frame_equal(a, b)
    pd.testing.assert_frame_equal(la, lb)
    assert not a["recipient_pccc"].equals(c["recipient_pccc"])


def test_labels_are_separate_and_cover_every_typology_and_hard_negative() -> None:
    manifest, labels = generate(days=10, parcels_per_day=1500, seed=23)
    assert list(manifest.columns) == list(MANIFEST_COLUMNS)
    assert set(labels.columns) == {"parcel_id", "typologies", "hard_negatives"}
    codes = set(";".join(labels["typologies"]).split(";")) - {""}
    assert codes == set(TYPOLOGIES)
    tags = set(labels["hard_negatives"]) - {""}
    assert tags >= {"frequent_shopper", "us_150_200", "cheap_goods", "sale_price", "lookalike_text"}
    checked = validate(manifest.astype("string[pyarrow]"))
    assert not checked.quarantine and len(checked.valid) == len(manifest)


def test_names_and_addresses_come_in_spelling_variants() -> None:
    manifest, _ = generate(days=3, parcels_per_day=2000, seed=24)
    per_code = manifest.groupby("recipient_pccc")["recipient_name"].nunique()
    assert (per_code > 1).mean() > 0.05  # the same person writes their name differently
    hangul = manifest["recipient_name"].str.contains("[가-힣]", regex=True)
    assert 0.3 < hangul.mean() < 0.9


def test_a_period_past_the_exchange_rate_table_is_refused_not_written_as_nan() -> None:
    import datetime as dt

    import pytest

    from opencustoms.errors import InvalidInput

    with pytest.raises(InvalidInput, match="no customs exchange rate for the week of 2099"):
        generate(days=2, parcels_per_day=20, seed=1, start=dt.date(2099, 1, 1))
