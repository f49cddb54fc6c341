"""How valuation flags relate to the Fraud label on the bundled KCS data (honest lift)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from opencustoms.declarations.io import load_frame
from opencustoms.settings import BUNDLED_DATA_DIR
from opencustoms.valuation.service import build_benchmarks, revenue_at_risk_frame


@dataclass(frozen=True)
class LiftRow:
    setting: str
    ranking: str
    top_share: float
    n_top: int
    fraud_rate_top: float
    base_rate: float

    @property
    def lift_se(self) -> float:
        """Binomial standard error of the lift (how much of it could be noise)."""
        p = self.fraud_rate_top
        return float(np.sqrt(p * (1 - p) / max(self.n_top, 1)) / self.base_rate)

    @property
    def lift(self) -> float:
        return self.fraud_rate_top / self.base_rate if self.base_rate else float("nan")


def lift_at(score: pd.Series, label: pd.Series, share: float) -> tuple[int, float]:
    """Fraud rate among the top ``share`` of rows by ``score`` (rows without score last)."""
    k = max(1, round(len(score) * share))
    order = score.fillna(-np.inf).sort_values(ascending=False, kind="stable").index[:k]
    return k, float(label.loc[order].mean())


def valuation_lift(
    train: pd.DataFrame, test: pd.DataFrame, setting: str
) -> tuple[list[LiftRow], pd.DataFrame]:
    scored = revenue_at_risk_frame(frame=test, benchmarks=build_benchmarks(train))
    y = test["fraud"].astype(float)
    rows = []
    rankings = {
        "-z (under-valuation)": -scored["price_zscore"],
        "|z| (any anomaly)": scored["price_zscore"].abs(),
        # Ties (0 KRW outside the under-valued rows) are broken by -z.
        "revenue at risk": scored["revenue_at_risk_krw"].fillna(0)
        + (-scored["price_zscore"]).rank(pct=True).fillna(0) * 1e-3,
    }
    for name, score in rankings.items():
        for share in (0.01, 0.05):
            k, rate = lift_at(score, y, share)
            rows.append(LiftRow(setting, name, share, k, rate, float(y.mean())))
    for flag in ("under", "over"):
        m = scored["valuation_flag"] == flag
        rows.append(
            LiftRow(
                setting,
                f"flag = {flag}",
                float(m.mean()),
                int(m.sum()),
                float(y[m].mean()) if m.any() else float("nan"),
                float(y.mean()),
            )
        )
    return rows, scored


def kcs_lift_report() -> tuple[list[LiftRow], dict[str, float]]:
    """Out-of-time (benchmarks on 2020, scored on 2021 Q1) and in-sample (2020 on 2020)."""
    train = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv", "kcs")
    valid = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", "kcs")
    rows, scored = valuation_lift(train, valid, "2020 -> 2021Q1")
    rows_in, _ = valuation_lift(train, train, "2020 in-sample")
    extra = {
        "rows_scored": float(len(scored)),
        "share_no_benchmark": float((scored["valuation_flag"] == "no_benchmark").mean()),
        "revenue_at_risk_total_krw": float(scored["revenue_at_risk_krw"].sum()),
        "revenue_at_risk_fraud_share": float(
            scored.loc[valid["fraud"] == 1, "revenue_at_risk_krw"].sum()
            / max(scored["revenue_at_risk_krw"].sum(), 1.0)
        ),
    }
    return rows + rows_in, extra
