"""Goods that come back or pass through: circular trade among related parties and origin
rerouting to the United States. Pairs of declarations are joined with DuckDB.

Circular trade: an export of HS6 goods to a foreign firm related to the exporter (owned
by it, its officers or their family; entity graph), re-imported within
``cycles.max_days`` by the exporter or a related Korean firm from a firm related to the
exporter, quantities within ``cycles.qty_tolerance``; repeated.

Origin rerouting: an import of HS6 goods of foreign origin, re-exported by the same firm to
a ``rerouting.destinations`` country within ``rerouting.max_days`` declaring Korean origin,
with the quantity kept (``rerouting.qty_band``) and little value added
(``rerouting.max_value_added``); repeated.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd

from opencustoms.tradecrime.flows import CANDIDATE_COLUMNS, ids
from opencustoms.tradecrime.params import param
from opencustoms.tradecrime.prepare import TradeData

_COLS = [
    "declaration_id",
    "company_id",
    "partner_id",
    "hs6",
    "date",
    "quantity",
    "value_krw",
    "origin_country",
    "destination_country",
]


def _related_foreign(data: TradeData, exporters: list[str]) -> pd.DataFrame:
    """(company_id, partner_id, via) for foreign firms related to each exporter."""
    foreign = set(data.companies.loc[data.companies["country"] != "KR", "company_id"].astype(str))
    korean = data.korean
    rows = []
    for c in exporters:
        near = data.graph.related(c, 3)
        for f in near & foreign:
            rows.append((c, f, "foreign"))
        for k in near & korean:
            rows.append((c, k, "korean"))
    return pd.DataFrame(rows, columns=["company_id", "other", "kind"])


def circular(data: TradeData) -> pd.DataFrame:
    d = data.decl
    exp = d.loc[(d["direction"] == "export") & d["partner_id"].notna(), _COLS]
    imp = d.loc[(d["direction"] == "import") & d["partner_id"].notna(), _COLS]
    rel = _related_foreign(data, sorted(exp["company_id"].astype(str).unique()))
    rel_f = rel[rel["kind"] == "foreign"]
    rel_k = rel[rel["kind"] == "korean"]
    con = duckdb.connect()
    for name, frame in (("exp", exp), ("imp", imp), ("rel_f", rel_f), ("rel_k", rel_k)):
        con.register(name, frame)
    tol, days = float(param("cycles.qty_tolerance")), int(param("cycles.max_days"))
    pairs = con.execute(f"""
        WITH out AS (
            SELECT e.* FROM exp e JOIN rel_f r
              ON r.company_id = e.company_id AND r.other = e.partner_id)
        SELECT o.company_id AS exporter, i.company_id AS importer,
               o.declaration_id AS export_id, i.declaration_id AS import_id,
               o.partner_id AS shell_out, i.partner_id AS shell_in, o.date AS d_out,
               i.date AS d_in, o.value_krw AS v_out, i.value_krw AS v_in
        FROM out o JOIN imp i
          ON i.hs6 = o.hs6 AND i.date > o.date AND i.date <= o.date + INTERVAL {days} DAY
         AND abs(i.quantity - o.quantity) <= {tol} * o.quantity
        WHERE (i.company_id = o.company_id
               OR EXISTS (SELECT 1 FROM rel_k k WHERE k.company_id = o.company_id
                          AND k.other = i.company_id))
          AND EXISTS (SELECT 1 FROM rel_f f WHERE f.company_id = o.company_id
                      AND f.other = i.partner_id)
    """).df()
    con.close()
    # one re-import closes one cycle: keep the nearest export before it
    pairs = pairs.sort_values("d_out").drop_duplicates("import_id", keep="last")
    pairs = pairs.drop_duplicates("export_id", keep="first")
    rows = []
    for exporter, g in pairs.groupby("exporter"):
        n = len(g)
        if n < 2:
            continue
        importers = sorted(set(g["importer"]))
        links = {
            " - ".join(data.graph.path(str(exporter), str(x)))
            for x in [*importers, *g["shell_out"], *g["shell_in"]]
            if x != exporter
        }
        for subject in dict.fromkeys([str(exporter), *map(str, importers)]):
            rows.append(
                {
                    "subject_id": subject,
                    "typology": "circular_trade",
                    "raw": float(n),
                    "period_start": g["d_out"].min(),
                    "period_end": g["d_in"].max(),
                    "amount_krw": float(g["v_out"].sum()),
                    "evidence": {
                        "declarations": ids([*g["export_id"], *g["import_id"]]),
                        "links": ids(sorted(links)),
                    },
                    "explanation": (
                        f"{n} cycles: {exporter} exported goods to related foreign firms and "
                        f"{', '.join(importers)} re-imported the same HS6 in similar quantities "
                        f"within {days} days (KRW {g['v_out'].sum():,.0f} exported)."
                    ),
                }
            )
    out = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
    # a firm in two schemes: its strongest one
    return out.sort_values("raw").drop_duplicates("subject_id", keep="last")


def rerouting(data: TradeData) -> pd.DataFrame:
    d = data.decl
    dests = list(param("rerouting.destinations"))
    lo, hi = param("rerouting.qty_band")
    days, va = int(param("rerouting.max_days")), float(param("rerouting.max_value_added"))
    imp = d.loc[(d["direction"] == "import") & ~d["origin_country"].isin(["KR", *dests]), _COLS]
    exp = d.loc[
        (d["direction"] == "export")
        & d["destination_country"].isin(dests)
        & d["origin_country"].fillna("KR").eq("KR"),
        _COLS,
    ]
    con = duckdb.connect()
    con.register("imp", imp)
    con.register("exp", exp)
    pairs = con.execute(f"""
        SELECT i.company_id, i.declaration_id AS import_id, e.declaration_id AS export_id,
               i.hs6, i.partner_id AS supplier, e.partner_id AS buyer,
               i.origin_country AS origin, e.destination_country AS dest, i.date AS d_in,
               e.date AS d_out, i.value_krw AS v_in, e.value_krw AS v_out
        FROM imp i JOIN exp e
          ON e.company_id = i.company_id AND e.hs6 = i.hs6
         AND e.date >= i.date AND e.date <= i.date + INTERVAL {days} DAY
         AND e.quantity BETWEEN {lo} * i.quantity AND {hi} * i.quantity
         AND e.value_krw <= {va} * i.value_krw AND e.value_krw >= 0.8 * i.value_krw
    """).df()
    con.close()
    pairs = pairs.sort_values("d_out").drop_duplicates("import_id").drop_duplicates("export_id")
    # the share of the firm's foreign-origin imports of those goods that pass straight
    # through: a distributor who also exports sometimes matches by chance
    exported = exp[["company_id", "hs6"]].drop_duplicates()
    base = imp.merge(exported, on=["company_id", "hs6"]).groupby("company_id").size()
    lanes_by: dict[Any, dict[Any, Any]] = _lanes(pairs, imp, exp).to_dict("index")
    rows = []
    for company, g in pairs.groupby("company_id"):
        n = len(g)
        if n < 2:
            continue
        share = n / float(base.get(company, n))
        added = float(np.median(g["v_out"] / g["v_in"]) - 1)
        firm_score = share * min(1.0, n / 3)
        lane = lanes_by.get(str(company))
        lane_score = float(lane["score"]) if lane is not None else 0.0
        why = ""
        if lane is not None and lane_score > firm_score:
            why = (
                f" One lane stands out: {int(lane['n'])} of its {int(lane['n_in'])} imports of "
                f"HS {lane['hs6']} from {lane['supplier']} went on to {lane['buyer']}, and "
                f"{int(lane['n'])} of its {int(lane['n_out'])} exports of those goods to "
                f"{lane['buyer']} were such imports (the lane is scored on its own, so "
                f"the firm's other trade in those goods does not dilute it)."
            )
        rows.append(
            {
                "subject_id": company,
                "typology": "origin_rerouting",
                "raw": max(firm_score, lane_score),
                "period_start": g["d_in"].min(),
                "period_end": g["d_out"].max(),
                "amount_krw": float(g["v_out"].sum()),
                "evidence": {"declarations": ids([*g["import_id"], *g["export_id"]])},
                "explanation": (
                    f"{n} times goods imported from {', '.join(sorted(set(g['origin'])))} left for "
                    f"{', '.join(sorted(set(g['dest'])))} within {days} days as Korean-origin "
                    f"goods, "
                    f"same HS6 and quantity, {added:.0%} value added (median); {share:.0%} of its "
                    f"imports of those goods passed through." + why
                ),
            }
        )
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)


def _lanes(pairs: pd.DataFrame, imp: pd.DataFrame, exp: pd.DataFrame) -> pd.DataFrame:
    """Per firm, its strongest lane: one supplier -> one US buyer in one HS6.

    A rerouter that also trades those goods in its ordinary business dilutes the firm-wide
    pass-through share (5 of 100 imports), but the scheme runs through a lane of its own:
    nearly every import from that supplier goes on to that buyer, and nearly every export
    to that buyer is such an import. Score: the smaller of the two shares x min(1, n / 3)
    (a distributor whose chance matches are spread over busy lanes stays low)."""
    key = ["company_id", "hs6"]
    lane = pairs.groupby([*key, "supplier", "buyer"]).size().rename("n").reset_index()
    n_in = imp.groupby([*key, "partner_id"]).size().rename("n_in")
    n_out = exp.groupby([*key, "partner_id"]).size().rename("n_out")
    lane = lane.merge(
        n_in.reset_index().rename(columns={"partner_id": "supplier"}), on=[*key, "supplier"]
    ).merge(n_out.reset_index().rename(columns={"partner_id": "buyer"}), on=[*key, "buyer"])
    share = np.minimum(lane["n"] / lane["n_in"], lane["n"] / lane["n_out"])
    lane["score"] = share * np.minimum(1.0, lane["n"] / 3)
    return lane.sort_values("score").groupby("company_id").tail(1).set_index("company_id")
