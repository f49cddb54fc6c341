"""Strategic goods to diversion hubs, and exporters whose counterparty is a listed entity.

**strategic_to_risky_destination.** Export lines of listed goods (``strategic_goods.csv``:
HS codes of 4-10 digits with a tier) to a destination whose risk in ``destinations.yaml``
is at least ``risky_threshold`` are grouped per exporter x consignee x destination. Each
group is checked for the indicators of ``strategic_detector.yaml``:

* ``new_exporter``: the exporter never exported listed goods before the group's first line;
* ``new_consignee``: nobody exported anything to this consignee before;
* ``surge``: the group's best ``surge_window_days`` window is ``surge_ratio`` times the
  exporter's average window of listed exports in the year before;
* ``sanctioned_destination``: the destination itself is embargoed (risk 1.0).

Newness is only judged after ``history_days`` of data, so a steady exporter seen from the
first day is never "new". Score = (1 - prod(1 - weight)) x (0.5 + 0.5 x destination risk)
x tier factor; groups at or above ``alert_threshold`` become alerts with an explanation.

**sanctioned_counterparty.** Counterparty names of the declarations are screened against
the list; each exporter x listed entity above the review threshold is one alert.

>>> import pandas as pd
>>> lines = pd.DataFrame({"declaration_id": ["D1", "D2"], "item_no": [1, 1],
...     "direction": "export", "declaration_date": pd.to_datetime(["2023-01-05", "2024-03-01"]),
...     "company_id": ["KC1", "KC2"], "counterparty_name": ["Old Partner GmbH", "Tien Shan LLC"],
...     "counterparty_country": ["DE", "KG"], "hs_code": ["8542310000", "8542310000"],
...     "value": [1e5, 9e4], "currency": "USD", "destination_country": ["DE", "KG"]})
>>> alerts = strategic_alerts(lines)
>>> alerts[["subject_id", "typology"]].values.tolist()
[['KC2', 'strategic_to_risky_destination']]
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import yaml
from rapidfuzz import fuzz
from rapidfuzz.process import extractOne

from opencustoms.screening.normalize import DATA_DIR, name_form

ALERT_TYPOLOGY = "strategic_to_risky_destination"
COUNTERPARTY_TYPOLOGY = "sanctioned_counterparty"


@lru_cache(maxsize=1)
def detector_config() -> dict[str, Any]:
    with (DATA_DIR / "strategic_detector.yaml").open(encoding="utf-8") as handle:
        config: dict[str, Any] = yaml.safe_load(handle)
    return config


@lru_cache(maxsize=1)
def destinations() -> tuple[dict[str, dict[str, Any]], float]:
    """Country -> {risk, group, reference}, and the risky threshold."""
    with (DATA_DIR / "destinations.yaml").open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    return data["destinations"], float(data["risky_threshold"])


def bundled_goods() -> pd.DataFrame:
    """The bundled high-priority list (hs_code, list, tier, note, reference)."""
    return pd.read_csv(DATA_DIR / "strategic_goods.csv", dtype=str, keep_default_na=False)


def _tier_of(list_name: str, tier: str) -> int:
    if tier.strip().isdigit():
        return int(tier)
    digits = [c for c in list_name if c.isdigit()]  # "CHPL-tier1" -> 1
    return int(digits[0]) if digits else 4


def listed_tiers(hs_codes: pd.Series, goods: pd.DataFrame) -> pd.Series:
    """Lowest (most sensitive) tier of the listed code each HS code falls under; NaN if none."""
    codes: dict[int, dict[str, int]] = {}
    for row in goods.itertuples():
        code = "".join(ch for ch in str(row.hs_code) if ch.isdigit())
        tier = _tier_of(str(row.list), str(getattr(row, "tier", "")))
        level = codes.setdefault(len(code), {})
        level[code] = min(tier, level.get(code, tier))
    text = hs_codes.astype(str)
    out = pd.Series(float("nan"), index=hs_codes.index)
    for length, table in codes.items():
        found = text.str[:length].map(table).astype(float)
        out = out.where(out.notna() & (out <= found.fillna(99)), found)
    return out


@lru_cache(maxsize=50_000)
def consignee_key(name: str, country: str) -> str:
    return " ".join(sorted(name_form(name).folded)) + "|" + country


def _consignee_ids(exports: pd.DataFrame) -> pd.Series:
    """One id per consignee however its name is spelled: names of one country whose folded
    words agree at ``consignee_similarity`` or more (a typo, another case) are one
    consignee, so a spelling variant is not a "new" customer."""
    cutoff = float(detector_config()["consignee_similarity"])
    keys = [
        consignee_key(str(n), str(c))
        for n, c in zip(exports["counterparty_name"], exports["counterparty_country"], strict=True)
    ]
    order = exports["declaration_date"].to_numpy().argsort(kind="stable")
    canonical: dict[str, str] = {}
    per_country: dict[str, list[str]] = {}
    for i in order:
        key = keys[i]
        if key in canonical:
            continue
        words, _, country = key.rpartition("|")
        known = per_country.setdefault(country, [])
        hit = extractOne(words, known, scorer=fuzz.token_sort_ratio, score_cutoff=cutoff)
        canonical[key] = f"{hit[0]}|{country}" if hit else key
        if not hit:
            known.append(words)
    return pd.Series([canonical[k] for k in keys], index=exports.index)


def _to_krw(frame: pd.DataFrame) -> pd.Series:
    from opencustoms.world.fx import to_krw

    return to_krw(frame["value"].astype(float), frame["currency"], frame["declaration_date"])


def _window_sums(
    days: np.ndarray, values: np.ndarray, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """Sum of ``values`` whose day lies in [lo, hi) for each pair (days sorted)."""
    cum = np.concatenate([[0.0], np.cumsum(values)])
    return np.asarray(cum[np.searchsorted(days, hi)] - cum[np.searchsorted(days, lo)])


def _surge(
    group: pd.DataFrame,
    mine: tuple[np.ndarray, np.ndarray],
    start: pd.Timestamp,
    cfg: dict[str, Any],
) -> tuple[float, pd.Timestamp | None]:
    """Best window ratio of the group vs the exporter's listed exports in the year before."""
    days = group["day"].to_numpy()
    values = group["value_krw"].to_numpy(dtype=float)
    starts = np.unique(days)
    starts = starts[starts >= cfg["history_days"]]
    if not len(starts):
        return 0.0, None
    window = _window_sums(days, values, starts, starts + cfg["surge_window_days"])
    base = _window_sums(*mine, np.maximum(starts - 365, 0), starts)
    base = base * cfg["surge_window_days"] / np.minimum(365, starts)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(base > 0, window / np.where(base > 0, base, 1), np.inf)
    ratio = np.where(window >= cfg["min_value_krw"], ratio, 0.0)
    best = int(np.argmax(ratio))
    return float(ratio[best]), start + pd.Timedelta(days=int(starts[best]))


def strategic_alerts(
    declarations: pd.DataFrame,
    goods: pd.DataFrame | None = None,
    *,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Alerts (``opencustoms.alertfile`` columns) for listed goods to risky destinations;
    ``threshold`` defaults to the detector file's ``alert_threshold``."""
    cfg = detector_config()
    threshold = cfg["alert_threshold"] if threshold is None else threshold
    risk_of, risky = destinations()
    goods = bundled_goods() if goods is None else goods
    decl = declarations.copy()
    decl["declaration_date"] = pd.to_datetime(decl["declaration_date"])
    start = decl["declaration_date"].min()
    exports = decl[decl["direction"] == "export"].copy()
    exports["tier"] = listed_tiers(exports["hs_code"], goods)
    exports["value_krw"] = _to_krw(exports).fillna(0.0)
    exports["consignee"] = _consignee_ids(exports)
    first_seen = exports.groupby("consignee")["declaration_date"].min()
    exports["day"] = (exports["declaration_date"] - start).dt.days
    listed = exports[exports["tier"].notna()].sort_values("day")
    history = {
        str(company): (g["day"].to_numpy(), g["value_krw"].to_numpy(dtype=float))
        for company, g in listed.groupby("company_id")
    }
    first_listed = listed.groupby("company_id")["declaration_date"].min()
    dest_risk = listed["destination_country"].map(
        lambda c: float(risk_of.get(str(c), {}).get("risk", 0.0))
    )
    risky_lines = listed[dest_risk >= risky]
    judged_after = start + pd.Timedelta(days=cfg["history_days"])
    alerts = []
    for (company, consignee, dest), group in risky_lines.groupby(
        ["company_id", "consignee", "destination_country"]
    ):
        group = group.sort_values("declaration_date")
        first = group["declaration_date"].iloc[0]
        info = risk_of[str(dest)]
        tier = int(group["tier"].min())
        found: dict[str, float] = {}
        reasons = []
        judged = first >= judged_after
        if judged and first_listed.loc[str(company)] >= first:
            found["new_exporter"] = 1.0
            reasons.append(f"first export of listed goods by {company}")
        if judged and first_seen.loc[str(consignee)] >= first:
            found["new_consignee"] = 1.0
            reasons.append("consignee without a track record (never seen before)")
        ratio, at = _surge(group, history[str(company)], start, cfg)
        if "new_exporter" not in found and ratio >= cfg["surge_ratio"]:
            found["surge"] = min(1.0, math.log10(ratio)) if math.isfinite(ratio) else 1.0
            shown = (
                "from nothing" if not math.isfinite(ratio) else f"{ratio:.1f}x the exporter's usual"
            )
            reasons.append(
                f"sudden volume: {cfg['surge_window_days']}-day window from {at:%Y-%m-%d} {shown}"
            )
        if float(info["risk"]) >= 1.0:
            found["sanctioned_destination"] = 1.0
            reasons.append(f"{dest} is an embargoed destination")
        if not found:
            continue
        combined = 1.0 - math.prod(1.0 - cfg["weights"][k] * v for k, v in found.items())
        score = combined * (0.5 + 0.5 * float(info["risk"])) * float(cfg["tier_factor"][tier])
        if score < threshold:
            continue
        codes = sorted(set(group["hs_code"].astype(str)))
        name = str(group["counterparty_name"].iloc[0])
        digest = hashlib.sha1(f"{company}|{consignee}|{dest}".encode()).hexdigest()[:10]
        alerts.append(
            {
                "alert_id": f"SG-{digest}",
                "typology": ALERT_TYPOLOGY,
                "subject_id": str(company),
                "score": round(score, 4),
                "period_start": first.date(),
                "period_end": group["declaration_date"].iloc[-1].date(),
                "amount_krw": float(group["value_krw"].sum()),
                "evidence": {
                    "declarations": sorted(set(group["declaration_id"].astype(str))),
                    "hs_codes": codes,
                    "consignee": [name],
                    "indicators": sorted(found),
                },
                "explanation": (
                    f"{len(group)} export line(s) of tier-{tier} listed goods "
                    f"(HS {', '.join(codes[:4])}) "
                    f"to '{name}' in {dest} ({info['group']}, risk {float(info['risk']):.1f}): "
                    + "; ".join(reasons)
                ),
            }
        )
    return _frame(alerts)


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    from opencustoms.alertfile import ALERT_COLUMNS

    return pd.DataFrame(rows, columns=list(ALERT_COLUMNS))


def counterparty_alerts(
    declarations: pd.DataFrame, index: Any, *, threshold: float
) -> pd.DataFrame:
    """``sanctioned_counterparty`` alerts: each exporter/importer x listed entity matched by
    a counterparty name at or above ``threshold``."""
    from opencustoms.screening.lists import Party
    from opencustoms.screening.screen import screen

    decl = declarations.copy()
    decl["declaration_date"] = pd.to_datetime(decl["declaration_date"])
    on = ["counterparty_name", "counterparty_country"]
    decl[on] = decl[on].fillna("").astype(str)
    keys = decl[on].drop_duplicates().to_numpy().tolist()
    parties = [Party(f"C{i}", n, c if len(c) == 2 else "") for i, (n, c) in enumerate(keys)]
    matches = screen(parties, index, threshold=threshold)
    if not matches:
        return _frame([])
    hits = pd.DataFrame(
        [
            {
                "counterparty_name": keys[int(m.party_id[1:])][0],
                "counterparty_country": keys[int(m.party_id[1:])][1],
                "entity_id": m.entity_id,
                "match_score": m.score,
                "match_explanation": m.explanation,
            }
            for m in matches
        ]
    )
    joined = decl.merge(hits, on=on)
    alerts = []
    for (company, entity), group in joined.groupby(["company_id", "entity_id"]):
        best = group.sort_values("match_score").iloc[-1]
        alerts.append(
            {
                "alert_id": "SC-" + hashlib.sha1(f"{company}|{entity}".encode()).hexdigest()[:10],
                "typology": COUNTERPARTY_TYPOLOGY,
                "subject_id": str(company),
                "score": float(best["match_score"]),
                "period_start": group["declaration_date"].min().date(),
                "period_end": group["declaration_date"].max().date(),
                "amount_krw": float(_to_krw(group).fillna(0.0).sum()),
                "evidence": {
                    "declarations": sorted(set(group["declaration_id"].astype(str))),
                    "entities": [str(entity)],
                },
                "explanation": f"{len(group)} declaration line(s) with counterparty "
                f"'{best['counterparty_name']}': {best['match_explanation']}",
            }
        )
    return _frame(alerts)
