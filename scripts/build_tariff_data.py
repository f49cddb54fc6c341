"""Regenerate src/opencustoms/data/tariff/duty_rates_kcs.csv and exchange_rates.csv.

Usage: uv run python scripts/build_tariff_data.py
"""

from __future__ import annotations

from opencustoms.settings import BUNDLED_DATA_DIR, PACKAGE_DATA_DIR
from opencustoms.tariff.build import derive_kcs_rates, synthetic_exchange_rates


def main() -> None:
    out = PACKAGE_DATA_DIR / "tariff"
    kcs = sorted((BUNDLED_DATA_DIR / "kcs").glob("df_syn_*_eng.csv"))
    rates = derive_kcs_rates(kcs)
    rates.to_csv(out / "duty_rates_kcs.csv", index=False)
    print(f"duty_rates_kcs.csv: {len(rates)} HS6 x tier rates from {len(kcs)} files")
    print(rates["tier"].value_counts().to_string())
    fx = synthetic_exchange_rates()
    fx.to_csv(out / "exchange_rates.csv", index=False)
    print(f"exchange_rates.csv: {len(fx)} weekly rates, {fx['currency'].nunique()} currencies")


if __name__ == "__main__":
    main()
