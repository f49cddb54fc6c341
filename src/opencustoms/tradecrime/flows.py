"""Money against goods: export proceeds never received, payments abroad above the imports,
and listed firms whose export boom goes to related buyers who do not pay.

Every detector returns *candidates* (``CANDIDATE_COLUMNS``) with a raw score that
``calibration.py`` turns into a probability; none reads labels.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.tradecrime.params import param
from opencustoms.tradecrime.prepare import TradeData

CANDIDATE_COLUMNS = [
    "subject_id",
    "typology",
    "raw",
    "period_start",
    "period_end",
    "amount_krw",
    "evidence",
    "explanation",
]
MAX_IDS = 200  # evidence ids per kind kept on an alert (the rest is in the data)


def ids(values: pd.Series | list[str]) -> list[str]:
    return [str(v) for v in list(pd.unique(pd.Series(values).dropna()))[:MAX_IDS]]


def _lags(data: TradeData, direction: str) -> pd.DataFrame:
    """Per firm: days from declaration to a payment that cites it (median and 90th pct)."""
    purpose = "goods_export" if direction == "export" else "goods_import"
    heads = data.decl[data.decl["direction"] == direction].groupby("declaration_id")["date"].min()
    p = data.pay[(data.pay["purpose"] == purpose) & data.pay["declaration_ref"].notna()]
    lag = (p["date"] - p["declaration_ref"].map(heads)).dt.days
    frame = pd.DataFrame({"company_id": p["company_id"], "lag": lag}).dropna()
    g = frame.groupby("company_id")["lag"]
    return pd.DataFrame({"median": g.median(), "q90": g.quantile(0.9)})


def allowance(data: TradeData) -> pd.Series:
    """Days after an export before its proceeds are expected, per exporter."""
    lo, hi = param("payments.min_lag_allowance_days"), param("payments.max_lag_allowance_days")
    q90 = _lags(data, "export")["q90"]
    # firms that never cite a declaration: the shift between the value-weighted mean dates
    # of their receipts and of their exports (a lower bound: late receipts are not in yet)
    exp = data.decl[data.decl["direction"] == "export"]
    rec = data.pay[(data.pay["direction"] == "in") & (data.pay["purpose"] == "goods_export")]
    centroid = _mean_date(rec, "amount_krw") - _mean_date(exp, "value_krw")
    lag = pd.concat([q90, centroid.rename("q90")], axis=1).max(axis=1)
    return (1.2 * lag).clip(lower=lo, upper=hi).fillna(lo).rename("allowance")


def _mean_date(frame: pd.DataFrame, weight: str) -> pd.Series:
    """Value-weighted mean date per firm, in days since the epoch."""
    days = (frame["date"] - pd.Timestamp(0)).dt.days.astype(float)
    w = frame[weight].fillna(0)
    num = (days * w).groupby(frame["company_id"]).sum()
    return num / w.groupby(frame["company_id"]).sum()


def _sum_by(frame: pd.DataFrame, value: str) -> pd.Series:
    return frame.groupby("company_id")[value].sum()


def _late_window(
    due: pd.DataFrame, received: pd.DataFrame, cutoff: pd.Series, lag: pd.Series
) -> pd.DataFrame:
    """Per exporter, the last ``flows.late_window_days`` of exports due before its cutoff
    against the receipts that belong to them: receipts shifted back by the firm's own
    median lag.

    An exporter that stops being paid late in the period shows only a small unpaid share
    over the whole period (the paid early months dilute it); this window sees the
    recent months alone. Receipts are aligned, not matched: a receipt shifted into the
    window counts for the window whichever export it paid."""
    start = cutoff - pd.Timedelta(days=int(param("flows.late_window_days")))
    in_w = due["date"] > due["company_id"].map(start)
    e = _sum_by(due[in_w], "value_krw")
    n = due[in_w].groupby("company_id")["declaration_id"].nunique()
    shift = pd.to_timedelta(received["company_id"].map(lag).fillna(45.0), unit="D")
    aligned = received["date"] - shift
    r_in = (aligned > received["company_id"].map(start)) & (
        aligned <= received["company_id"].map(cutoff)
    )
    r = _sum_by(received[r_in], "amount_krw").reindex(e.index).fillna(0)
    return pd.DataFrame({"e": e, "r": r, "n": n.reindex(e.index).fillna(0), "start": start})


def unrepatriated(data: TradeData) -> pd.DataFrame:
    """Exports whose proceeds never came back, allowing each firm its own payment lag,
    instalments (they arrive within the lag) and netting against its unpaid imports.

    Scored on the whole period and on the recent months alone (``_late_window``), the
    higher of the two: a firm whose proceeds stopped coming back late in the period is
    judged on the months since, with fewer exports discounted."""
    d, p = data.decl, data.pay
    exp = d[d["direction"] == "export"]
    allow = (
        allowance(data)
        .reindex(exp["company_id"].unique())
        .fillna(param("payments.min_lag_allowance_days"))
    )
    cutoff = data.end - pd.to_timedelta(allow, unit="D")
    due = exp[exp["date"] <= exp["company_id"].map(cutoff)]
    e = _sum_by(due, "value_krw")
    received = p[(p["direction"] == "in") & (p["purpose"] == "goods_export")]
    r = _sum_by(received, "amount_krw").reindex(e.index).fillna(0)
    imp = d[(d["direction"] == "import") & (d["date"] <= d["company_id"].map(cutoff))]
    paid = p[(p["direction"] == "out") & (p["purpose"] == "goods_import")]
    unpaid_imports = (_sum_by(imp, "value_krw") - _sum_by(paid, "amount_krw")).clip(lower=0)
    offset = unpaid_imports.reindex(e.index).fillna(0)
    short = (e - r - offset).clip(lower=0)
    ratio = short / e
    late = _late_window(due, received, cutoff, _lags(data, "export")["median"])
    late = late.reindex(e.index)
    # the whole period's nettable imports all count against the window (conservative)
    late_short = (late["e"] - late["r"] - offset).clip(lower=0)
    shrink = float(param("flows.late_shrink"))  # a handful of lumpy exports proves little
    late_ratio = (late_short / late["e"]).fillna(0) * late["n"] / (late["n"] + shrink)
    late_ok = (late["n"] >= int(param("flows.late_min_exports"))) & (
        late["e"] >= param("flows.min_amount_krw")
    )
    late_ratio = late_ratio.where(late_ok, 0.0)
    use_late = late_ratio > ratio
    keep = (e >= param("flows.min_amount_krw")) & (np.maximum(ratio, late_ratio) > 0.05)
    due = due.assign(cited=due["declaration_id"].isin(received["declaration_ref"].dropna()))
    due_by = dict(tuple(due.groupby("company_id")))
    got_by = received.groupby("company_id")["settlement_id"].agg(list)
    rows = []
    for company in e.index[keep]:
        mine = due_by[company]
        recent = bool(use_late[company])
        if recent:
            w = late.loc[company]
            mine = mine[mine["date"] > w["start"]]
            why = (
                f" Since {w['start']:%Y-%m-%d} alone: {int(w['n'])} exports of KRW "
                f"{w['e']:,.0f} against KRW {w['r']:,.0f} received for that period (receipts "
                f"taken back by the firm's usual lag); {late_short[company] / w['e']:.0%} "
                f"unpaid, scored {late_ratio[company]:.0%} after a discount for the number "
                f"of exports in the window (n / (n + {shrink:.0f})). The recent months are "
                f"worse than the whole period's {ratio[company]:.0%}: the proceeds stopped "
                f"coming back there."
            )
        else:
            why = ""
        rows.append(
            {
                "subject_id": company,
                "typology": "export_proceeds_unrepatriated",
                "raw": float(max(ratio[company], late_ratio[company])),
                "period_start": mine["date"].min(),
                "period_end": cutoff[company],
                "amount_krw": float(late_short[company] if recent else short[company]),
                "evidence": {
                    "declarations": ids(mine.loc[~mine["cited"], "declaration_id"]),
                    "settlements": ids(got_by.get(company, [])),
                },
                "explanation": (
                    f"Exports of KRW {e[company]:,.0f} declared up to {cutoff[company]:%Y-%m-%d} "
                    f"({allow[company]:.0f} days before the data ends: the firm's own payment "
                    f"lag); "
                    f"KRW {r[company]:,.0f} received and KRW {offset[company]:,.0f} nettable "
                    f"against "
                    f"unpaid imports; {ratio[company]:.0%} of the value never came back." + why
                ),
            }
        )
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)


def _cited_ratio(imp: pd.DataFrame, paid: pd.DataFrame, last: pd.Timestamp) -> pd.DataFrame:
    """Over the last year: per firm, the median of paid / declared over the declarations
    its payments cite (timing-free where payments name what they pay for)."""
    w0 = last - pd.DateOffset(months=12)
    value = imp[imp["date"].between(w0, last)].groupby("declaration_id")["value_krw"].sum()
    cited = paid[paid["declaration_ref"].isin(value.index)]
    per = cited.groupby(["company_id", "declaration_ref"])["amount_krw"].sum().reset_index()
    per["ratio"] = per["amount_krw"] / per["declaration_ref"].map(value).to_numpy()
    g = per.groupby("company_id")
    out = pd.DataFrame({"ratio": g["ratio"].median(), "n": g.size()})
    out = out[out["n"] >= CITED_ENOUGH]
    i_w = per.assign(v=per["declaration_ref"].map(value)).groupby("company_id")["v"].sum()
    return pd.DataFrame({"i_w": i_w.reindex(out.index), "ratio": out["ratio"], "w0": w0}).assign(
        p_w=lambda f: f["i_w"] * f["ratio"]
    )


CITED_ENOUGH = 5  # cited declarations from which a firm is judged on them alone


def overpayment(data: TradeData) -> pd.DataFrame:
    """Goods payments abroad well above the goods imported, on the firm's own payment
    timeline (prepayers and slow payers compared with the imports their payments follow)."""
    d, p = data.decl, data.pay
    imp = d[d["direction"] == "import"]
    paid = p[(p["direction"] == "out") & (p["purpose"] == "goods_import")].copy()
    lag = _lags(data, "import")["median"].reindex(paid["company_id"].unique()).fillna(30.0)
    paid["aligned"] = paid["date"] - pd.to_timedelta(paid["company_id"].map(lag), unit="D")
    min_amount = float(param("flows.min_amount_krw"))
    last = data.end - pd.Timedelta(days=120)  # late imports may still be unpaid
    windows = []
    for months in (12, 24):  # the same calendar windows for every firm: one pass each
        w0 = max(last - pd.DateOffset(months=months), d["date"].min() + pd.Timedelta(days=60))
        in_i = imp["date"].between(w0, last)
        imp_sum = imp[in_i].groupby("company_id")["value_krw"].sum()
        paid_sum = paid[paid["aligned"].between(w0, last)].groupby("company_id")["amount_krw"].sum()
        w = pd.DataFrame({"i_w": imp_sum, "p_w": paid_sum}).fillna(0.0)
        n = imp[in_i].groupby("company_id")["declaration_id"].nunique()
        w = w[(w["i_w"] >= min_amount / 2) & (n.reindex(w.index).fillna(0) >= 8)]
        windows.append(w.assign(ratio=w["p_w"] / w["i_w"], w0=w0))
    # payments that name their declarations are direct evidence: such firms are judged on
    # them alone (window sums swing with a few large, lagged items)
    cited = _cited_ratio(imp, paid, last)
    windows = [w[~w.index.isin(cited.index)] for w in windows]
    best_of = pd.concat([*windows, cited]).sort_values("ratio").groupby(level=0).tail(1)
    best_of = best_of[best_of["ratio"] > 1.05]
    imp_by = {
        str(k): g for k, g in imp[imp["company_id"].isin(best_of.index)].groupby("company_id")
    }
    paid_by = {
        str(k): g for k, g in paid[paid["company_id"].isin(best_of.index)].groupby("company_id")
    }
    rows = []
    for key, best in best_of.iterrows():
        company = str(key)
        mine_i, mine_p = imp_by[company], paid_by[company]
        ratio, w0 = float(best["ratio"]), pd.Timestamp(best["w0"])
        p_w, i_w = float(best["p_w"]), float(best["i_w"])
        in_w = mine_p["aligned"].between(w0, last)
        rows.append(
            {
                "subject_id": company,
                "typology": "import_overpayment",
                "raw": float(np.log(ratio)),
                "period_start": w0,
                "period_end": last,
                "amount_krw": p_w - i_w,
                "evidence": {
                    "settlements": ids(mine_p.loc[in_w, "settlement_id"]),
                    "declarations": ids(
                        mine_i.loc[mine_i["date"].between(w0, last), "declaration_id"]
                    ),
                },
                "explanation": (
                    f"From {w0:%Y-%m-%d} to {last:%Y-%m-%d} the firm paid KRW {p_w:,.0f} "
                    f"abroad for "
                    f"goods, {ratio:.2f}x the KRW {i_w:,.0f} of goods it declared on import "
                    f"(payments aligned by its usual lag of {float(lag.get(company, 30.0)):.0f} "
                    f"days)."
                ),
            }
        )
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)


def inflated(data: TradeData) -> pd.DataFrame:
    """Listed exporters growing far faster than their industry, selling the growth to
    related buyers (entity graph) who leave the receivables unpaid."""
    d, p, c = data.decl, data.pay, data.companies
    exp = d[d["direction"] == "export"]
    y1 = data.end - pd.Timedelta(days=365)
    y0 = y1 - pd.Timedelta(days=365)
    e0 = _sum_by(exp[exp["date"].between(y0, y1, inclusive="right")], "value_krw")
    e1 = _sum_by(exp[exp["date"] > y1], "value_krw")
    both = pd.concat([e0.rename("e0"), e1.rename("e1")], axis=1).fillna(0)
    both = both[both["e0"] >= 5e7]
    growth = pd.Series(np.log((both["e1"] + 1) / both["e0"]), index=both.index)
    industry = c.set_index("company_id")["industry"].reindex(both.index)
    med = growth.groupby(industry).transform("median")
    mad = (growth - med).abs().groupby(industry).transform("median").clip(lower=0.1)
    z = (growth - med) / (1.4826 * mad)
    listed = set(c.loc[c["listed"] == 1, "company_id"].astype(str))
    allow = allowance(data)
    received = p[(p["direction"] == "in") & (p["purpose"] == "goods_export")]
    rows = []
    last_year = dict(tuple(exp[exp["date"] > y1].groupby("company_id")))
    # growth is a gate (>= 1.5x and a robust z >= 0.5 against the industry, whose yearly
    # export swings are wide); the related buyers who do not pay are what tells an
    # inflated boom from a real one
    boom = (growth >= np.log(1.5)) & (z >= 0.5) & both.index.isin(listed)
    got_by = dict(tuple(received[received["date"] > y1].groupby("company_id")))
    for company in both.index[boom]:
        mine = last_year[company]
        related = data.graph.related(str(company), 3)
        to_rel = mine["partner_id"].isin(related)
        rel_share = float(mine.loc[to_rel, "value_krw"].sum() / mine["value_krw"].sum())
        a = float(allow.get(company, param("payments.min_lag_allowance_days")))
        is_due = mine["date"] <= data.end - pd.Timedelta(days=a)
        due = float(mine.loc[to_rel & is_due, "value_krw"].sum())
        mine_got = got_by.get(company, received.iloc[:0])
        # receipts from those same related buyers (settlement counterparties resolved)
        got = float(mine_got.loc[mine_got["partner_id"].isin(related), "amount_krw"].sum())
        unsettled = float(np.clip(1 - got / due, 0, 1)) if due > 0 else 0.0
        raw = rel_share * unsettled * min(1.0, float(z[company]) / 2)
        rows.append(
            {
                "subject_id": company,
                "typology": "inflated_exports",
                "raw": raw,
                "period_start": y0,
                "period_end": data.end,
                "amount_krw": float(mine.loc[to_rel, "value_krw"].sum()),
                "evidence": {
                    "declarations": ids(mine.loc[to_rel, "declaration_id"]),
                    "settlements": ids(
                        received.loc[received["company_id"] == company, "settlement_id"]
                    ),
                    "links": ids(
                        [
                            " - ".join(data.graph.path(str(company), str(f)))
                            for f in mine.loc[to_rel, "partner_id"].unique()
                        ]
                    ),
                },
                "explanation": (
                    f"Listed; exports KRW {float(both.loc[company, 'e0']):,.0f} -> "
                    f"{float(both.loc[company, 'e1']):,.0f} "
                    f"in a year (robust z {z[company]:.1f} against its industry); "
                    f"{rel_share:.0%} of the last year's exports went to related buyers; "
                    f"of the KRW {due:,.0f} of those due by now, those buyers paid KRW "
                    f"{got:,.0f}: {unsettled:.0%} unpaid."
                ),
            }
        )
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
