"""Plain-language reasons: LightGBM contributions mapped to words with the actual values.

Contributions (``pred_contrib``, log-odds) of the features describing one thing (e.g. the
importer's rate, count and critical rate) are summed into one factor, then written with
the row's own numbers: "importer's past fraud rate 64% (41 inspections)". Data notes
(unseen entities, missing fields, extreme values) are added whatever their weight, so an
officer always sees when the model is on thin ice.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.risk.features import FEATURES
from opencustoms.risk.history import KEYS, S

Row = dict[str, Any]
TOP_FACTORS = 5
EXTREME_Z = 4.0
EXTREME_RATIO = 20.0
CAT_LABEL = {
    "office_id": "office",
    "process_type": "process type",
    "import_type": "import type",
    "import_use": "import use",
    "payment_type": "payment type",
    "transport_mode": "transport mode",
    "tax_type": "tax type",
    "origin_indicator": "origin indicator",
    "courier_id": "courier",
    "origin_country": "origin country",
    "departure_country": "departure country",
    "hs2": "HS chapter",
}
NOTE_ENTITIES = ("importer", "declarant", "seller", "hs6", "origin", "departure")
# Factors below this absolute contribution (log-odds) are not shown; at or above
# MODERATE / STRONG they move the score "moderately" / "strongly" (x1.35 / x2.7 odds).
MIN_WEIGHT = 0.01
MODERATE = 0.3
STRONG = 1.0
# A unit value within this ratio of its benchmark is "close to the average".
NEAR_AVERAGE = (0.9, 1.1)
OPTIONAL_NOTED = {
    "importer_id": "importer",
    "declarant_id": "declarant",
    "seller_id": "seller",
    "origin_country": "origin country",
    "departure_country": "departure country",
    "net_mass_kg": "net mass",
    "item_price_krw": "item price",
    "tax_rate": "tax rate",
}
# The model's factor group on the same thing as a missing-field note.
NOTE_GROUP = {
    "importer_id": "importer",
    "declarant_id": "declarant",
    "seller_id": "seller",
    "origin_country": "origin",
    "departure_country": "departure",
    "net_mass_kg": "unit_value",
    "item_price_krw": "unit_value",
    "tax_rate": "tax",
}


def _group(feature: str) -> str:
    if "__" in feature and not feature.startswith("cat__"):
        return feature.split("__")[0]
    if feature.startswith("cat__"):
        return feature
    if feature in (
        "log_unit_value",
        "uv_dev_hs6_origin",
        "uv_z_hs6_origin",
        "uv_dev_hs6",
        "log_price",
        "log_mass",
    ):
        return "unit_value"
    if feature in ("tax_rate", "log_duty_at_stake"):
        return "tax"
    if feature in ("weekday", "month", "day_of_month"):
        return "calendar"
    return feature


GROUPS = [_group(f) for f in FEATURES]
GROUP_NAMES = list(dict.fromkeys(GROUPS))
_GROUP_INDEX = np.array([GROUP_NAMES.index(g) for g in GROUPS])


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts (much faster to read one by one than ``frame.iloc``)."""
    return frame.to_dict("records")  # type: ignore[return-value]


def _val(row: Row, col: str) -> Any:
    v = row.get(col)
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else v


def _noun(key: str, row: Row) -> str:
    hs6, origin = _val(row, "hs6"), _val(row, "origin_country")
    return {
        "importer": "importer",
        "declarant": "declarant",
        "seller": "seller",
        "courier": "courier",
        "hs6": f"HS code {hs6}",
        "hs4": f"HS heading {_val(row, 'hs4')}",
        "hs2": f"HS chapter {_val(row, 'hs2')}",
        "origin": f"origin country {origin}",
        "departure": f"departure country {_val(row, 'departure_country')}",
        "office": f"office {_val(row, 'office_id')}",
        "importer_hs6": f"this importer with HS {hs6}",
        "importer_seller": "this importer-seller pair",
        "declarant_importer": "this declarant-importer pair",
        "hs6_origin": f"HS {hs6} from {origin}",
        "seller_hs6": f"this seller with HS {hs6}",
        "office_hs6": f"HS {hs6} at office {_val(row, 'office_id')}",
        "line": f"this goods line (HS {hs6} from {origin}, same mass and price)",
    }[key]


def _key_text(key: str, row: Row, st: np.ndarray) -> str:
    if any(_val(row, c) is None for c in KEYS[key]):
        return f"no {_noun(key, row)} given"
    n_decl, n_insp, fraud = st[S["n_decl"]], st[S["n_insp"]], st[S["fraud"]]
    if n_decl == 0:
        return f"first declaration of {_article(_noun(key, row))}"
    if n_insp == 0:
        return f"{_noun(key, row)} never inspected ({int(n_decl)} earlier declarations)"
    text = f"{_noun(key, row)}'s past fraud rate {fraud / n_insp:.0%} ({int(n_insp)} inspections"
    crit = st[S["critical"]]
    return text + (f", {int(crit)} critical)" if crit else ")")


def _article(noun: str) -> str:
    return noun if noun.startswith("this ") else f"this {noun}"


def _unit_value_text(row: Row, st: np.ndarray) -> str:
    luv = _val(row, "log_unit_value")
    if luv is None:
        return "no unit value (net mass missing or zero)"
    uv = math.exp(luv)
    cnt = st[S["luv_n"]]
    base = f"unit value {uv:,.0f} KRW/kg"
    if cnt == 0:
        return base + f" (no benchmark yet for HS {_val(row, 'hs6')} from this origin)"
    ratio = math.exp(luv - st[S["luv_sum"]] / cnt)
    average = f"the HS {_val(row, 'hs6')} x origin average"
    if NEAR_AVERAGE[0] <= ratio <= NEAR_AVERAGE[1]:
        # Not a deviation: the factor's weight then comes from the price and mass levels
        # (the same features), which the officer must not read as over/under-valuation.
        return (
            base + f", close to {average} ({ratio_text(ratio)}, {int(cnt)} items; "
            "the effect comes from the price and mass levels)"
        )
    return base + f", {ratio_text(ratio)} {average} ({int(cnt)} items)"


def ratio_text(ratio: float) -> str:
    """A ratio with the precision its size needs: 0.0042x, 0.35x, 1.08x, 4,100x."""
    if ratio >= 10:
        return f"{ratio:,.0f}x"
    if ratio >= 0.1:
        return f"{ratio:.2f}x"
    return f"{ratio:.2g}x"


def strength(weight: float) -> str:
    """How strongly a factor moves the score (log-odds contribution)."""
    size = abs(weight)
    return "strongly" if size >= STRONG else "moderately" if size >= MODERATE else "slightly"


def effect_text(weight: float | None) -> str:
    """What a factor does to this score, for a data note on the same thing."""
    if weight is None:
        return "effect on the score not computed for this row"
    if abs(weight) < MIN_WEIGHT:
        return "no effect on this score"
    return f"{strength(weight)} {'raises' if weight > 0 else 'lowers'} risk"


def factor_text(group: str, row: Row, stats: dict[str, np.ndarray], i: int) -> str:
    if group in KEYS:
        return _key_text(group, row, stats[group][i])
    if group == "unit_value":
        return _unit_value_text(row, stats["hs6_origin"][i])
    if group == "tax":
        rate, stake = _val(row, "tax_rate"), _val(row, "duty_at_stake") or 0.0
        if rate is None:
            return "no duty rate given"
        return f"duty rate {rate:g}% ({stake:,.0f} KRW duty at stake)"
    if group == "origin_ne_departure":
        o, d = _val(row, "origin_country"), _val(row, "departure_country")
        return f"origin {o} differs from departure {d}" if o != d else f"shipped from origin {o}"
    if group == "calendar":
        date = pd.Timestamp(row["declaration_date"])
        return f"declared on {date:%a %d %b}"
    col = group.removeprefix("cat__")
    value = _val(row, col)
    return f"{CAT_LABEL.get(col, col)} {value if value is not None else 'not given'}"


def data_notes(
    row: Row, stats: dict[str, np.ndarray], i: int, weights: np.ndarray | None = None
) -> list[str]:
    """Unseen entities, missing optional fields and extreme values, in words, each with
    what the model's factor on the same thing does to the score (``weights``: the row's
    contribution per factor group, None when not computed for this row)."""
    notes: list[tuple[str, str]] = []
    for key in NOTE_ENTITIES:
        present = all(_val(row, c) is not None for c in KEYS[key])
        if present and stats[key][i][S["n_decl"]] == 0:
            notes.append((f"first declaration of {_article(_noun(key, row))}", key))
    for col, label in OPTIONAL_NOTED.items():
        if _val(row, col) is None:
            notes.append((f"{label} missing", NOTE_GROUP[col]))
    extreme = extreme_unit_value(_val(row, "log_unit_value"), stats["hs6_origin"][i])
    if extreme is not None:
        notes.append((extreme, "unit_value"))
    return [
        f"{text} ({effect_text(None if weights is None else float(weights[GROUP_NAMES.index(g)]))})"
        for text, g in notes
    ]


def extreme_unit_value(luv: float | None, st: np.ndarray) -> str | None:
    """The note on a unit value far from its HS6 x origin benchmark, else None."""
    if luv is None or st[S["luv_n"]] < 2:
        return None
    mean = st[S["luv_sum"]] / st[S["luv_n"]]
    std = math.sqrt(max(st[S["luv_sq"]] / st[S["luv_n"]] - mean**2, 0.0)) + 0.1
    ratio = math.exp(luv - mean)
    if abs(luv - mean) / std > EXTREME_Z or not 1 / EXTREME_RATIO < ratio < EXTREME_RATIO:
        return f"extreme unit value: {ratio_text(ratio)} the HS x origin average"
    return None


def explain(
    rows: list[Row],
    stats: dict[str, np.ndarray],
    contrib: np.ndarray,
    *,
    top: int = TOP_FACTORS,
) -> list[list[dict[str, Any]]]:
    """Per row (dicts: ``records(frame)`` or ``derive_record`` output): the ``top``
    factors by absolute contribution plus data notes.

    ``contrib`` is LightGBM ``pred_contrib`` output (features + bias column)."""
    per_group = np.zeros((len(rows), len(GROUP_NAMES)))
    np.add.at(per_group.T, _GROUP_INDEX, contrib[:, : len(FEATURES)].T)
    out = []
    for i, row in enumerate(rows):
        order = np.argsort(-np.abs(per_group[i]))[:top]
        items: list[dict[str, Any]] = []
        for g in order:
            w = float(per_group[i, g])
            if abs(w) < MIN_WEIGHT:
                continue
            items.append(
                {
                    "kind": "model",
                    "factor": GROUP_NAMES[g],
                    "text": factor_text(GROUP_NAMES[g], row, stats, i),
                    "effect": "raises risk" if w > 0 else "lowers risk",
                    "weight": round(w, 3),
                    "strength": strength(w),
                }
            )
        notes = data_notes(row, stats, i, per_group[i])
        items += [{"kind": "note", "text": t} for t in notes]
        out.append(items)
    return out


def reasons_text(items: list[dict[str, Any]]) -> list[str]:
    """Reasons as plain strings (rule reasons prefixed with the rule id)."""
    out = []
    for it in items:
        if it["kind"] == "rule":
            out.append(f"rule {it['rule_id']}: {it['text']}")
        elif it["kind"] == "model":  # assessments stored before 'strength' lack it
            how = f"{it['strength']} {it['effect']}" if "strength" in it else it["effect"]
            out.append(f"{it['text']} ({how})")
        else:
            out.append(it["text"])
    return out
