"""Where the fraud signal of the KCS data lives: single-column diagnostics (issue 17).

Not a tuning script (nothing here sets a parameter): it ranks 2021 Q1 by single 2020
aggregates to show that the label is a property of the declaration line (HS6, origin,
mass, price; round 3 - the first version stopped at the HS6 x origin cell) and that no
label-free column or aggregate carries it, which is why scarce labels cap what any
method can reach (see the label-information references in RESULTS-risk.md).

    nice -n 10 uv run python benchmarks/probe_risk_scarce.py
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from opencustoms.declarations.io import load_frame
from opencustoms.risk.history import derive_columns
from opencustoms.settings import BUNDLED_DATA_DIR

CELL = ["hs6", "origin_country"]
# The declaration line (issue 17 round 3): the key the label is nearly pure on.
LINE = ["hs6", "origin_country", "net_mass_kg", "item_price_krw"]


def main() -> None:
    tr = derive_columns(load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv", "kcs"))
    va = derive_columns(load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", "kcs"))
    for f in (tr, va):
        f["fraud"] = f["fraud"].astype("float64")
        f["lp"] = np.log1p(f["item_price_krw"])
        f["lm"] = np.log1p(f["net_mass_kg"])
        f["differs"] = (f["origin_country"] != f["departure_country"]).astype(float)
    y = va["fraud"].to_numpy()

    def auc(values: pd.Series | np.ndarray) -> str:
        x = np.asarray(values, dtype="float64")
        ok = ~np.isnan(x)
        a = roc_auc_score(y[ok], x[ok])
        return f"AUC {max(a, 1 - a):.3f} ({'+' if a >= 0.5 else '-'}), coverage {ok.mean():.2f}"

    g = tr["fraud"].mean()
    print("label-based (2020 smoothed rate, pseudo-count 10):")
    for keys in (
        LINE,
        ["item_price_krw"],
        CELL,
        ["hs6"],
        ["hs4"],
        ["origin_country"],
        ["importer_id"],
        ["declarant_id"],
    ):
        s = tr.groupby(keys)["fraud"].agg(["sum", "count"])
        m = va.join(s, on=keys)
        print(
            f"  {'+'.join(keys):<22}",
            auc((m["sum"].fillna(0) + 10 * g) / (m["count"].fillna(0) + 10)),
        )
    print("  2021 Q1 own cell rate (oracle) ", auc(va.groupby(CELL)["fraud"].transform("mean")))
    print("label-free (2020 aggregates of the row's cell / entity, or the row itself):")
    agg = tr.groupby(CELL).agg(
        n=("lp", "size"),
        mean_luv=("log_unit_value", "mean"),
        sd_luv=("log_unit_value", "std"),
        mean_lp=("lp", "mean"),
        differs_share=("differs", "mean"),
        importers=("importer_id", "nunique"),
        sellers=("seller_id", "nunique"),
    )
    m = va.join(agg, on=CELL)
    for col in agg.columns:
        print(f"  cell {col:<17}", auc(m[col]))
    print("  row unit value - cell mean  ", auc(m["log_unit_value"] - m["mean_luv"]))
    print("  row origin differs          ", auc(va["differs"]))
    for key in ("importer_id", "seller_id", "declarant_id"):
        a = tr.groupby(key).agg(n=("lp", "size"), n_hs6=("hs6", "nunique"))
        mm = va.join(a, on=key)
        print(f"  {key} declarations / HS6 codes", auc(mm["n"]), "/", auc(mm["n_hs6"]))


if __name__ == "__main__":
    main()
