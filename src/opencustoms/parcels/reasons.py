"""Plain-language reasons of a screening decision, built only for the rows that need them
(flagged or taxed parcels), with the numbers an officer checks."""

from __future__ import annotations

import numpy as np
import pandas as pd


def _fmt(rows: np.ndarray, template: str, **cols: pd.Series) -> pd.Series:
    """``template`` formatted for the ``rows`` positions with the given columns."""
    if not rows.any():
        return pd.Series(dtype=object)
    data = {k: v.to_numpy()[rows] for k, v in cols.items()}
    idx = np.flatnonzero(rows)
    return pd.Series(
        [template.format(**{k: data[k][j] for k in data}) for j in range(len(idx))], index=idx
    )


def reasons(
    valid: pd.DataFrame,
    p: pd.DataFrame,
    f: dict[str, pd.DataFrame],
    flagged: dict[str, np.ndarray],
    over: np.ndarray,
    tax_error: pd.Series,
) -> np.ndarray:
    n = len(valid)
    parts: list[pd.Series] = []
    s = f["split_shipment"]
    codes = s["linked_by_name"].map({1.0: " (linked by name and address across PCCCs)", 0.0: ""})
    parts.append(_fmt(
        flagged["split_shipment"],
        "split shipment: same-day parcels of this recipient total USD {total:.2f}, over the "
        "USD {limit:.0f} personal-use limit although each is under it{linked}",
        total=s["group_total_usd"], limit=s["group_limit_usd"], linked=codes,
    ))  # fmt: skip
    m = f["pccc_misuse"]
    parts.append(_fmt(
        flagged["pccc_misuse"],
        "PCCC misuse: this PCCC appears with {names:.0f} names, {addr:.0f} addresses and "
        "{phones:.0f} phones; this name and address use {codes:.0f} PCCCs",
        names=np.exp(m["names_per_code"]), addr=np.exp(m["addresses_per_code"]),
        phones=np.exp(m["phones_per_code"]), codes=np.exp(m["codes_per_person"]),
    ))  # fmt: skip
    r = f["commercial_resale"]
    parts.append(_fmt(
        flagged["commercial_resale"],
        "commercial resale: {k:.0f} parcels and {q:.0f} units of the same goods (HS {hs}) to "
        "this PCCC in the manifest, far above other recipients",
        k=r["same_goods_parcels"], q=r["same_goods_quantity"], hs=p["hs6"].fillna("?"),
    ))  # fmt: skip
    u = f["undervaluation"]
    parts.append(_fmt(
        flagged["undervaluation"],
        "undervaluation: unit value USD {unit:.2f} is {share:.0%} of the typical USD "
        "{typical:.2f} for the same {level}",
        unit=p["unit_usd"], share=p["unit_usd"] / u["typical_unit_usd"],
        typical=u["typical_unit_usd"], level=u["price_level"],
    ))  # fmt: skip
    g = f["prohibited_goods"]
    parts.append(_fmt(
        flagged["prohibited_goods"],
        "prohibited or restricted goods: description matches '{term}' ({category}, {kind} "
        "match; {reference})",
        term=g["term"], category=g["category"], kind=g["kind"], reference=g["reference"],
    ))  # fmt: skip
    parts.append(_fmt(
        over,
        "value USD {value:.2f} exceeds the USD {limit:.0f} personal-use limit: duty and VAT due",
        value=p["value_usd"], limit=p["limit"],
    ))  # fmt: skip
    err = tax_error.notna().to_numpy()
    parts.append(_fmt(err, "duty not computed: {e}", e=tax_error))
    text = np.full(n, "", dtype=object)
    for part in parts:
        if len(part):
            idx = part.index.to_numpy()
            text[idx] = np.where(
                text[idx] == "", part.to_numpy(object), text[idx] + "; " + part.to_numpy(object)
            )
    return text
