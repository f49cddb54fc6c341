"""The plain baseline the detectors are measured against: one fixed-threshold rule per
typology, the kind of rule an analyst writes first. Same inputs, no lag modelling, no
netting, no peer groups, no entity graph, no entity resolution.

=================================  ==========================================================
export_proceeds_unrepatriated      exports declared > 1.3 x goods receipts over the data
import_overpayment                 all payments abroad (any purpose) > 1.3 x imports
over_invoicing / under_invoicing   >= 3 items flagged over / under by ``valuation``
                                   (HS6 x origin benchmarks, robust z 2.5)
circular_trade                     >= 3 exports re-imported as the same HS6 within 90 days
                                   (any partners, any firm)
inflated_exports                   listed and exports doubled year on year
hwanchigi                          a person with >= 10 transfers just under the threshold;
                                   the person and every firm the person is linked to
origin_rerouting                   >= 2 imports re-exported to the US as the same HS6
                                   within 60 days
=================================  ==========================================================
"""

from __future__ import annotations

from typing import Any

import duckdb
import pandas as pd

from opencustoms.tradecrime.hwanchigi import outflows
from opencustoms.tradecrime.prepare import TradeData
from opencustoms.valuation.benchmarks import BenchmarkState
from opencustoms.valuation.service import score_frame


def _rows(subjects: Any, typology: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"subject_id": [str(s) for s in subjects], "typology": typology, "score": 1.0}
    )


def baseline(data: TradeData) -> pd.DataFrame:
    """(subject_id, typology, score=1) per rule hit."""
    d, p = data.decl, data.pay
    out = []
    by = lambda f, v: f.groupby("company_id")[v].sum()  # noqa: E731
    e = by(d[d["direction"] == "export"], "value_krw")
    r = by(p[p["purpose"] == "goods_export"], "amount_krw").reindex(e.index).fillna(0)
    out.append(_rows(e.index[e > 1.3 * r], "export_proceeds_unrepatriated"))
    i = by(d[d["direction"] == "import"], "value_krw")
    paid = by(p[p["direction"] == "out"], "amount_krw").reindex(i.index).fillna(0)
    out.append(_rows(i.index[paid > 1.3 * i], "import_overpayment"))

    frame = pd.DataFrame(
        {
            "hs_code": d["hs6"],
            "origin_country": d["origin_country"].fillna("ZZ"),
            "declaration_date": d["date"],
            "item_price_krw": d["value_krw"],
            "net_mass_kg": d["net_mass_kg"],
            "quantity": d["quantity"],
        }
    )
    imp = d["direction"] == "import"
    state = BenchmarkState.empty().update(frame[imp])
    flags = score_frame(frame=frame[imp], benchmarks=state)["valuation_flag"]
    for flag, typology in (("over", "over_invoicing"), ("under", "under_invoicing")):
        n = d.loc[flags.index[flags == flag], "company_id"].value_counts()
        out.append(_rows(n.index[n >= 3], typology))

    con = duckdb.connect()
    cols = ["company_id", "hs6", "date", "quantity", "destination_country", "declaration_id"]
    con.register("exp", d.loc[d["direction"] == "export", cols])
    con.register("imp", d.loc[d["direction"] == "import", cols])
    cyc = con.execute("""
        SELECT e.company_id AS a, i.company_id AS b, count(DISTINCT e.declaration_id) AS n
        FROM exp e JOIN imp i ON i.hs6 = e.hs6 AND i.date > e.date
         AND i.date <= e.date + INTERVAL 90 DAY
         AND abs(i.quantity - e.quantity) <= 0.15 * e.quantity
        GROUP BY 1, 2 HAVING count(DISTINCT e.declaration_id) >= 3
    """).df()
    out.append(_rows(sorted(set(cyc["a"]) | set(cyc["b"])), "circular_trade"))
    rer = con.execute("""
        SELECT i.company_id, count(DISTINCT i.declaration_id) AS n
        FROM imp i JOIN exp e ON e.company_id = i.company_id AND e.hs6 = i.hs6
         AND e.destination_country = 'US' AND e.date >= i.date
         AND e.date <= i.date + INTERVAL 60 DAY
        GROUP BY 1 HAVING count(DISTINCT i.declaration_id) >= 2
    """).df()
    con.close()
    out.append(_rows(rer["company_id"], "origin_rerouting"))

    exp = d[d["direction"] == "export"]
    y1 = data.end - pd.Timedelta(days=365)
    e1 = by(exp[exp["date"] > y1], "value_krw")
    e0 = by(exp[exp["date"].between(y1 - pd.Timedelta(days=365), y1)], "value_krw")
    growth = (e1 / e0.reindex(e1.index)).dropna()
    listed = set(data.companies.loc[data.companies["listed"] == 1, "company_id"])
    out.append(_rows([c for c in growth.index[growth >= 2] if c in listed], "inflated_exports"))

    o = outflows(data)
    n_struct = o[o["structured"]].groupby("person").size()
    persons = [str(p) for p in n_struct.index[n_struct >= 10]]
    korean = data.korean
    linked = {c for pid in persons for c in data.graph.related(pid, 2) if c in korean}
    out.append(_rows([*persons, *sorted(linked)], "hwanchigi"))
    return pd.concat(out, ignore_index=True).drop_duplicates(["subject_id", "typology"])
