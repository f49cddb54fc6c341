"""The US Harmonized Tariff Schedule 2024: column 1 general and KORUS rates, ad valorem.

Rate texts are parsed into an ad valorem percentage where that is possible: ``Free`` -> 0,
``5.5%`` -> 5.5. Specific (``2.5¢/kg``) and compound (``1.9¢/kg + 5%``) rates cannot be
expressed ad valorem without unit values; they are kept with ``kind`` = specific /
compound (the ad valorem part of a compound rate is kept, flagged) so results can say so.

>>> parse_rate("Free"), parse_rate("6.5%"), parse_rate("1.9¢/kg + 5%")
((0.0, 'free'), (6.5, 'ad valorem'), (5.0, 'compound'))
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

from opencustoms.tariff.tables import US_HTS_FILE

_PCT = re.compile(r"(\d+(?:\.\d+)?)\s*%")
_SPECIFIC = re.compile(r"[¢$]|/kg|/liter|each|/doz|/bbl|/pf")
_TAG = re.compile(r"<[^>]*>")
_SPECIAL = re.compile(r"([^()]+?)\s*\(([^)]*)\)")


def parse_rate(text: str) -> tuple[float, str]:
    """Ad valorem percent and kind (free, ad valorem, compound, specific, other)."""
    s = _TAG.sub("", str(text or "")).strip()
    if not s:
        return float("nan"), "none"
    if s.lower().startswith("free"):
        return 0.0, "free"
    pct = _PCT.findall(s)
    specific = bool(_SPECIFIC.search(s))
    if pct and not specific and re.fullmatch(r"\d+(?:\.\d+)?\s*%", s):
        return float(pct[0]), "ad valorem"
    if pct and specific:
        return float(sum(float(p) for p in pct)), "compound"
    if specific:
        return float("nan"), "specific"
    return float("nan"), "other"


def korus_rate_text(special: str) -> str | None:
    """The rate text of the special column that lists KR (United States-Korea FTA)."""
    for rate, codes in _SPECIAL.findall(str(special or "")):
        if "KR" in {c.strip() for c in codes.replace(" ", "").split(",")}:
            return rate.strip().lstrip(",").strip()
    return None


@lru_cache(maxsize=1)
def load_us_schedule() -> pd.DataFrame:
    """Rated HTS lines with parsed general and KORUS ad valorem rates."""
    hts = pd.read_csv(US_HTS_FILE, dtype=str, keep_default_na=False)
    general = [parse_rate(t) for t in hts["general_rate"]]
    hts["general_pct"] = [g[0] for g in general]
    hts["general_kind"] = [g[1] for g in general]
    korus_text = [korus_rate_text(t) for t in hts["special_rate"]]
    korus = [parse_rate(t) if t else (np.nan, "none") for t in korus_text]
    hts["korus_text"] = korus_text
    hts["korus_pct"] = [k[0] for k in korus]
    hts["korus_kind"] = [k[1] for k in korus]
    return hts


@lru_cache(maxsize=1)
def hs6_rollup() -> pd.DataFrame:
    """Per HS6: median ad valorem general and KORUS-or-general rate over its HTS lines,
    the number of lines and of lines whose rate is not (fully) ad valorem."""
    hts = load_us_schedule()
    hts = hts.assign(
        hs6=hts["hts"].str[:6],
        kr_pct=hts["korus_pct"].where(hts["korus_text"].notna(), hts["general_pct"]),
        not_adval=~hts["general_kind"].isin(["free", "ad valorem"]),
    )
    grouped = hts.groupby("hs6")
    return pd.DataFrame(
        {
            "general_pct": grouped["general_pct"].median(),
            "kr_pct": grouped["kr_pct"].median(),
            "n_lines": grouped.size(),
            "n_not_ad_valorem": grouped["not_adval"].sum(),
        }
    ).reset_index()


def base_rates(codes: pd.Series, *, korus: pd.Series) -> pd.DataFrame:
    """US base duty (percent) per HS/HTS code: the 10- or 8-digit line when the code has
    one, else the HS6 roll-up; KORUS rate where claimed and the line lists KR."""
    hts = load_us_schedule().drop_duplicates("hts").set_index("hts")
    digits = codes.astype(str).str.replace(r"\D", "", regex=True)
    out = pd.DataFrame(index=codes.index)
    out["level"] = None
    out["base_pct"] = np.nan
    out["kind"] = None
    out["line"] = None
    for length in (10, 8):
        key = digits.str[:length]
        hit = (digits.str.len() >= length) & key.isin(hts.index) & out["level"].isna()
        if not hit.any():
            continue
        rows = hts.loc[key[hit].tolist()]
        use_kr = korus[hit].to_numpy() & rows["korus_text"].notna().to_numpy()
        out.loc[hit, "base_pct"] = np.where(use_kr, rows["korus_pct"], rows["general_pct"])
        out.loc[hit, "kind"] = np.where(use_kr, rows["korus_kind"], rows["general_kind"])
        out.loc[hit, "line"] = np.where(
            use_kr,
            "KORUS " + rows["korus_text"].astype(str),
            "general " + rows["general_rate"].astype(str),
        )
        out.loc[hit, "level"] = f"HTS{length}"
    roll = hs6_rollup().set_index("hs6")
    key6 = digits.str[:6]
    hit6 = out["level"].isna() & key6.isin(roll.index)
    if hit6.any():
        r = roll.loc[key6[hit6].tolist()]
        out.loc[hit6, "base_pct"] = np.where(korus[hit6].to_numpy(), r["kr_pct"], r["general_pct"])
        out.loc[hit6, "kind"] = np.where(
            r["n_not_ad_valorem"].to_numpy() > 0, "partly non-ad valorem", "ad valorem"
        )
        out.loc[hit6, "line"] = [
            f"{'KORUS' if kr else 'general'} rate, median of {n} HTS lines"
            for kr, n in zip(korus[hit6], r["n_lines"], strict=True)
        ]
        out.loc[hit6, "level"] = "HS6 roll-up"
    return out
