"""Copy the US HTS 2024 lines that carry a rate into data/us_hts/ (run once, by hand).

Usage: uv run python scripts/build_us_hts.py [SOURCE_CSV]
The default source is the full schedule bundled for the HS classifier
(data/hs/us_hts_2024_basic_edition.csv); the tariff engine reads only the copy this writes.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_SOURCE = REPO / "data" / "hs" / "us_hts_2024_basic_edition.csv"
OUT = REPO / "data" / "us_hts" / "us_hts_2024_general.csv"


def main(source: Path) -> None:
    kept = 0
    with (
        source.open(encoding="utf-8-sig", newline="") as src,
        OUT.open("w", encoding="utf-8", newline="") as dst,
    ):
        writer = csv.writer(dst)
        writer.writerow(["hts", "description", "general_rate", "special_rate"])
        for row in csv.DictReader(src):
            general = row["General Rate of Duty"].strip()
            if not general:
                continue
            hts = row["HTS Number"].replace(".", "").strip()
            writer.writerow(
                [hts, row["Description"].strip(), general, row["Special Rate of Duty"].strip()]
            )
            kept += 1
    print(f"wrote {kept} rated lines to {OUT}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_SOURCE)
