"""The evidence that rescues the hard cases, on small hand-built tables: over-invoicers
whose shells share a price cell, a rerouter with ordinary business in the same goods, and
an exporter whose proceeds stop coming back late in the period."""

from __future__ import annotations

import re
from typing import Any, cast

import numpy as np
import pandas as pd

from opencustoms.tradecrime import cycles, flows, pricing
from opencustoms.tradecrime.prepare import TradeData

START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2024-12-31")


def _decl(rows: list[dict[str, Any]]) -> pd.DataFrame:
    d = pd.DataFrame(rows)
    d["declaration_id"] = [f"D{i}" for i in range(len(d))]
    d["item_no"] = 1
    d["date"] = pd.to_datetime(d["date"])
    d["net_mass_kg"] = d["quantity"]
    d["hs_code"] = d["hs6"] + "0000"
    for col in ("origin_country", "destination_country"):
        if col not in d:
            d[col] = None
    return d


def _data(decl: pd.DataFrame, pay: pd.DataFrame | None = None) -> TradeData:
    if pay is None:
        pay = pd.DataFrame(
            columns=[
                "settlement_id", "date", "company_id", "direction", "purpose",
                "amount_krw", "declaration_ref", "partner_id",
            ]
        )  # fmt: skip
    return TradeData(
        decl=decl,
        pay=pay,
        tx=pd.DataFrame(),
        wallets=pd.DataFrame(),
        companies=pd.DataFrame(columns=["company_id", "country"]),
        links=pd.DataFrame(),
        graph=cast(Any, None),
        start=START,
        end=END,
    )


def _days(n: int, every: int = 20) -> list[pd.Timestamp]:
    return [START + pd.Timedelta(days=15 + every * i) for i in range(n)]


def test_shells_in_one_price_cell_do_not_make_each_other_look_normal() -> None:
    rng = np.random.default_rng(0)
    rows = []
    # six market importers buy HS 847989 from suppliers they share, at ~KRW 10,000 a kg
    for k in range(6):
        for i, day in enumerate(_days(8)):
            rows.append(
                {"company_id": f"K{k}", "direction": "import", "hs6": "847989",
                 "counterparty_country": "CN", "partner_id": f"F{(k + i) % 3}", "date": day,
                 "quantity": 100.0, "value_krw": 1e6 * float(np.exp(rng.normal(0, 0.1)))}
            )  # fmt: skip
    # four over-invoicers, each through its own Singapore shell, at 3-4x that price
    for k in range(4):
        for day in _days(8):
            rows.append(
                {"company_id": f"O{k}", "direction": "import", "hs6": "847989",
                 "counterparty_country": "SG", "partner_id": f"S{k}", "date": day,
                 "quantity": 100.0, "value_krw": 1e6 * (3 + k / 3)}
            )  # fmt: skip
    data = _data(_decl(rows))
    items = pricing.price_levels(data)
    assert not items.loc[items["company_id"].str.startswith("O"), "market"].any()
    got = pricing.invoicing(data, items)
    over = got[got["typology"] == "over_invoicing"].set_index("subject_id")
    assert set(over.index) == {"O0", "O1", "O2", "O3"}
    assert (over["raw"] > np.log(2.5)).all()
    assert "captive or shell" in over.loc["O0", "explanation"]


def _rerouting_rows(ordinary: int) -> list[dict[str, Any]]:
    rows = []
    # ordinary business: the same goods from a Chinese supplier, sold at home
    for day in _days(ordinary, every=7):
        rows.append(
            {"company_id": "R", "direction": "import", "hs6": "620342",
             "counterparty_country": "CN", "partner_id": "CN1", "origin_country": "CN",
             "date": day, "quantity": 1000.0, "value_krw": 2e7}
        )  # fmt: skip
    # the scheme: another supplier's goods leave for one US buyer as Korean goods
    for i, day in enumerate(_days(5, every=90)):
        qty = 500.0 + 37 * i
        rows.append(
            {"company_id": "R", "direction": "import", "hs6": "620342",
             "counterparty_country": "CN", "partner_id": "CN2", "origin_country": "CN",
             "date": day, "quantity": qty, "value_krw": 1e7}
        )  # fmt: skip
        rows.append(
            {"company_id": "R", "direction": "export", "hs6": "620342",
             "counterparty_country": "US", "partner_id": "US1", "origin_country": "KR",
             "destination_country": "US", "date": day + pd.Timedelta(days=20),
             "quantity": qty * 0.98, "value_krw": 1.1e7}
        )  # fmt: skip
    return rows


def test_a_rerouting_lane_is_not_diluted_by_ordinary_imports_of_the_same_goods() -> None:
    got = cycles.rerouting(_data(_decl(_rerouting_rows(ordinary=90))))
    assert list(got["subject_id"]) == ["R"]
    row = got.iloc[0]
    # firm-wide only 5 of 95 imports passed through; the lane CN2 -> US1 is 5 of 5
    assert row["raw"] == 1.0
    assert "One lane stands out: 5 of its 5 imports" in row["explanation"]


def test_exports_unpaid_only_late_in_the_period_are_judged_on_the_recent_months() -> None:
    rows, pay = [], []
    for i, day in enumerate(_days(36)):
        did = f"D{i}"
        rows.append(
            {"company_id": "X", "direction": "export", "hs6": "854231",
             "counterparty_country": "US", "partner_id": "B1", "date": day,
             "quantity": 10.0, "value_krw": 1e8}
        )  # fmt: skip
        if day < pd.Timestamp("2024-01-01"):  # paid 40 days later until the onset
            pay.append(
                {"settlement_id": f"S{i}", "date": day + pd.Timedelta(days=40),
                 "company_id": "X", "direction": "in", "purpose": "goods_export",
                 "amount_krw": 1e8, "declaration_ref": did, "partner_id": "B1"}
            )  # fmt: skip
    data = _data(_decl(rows), pd.DataFrame(pay))
    got = flows.unrepatriated(data).set_index("subject_id")
    row = got.loc["X"]
    match = re.search(r"(\d+)% of the value never came back", row["explanation"])
    assert match is not None
    whole = int(match.group(1)) / 100
    assert whole < 0.5  # the paid early months dilute the whole period
    assert row["raw"] > 0.6  # the months since the onset alone
    assert "The recent months are worse" in row["explanation"]
