"""dated_lookup's scan of a few rows (one declaration's items) gives what its merge over
many rows gives, row for row, on every table the engine looks up."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from opencustoms.tariff.engine import _normalise
from opencustoms.tariff.frames import FEW_ROWS, Errors, categorical, dated_lookup
from opencustoms.tariff.tables import load_tariff_data


def _sample(n: int) -> pd.DataFrame:
    data = load_tariff_data()
    rng = np.random.default_rng(11)
    hs = [*data.rates["hs6"].drop_duplicates().sample(40, random_state=2).tolist(), "999999"]
    return pd.DataFrame(
        {
            "hs_code": rng.choice(hs, n),
            "origin": rng.choice(["CN", "US", "IT", "GB", "VN", "JP", "XX", None], n),
            "value": 1000.0,
            "currency": "KRW",
            "date": rng.choice(["2010-06-01", "2020-06-01", "2021-02-15", "2025-06-01", None], n),
            "fta": rng.choice([None, "KORUS", "KOREU", "KCFTA"], n),
            "supplier": None,
        }
    )


def _rows() -> pd.DataFrame:
    data = load_tariff_data()
    frame = _sample(120)
    # Remedies' own keys and a few FTA prefixes, so the lookups find rows, not only misses.
    frame.loc[:9, ["hs_code", "origin"]] = data.remedies[["hs6", "origin"]].iloc[0].tolist()
    frame.loc[:4, "supplier"] = str(data.remedies["supplier"].iloc[0])
    w = _normalise(frame, data, Errors(frame.index))
    w["tier"] = w["fta_prefix"]
    w["wildcard"] = categorical(np.array(["*"], dtype=object), np.zeros(len(w), int), w.index)
    return w


def _lookups() -> list[tuple[str, pd.DataFrame, list[str], list[str], str | None]]:
    d = load_tariff_data()
    members = d.fta_members.rename(columns={"agreement": "fta"})
    return [
        ("basic", d.rates[d.rates["tier"] == "A"], ["hs6"], ["rate", "reference"], None),
        ("fta", d.rates, ["hs6", "tier"], ["rate", "reference"], None),
        ("chapter", d.chapter_defaults, ["chapter"], ["rate", "reference"], None),
        ("member", members, ["fta", "origin"], ["reference"], None),
        ("remedy", d.remedies, ["hs6", "origin", "supplier"], ["rate", "measure"], None),
        ("remedy *", d.remedies, ["hs6", "origin", "supplier"], ["rate", "reference"], "*"),
    ]


@pytest.mark.parametrize("case", _lookups(), ids=lambda c: c[0])
def test_few_rows_equal_the_merge(
    case: tuple[str, pd.DataFrame, list[str], list[str], str | None],
) -> None:
    _, table, on, cols, wildcard = case
    w = _rows()
    if wildcard:
        w = w.assign(supplier=w["wildcard"])
    many = dated_lookup(w, table, on, cols)  # more than FEW_ROWS rows: the merge
    assert len(w) > FEW_ROWS
    found = int(many[cols[0]].notna().sum())
    assert found > 0 or case[0] == "remedy *"
    for start in range(0, len(w), 5):
        few = dated_lookup(w.iloc[start : start + 5], table, on, cols)
        pd.testing.assert_frame_equal(few, many.iloc[start : start + 5])
