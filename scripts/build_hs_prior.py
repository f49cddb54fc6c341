"""Build data/hs/trade_prior.csv from the bundled KCS declarations (no evaluation file read).

uv run python scripts/build_hs_prior.py
"""

from __future__ import annotations

import pandas as pd

from opencustoms.hs.knowledge import load_knowledge
from opencustoms.hs.prior import count_codes, write_prior
from opencustoms.settings import BUNDLED_DATA_DIR

FILES = ["df_syn_train_eng.csv", "df_syn_valid_eng.csv"]


def main() -> None:
    kcs = BUNDLED_DATA_DIR / "kcs"
    codes = pd.concat([pd.read_csv(kcs / name, usecols=["HS6 Code"], dtype=str) for name in FILES])[
        "HS6 Code"
    ]
    counts = count_codes(codes, load_knowledge())
    path = write_prior(
        counts,
        source=f"KCS synthetic import declarations (data/kcs: {', '.join(FILES)}; MIT), "
        f"{len(codes)} items, HS 2017 codes spread over their HS 2022 successors",
    )
    print(f"{path}: {len(counts)} subheadings from {len(codes)} declaration items")


if __name__ == "__main__":
    main()
