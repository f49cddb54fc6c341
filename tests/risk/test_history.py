"""History features never see the future: strict day order for training rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.risk.features import FEATURES, build_features, fit_vocab
from opencustoms.risk.history import (
    KEYS,
    STATS,
    UNIT_VALUE_KEYS,
    History,
    S,
    derive_columns,
    derive_record,
    prior_stats,
)


def _rows(dates: list[str], fraud: list[int | None], importer: str = "IMP1") -> pd.DataFrame:
    n = len(dates)
    return pd.DataFrame(
        {
            "declaration_id": [f"D{i}" for i in range(n)],
            "item_no": 1,
            "declaration_date": pd.to_datetime(dates),
            "office_id": "40",
            "importer_id": importer,
            "declarant_id": "DCL",
            "seller_id": "SEL",
            "courier_id": None,
            "hs_code": "851712",
            "origin_country": "CN",
            "departure_country": "CN",
            "tax_rate": 8.0,
            "net_mass_kg": 10.0,
            "item_price_krw": 1000.0,
            "fraud": pd.array(fraud, dtype="Int64"),
            "critical_fraud": pd.array(fraud, dtype="Int64"),
        }
    )


def test_same_day_rows_do_not_see_each_other_and_later_days_see_earlier() -> None:
    frame = _rows(["2020-01-01", "2020-01-01", "2020-01-02", "2020-01-05"], [1, 1, 0, None])
    importer = prior_stats(frame)["importer"]
    assert importer[:, S["n_decl"]].tolist() == [0, 0, 2, 3]
    assert importer[:, S["n_insp"]].tolist() == [0, 0, 2, 3]
    assert importer[:, S["fraud"]].tolist() == [0, 0, 2, 2]


def test_unlabelled_rows_count_as_declarations_but_not_inspections() -> None:
    frame = _rows(["2020-01-01", "2020-01-02", "2020-01-03"], [None, None, 1])
    importer = prior_stats(frame)["importer"]
    assert importer[2, S["n_decl"]] == 2
    assert importer[2, S["n_insp"]] == 0


def test_planted_future_row_changes_no_earlier_feature(small_train: pd.DataFrame) -> None:
    base = small_train.sort_values("declaration_date", kind="stable").reset_index(drop=True)
    vocab = fit_vocab(base)
    before = build_features(base, prior_stats(base), vocab)
    # A fraud by the busiest importer, same HS/origin/seller, dated after everything else.
    busiest = base["importer_id"].value_counts().index[0]
    planted = base.loc[base["importer_id"] == busiest].iloc[[0]].copy()
    planted["declaration_date"] = base["declaration_date"].max() + pd.Timedelta(days=1)
    planted["fraud"] = pd.array([1], dtype="Int64")
    planted["declaration_id"] = "PLANTED"
    with_future = pd.concat([base, planted], ignore_index=True)
    after = build_features(with_future, prior_stats(with_future), vocab)
    np.testing.assert_array_equal(np.nan_to_num(before, nan=-9), np.nan_to_num(after[:-1], nan=-9))
    # ... and the planted row itself sees the whole past of its importer.
    imp = prior_stats(with_future)["importer"][-1]
    assert imp[S["n_decl"]] == (base["importer_id"] == planted["importer_id"].iloc[0]).sum()


def test_planted_row_inside_the_period_is_seen_only_by_later_days(
    small_train: pd.DataFrame,
) -> None:
    base = small_train.sort_values("declaration_date", kind="stable").reset_index(drop=True)
    mid = base["declaration_date"].iloc[len(base) // 2]
    planted = _rows([str(mid.date())], [1], importer="NEWIMPORTER")
    planted = derive_columns(planted).reindex(columns=base.columns)
    later = _rows([str((mid + pd.Timedelta(days=1)).date())], [0], importer="NEWIMPORTER")
    later = later.reindex(columns=base.columns)
    same_day = _rows([str(mid.date())], [0], importer="NEWIMPORTER").reindex(columns=base.columns)
    frame = pd.concat([base, planted, same_day, later], ignore_index=True)
    imp = prior_stats(frame)["importer"]
    assert imp[-3, S["n_decl"]] == 0  # the planted row: nothing before it
    assert imp[-2, S["n_decl"]] == 0  # same day: does not see the planted row
    assert imp[-1, S["fraud"]] == 1  # next day: sees it


def test_scoring_history_equals_training_prior_after_the_last_day(
    small_train: pd.DataFrame,
) -> None:
    hist = History.fit(small_train)
    probe = small_train.iloc[[0]].copy()
    probe["declaration_date"] = small_train["declaration_date"].max() + pd.Timedelta(days=1)
    frame = pd.concat([small_train, probe], ignore_index=True)
    trained = prior_stats(frame)
    looked_up = hist.lookup(probe)
    for key in KEYS:
        # Scoring gathers unit-value sums only for the HS6 benchmark keys.
        width = len(STATS) if key in UNIT_VALUE_KEYS else S["luv_n"]
        np.testing.assert_allclose(trained[key][-1][:width], looked_up[key][0][:width], atol=1e-9)
    x_train = build_features(frame, trained, fit_vocab(small_train))[-1]
    x_score = build_features(probe, looked_up, fit_vocab(small_train))[0]
    # Summation order differs (running sums vs totals): equal up to rounding.
    np.testing.assert_allclose(
        np.nan_to_num(x_train, nan=-9), np.nan_to_num(x_score, nan=-9), atol=1e-9
    )
    assert len(x_train) == len(FEATURES)


def test_line_key_reads_the_same_from_frames_records_and_integer_prices() -> None:
    # Four earlier declarations of one line (HS6, origin, mass, price), one of them a fraud.
    hist = History.fit(derive_columns(_rows(["2020-01-01"] * 4, [1, 0, None, None])))
    base = _rows(["2020-01-02"], [None]).drop(columns=["fraud", "critical_fraud"])
    record = {**base.iloc[0].to_dict(), "net_mass_kg": 10, "item_price_krw": 1000}
    other = {**record, "item_price_krw": 1001}
    by_record = hist.lookup_records([derive_record(record), derive_record(other)])["line"]
    frame = pd.DataFrame([record, other]).astype({"item_price_krw": "int64"})
    by_frame = hist.lookup(frame)["line"]
    for got in (by_record, by_frame):
        assert got[0][S["n_decl"]] == 4 and got[0][S["n_insp"]] == 2 and got[0][S["fraud"]] == 1
        assert got[1][S["n_decl"]] == 0  # a cent more is another line
