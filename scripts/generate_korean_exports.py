"""Write a synthetic file of Korean exports to the US for `opencustoms tariff exposure`.

Usage: uv run python scripts/generate_korean_exports.py OUT.csv [N_EXPORTERS] [SEED]
"""

from __future__ import annotations

import sys
from pathlib import Path

from opencustoms.tariff.exposure import generate_exports

if __name__ == "__main__":
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("var/korean_exports.csv")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    out.parent.mkdir(parents=True, exist_ok=True)
    frame = generate_exports(n, seed=seed)
    frame.to_csv(out, index=False)
    print(f"wrote {len(frame)} export lines of {n} exporters to {out}")
