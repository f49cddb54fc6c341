"""Vectorised duty and tax computation over a frame of declaration lines.

One implementation serves both paths: :func:`compute_frame` resolves every rate with
table merges (no per-row Python), and the scalar ``calculate`` runs it on one row and
turns the resolved columns into explained lines. Rows with bad input get an ``error``
naming the field instead of a number; nothing falls back silently.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.declarations.types import check_country, check_currency
from opencustoms.tariff.dated_params import DatedParam, params_by_date
from opencustoms.tariff.excise import excise_in_force, excise_kind, liquor_taxes
from opencustoms.tariff.frames import (
    Errors,
    categorical,
    checked_map,
    dated_lookup,
    day,
    factor,
    flag,
    gather,
    key_codes,
    prefixed,
    text,
    trunc,
)
from opencustoms.tariff.tables import TariffData, load_tariff_data

INPUT_COLUMNS = (
    "hs_code",
    "origin",
    "value",
    "currency",
    "date",
    "quantity",
    "fta",
    "proof_of_origin",
    "supplier",
    "personal_use",
    "list_clearance",
)
REQUIRED_INPUT = ("hs_code", "origin", "value", "currency", "date")


def _normalise(frame: pd.DataFrame, data: TariffData, errors: Errors) -> pd.DataFrame:
    # Text columns repeat a few thousand distinct values: every check and transformation
    # runs on the unique values, then is gathered back to rows by integer codes.
    missing = [c for c in REQUIRED_INPUT if c not in frame.columns]
    if missing:
        raise ValueError(f"{missing[0]}: required column missing from the input")
    w = pd.DataFrame(index=frame.index)
    idx = frame.index
    codes, u = factor(frame["hs_code"])
    u_hs = u.str.replace(r"[.\s-]", "", regex=True)
    u_hs = u_hs.where(u_hs.str.len() % 2 == 0, "0" + u_hs)
    u_shape = u_hs.str.fullmatch(r"\d{6,10}").fillna(False).astype(bool)
    known_set = data.known_hs6
    u_known = u_hs.str[:6].map(lambda code: code in known_set).astype(bool)
    shape_ok = gather(u_shape, codes, idx, False).astype(bool)
    raw_hs = frame["hs_code"]
    errors.add(~shape_ok, lambda i: f"hs_code: {raw_hs[i]!r} is not an HS code of 6 to 10 digits")
    w["hs"] = gather(u_hs, codes, idx)
    w["hs6"] = categorical(u_hs.str[:6], codes, idx)
    known = gather(u_known, codes, idx, False).astype(bool)
    errors.add(
        shape_ok & ~known,
        lambda i: (
            f"hs_code: unknown HS6 code {w.at[i, 'hs6']!s} "
            "(not in the HS 2022-based US schedule nor the KCS rate table)"
        ),
    )
    w["chapter"] = pd.to_numeric(
        gather(pd.to_numeric(u_hs.str[:2], errors="coerce"), codes, idx, np.nan),
        errors="coerce",
    )
    excise_kind(w, data, u_hs, codes)
    for field, check in (("origin", check_country), ("currency", check_currency)):
        codes, u = factor(frame[field])
        good, bad = checked_map(u.str.strip().str.upper(), check)
        w[field] = (categorical if field == "origin" else gather)(good, codes, idx)
        errors.add(pd.Series(codes < 0, index=idx), f"{field}: missing {field}")
        bad_rows = gather(bad, codes, idx)
        errors.add(bad_rows.notna(), prefixed(field, bad_rows))
    known_fx = set(data.fx["currency"]) | {"KRW"}
    cur = w["currency"]
    errors.add(
        cur.notna() & ~cur.isin(known_fx),
        lambda i: f"currency: no customs exchange rate table for {cur[i]!s}",
    )
    value = pd.to_numeric(frame["value"], errors="coerce")
    errors.add(value.isna() | (value < 0), "value: must be a non-negative number")
    w["value"] = value
    codes, u_dates = pd.factorize(frame["date"], use_na_sentinel=True)
    parsed = pd.to_datetime(pd.Series(u_dates, dtype=object), errors="coerce").dt.normalize()
    date = pd.Series(
        np.append(parsed.to_numpy(), np.datetime64("NaT"))[np.where(codes < 0, len(parsed), codes)],
        index=idx,
    )
    errors.add(date.isna(), "date: not a date in YYYY-MM-DD form")
    w["date"] = date
    qty = pd.to_numeric(frame["quantity"], errors="coerce") if "quantity" in frame else np.nan
    w["quantity"] = qty
    errors.add(w["quantity"] <= 0, "quantity: must be positive when given")
    w["fta"], w["fta_prefix"] = None, None
    if "fta" in frame:
        codes, u = factor(frame["fta"])
        u = u.str.strip()
        ids = u.map(lambda v: data.resolve_agreement(v) if v else None)
        claimed = gather(u.where(u != "", None), codes, idx)
        w["fta"] = categorical(ids, codes, idx)
        names = ", ".join(sorted(data.agreements))
        errors.add(
            claimed.notna() & w["fta"].isna(),
            lambda i: f"fta: unknown agreement {claimed[i]!r} (known: {names})",
        )
        prefixes = {k: a.kcs_prefix for k, a in data.agreements.items()}
        w["fta_prefix"] = categorical(ids.map(prefixes), codes, idx)
    for col in ("proof_of_origin", "personal_use", "list_clearance"):
        w[col] = flag(frame[col]) if col in frame else False
    w["supplier"] = pd.Series("", index=idx, dtype=object)
    if "supplier" in frame:
        codes, u = factor(frame["supplier"])
        w["supplier"] = categorical(u.str.strip(), np.where(codes < 0, -1, codes), idx)
    return w


def _resolve_duty(w: pd.DataFrame, data: TariffData, errors: Errors) -> None:
    rates = data.rates
    basic = dated_lookup(w, rates[rates["tier"] == "A"], ["hs6"], ["rate", "reference"])
    chap = dated_lookup(w, data.chapter_defaults, ["chapter"], ["rate", "reference"])
    general = dated_lookup(
        w.assign(chapter=0), data.chapter_defaults, ["chapter"], ["rate", "reference"]
    )
    chap = chap.fillna(general)
    w["basic_source"] = text(np.where(basic["rate"].notna(), "hs6", "chapter default"), w)
    w["basic_rate"] = basic["rate"].fillna(chap["rate"])
    w["basic_reference"] = basic["reference"].fillna(chap["reference"])
    errors.add(
        w["basic_rate"].isna(),
        lambda i: (
            f"date: no basic duty rate for HS6 {w.at[i, 'hs6']!s} in force on "
            f"{day(w.at[i, 'date'])}"
        ),
    )
    wto = dated_lookup(w, rates[rates["tier"] == "C"], ["hs6"], ["rate", "reference"])
    w["wto_rate"], w["wto_reference"] = wto["rate"], wto["reference"]
    use_wto = w["wto_rate"] < w["basic_rate"]
    w["duty_tier"] = text(
        np.where(
            use_wto,
            "WTO concession",
            np.where(w["basic_source"] == "hs6", "basic", "basic (chapter default)"),
        ),
        w,
    )
    w["duty_rate"] = w["basic_rate"].where(~use_wto, w["wto_rate"])
    w["duty_reference"] = w["basic_reference"].where(~use_wto, w["wto_reference"])
    # FTA: only when claimed, origin a member on the date, origin proven and the rate lower.
    members = data.fta_members.rename(columns={"agreement": "fta"})
    member = dated_lookup(w, members, ["fta", "origin"], ["reference"])["reference"]
    fta = dated_lookup(
        w.assign(tier=w["fta_prefix"]), rates, ["hs6", "tier"], ["rate", "reference"]
    )
    w["fta_rate"], w["fta_reference"] = fta["rate"], fta["reference"]
    status = pd.Series("not claimed", index=w.index, dtype="object")
    claimed = w["fta"].notna()
    status[claimed] = "applied"
    status[claimed & fta["rate"].isna()] = "no preferential rate known"
    status[claimed & ~w["proof_of_origin"]] = "no proof of origin"
    status[claimed & member.isna()] = "origin not a member"
    status[(status == "applied") & ~(fta["rate"] < w["duty_rate"])] = "not lower"
    w["fta_status"] = status
    applied = status == "applied"
    w.loc[applied, "duty_tier"] = ["FTA " + str(x) for x in w.loc[applied, "fta"]]
    w["duty_rate"] = w["duty_rate"].where(~applied, w["fta_rate"])
    w["duty_reference"] = w["duty_reference"].where(~applied, w["fta_reference"])
    rem_cols = ["rate", "measure", "product", "reference"]
    exact = dated_lookup(w, data.remedies, ["hs6", "origin", "supplier"], rem_cols)
    others = dated_lookup(
        w.assign(
            supplier=categorical(np.array(["*"], dtype=object), np.zeros(len(w), int), w.index)
        ),
        data.remedies,
        ["hs6", "origin", "supplier"],
        rem_cols,
    )
    remedy = exact.fillna(others)
    w["remedy_rate"] = remedy["rate"]
    w["remedy_measure"], w["remedy_product"] = remedy["measure"], remedy["product"]
    w["remedy_reference"] = remedy["reference"]
    w["remedy_supplier_specific"] = exact["rate"].notna()


def _fx(
    w: pd.DataFrame, data: TariffData, errors: Errors, cur: str | None = None
) -> tuple[pd.Series, pd.Series]:
    """Weekly customs exchange rate (KRW per unit) and its reference per row."""
    week = w["date"] - pd.to_timedelta((w["date"].dt.day_of_week + 1) % 7, unit="D")
    currency = pd.Series(cur, index=w.index, dtype=object) if cur else w["currency"]
    keys = pd.DataFrame({"currency": currency, "week_start": week}, index=w.index)
    codes, uniq = key_codes(keys, ["currency", "week_start"])
    fx = data.fx.rename(columns={"krw_per_unit": "rate"})
    u = uniq.merge(
        fx[["currency", "week_start", "rate", "reference"]],
        on=["currency", "week_start"],
        how="left",
    )
    krw = (u["currency"] == "KRW").to_numpy()
    u_rate = np.where(krw, 1.0, u["rate"].to_numpy(dtype=float))
    u_ref = u["reference"].to_numpy(dtype=object).copy()
    u_ref[krw] = "value given in KRW: no conversion"
    rate = pd.Series(u_rate[codes], index=w.index)
    ref = pd.Series(u_ref[codes], index=w.index, dtype=object)
    errors.add(
        rate.isna(),
        lambda i: (
            f"date: no customs exchange rate for {keys.at[i, 'currency']!s} in the week "
            f"of {day(w.at[i, 'date'])}"
        ),
    )
    return rate, ref


def compute_frame(frame: pd.DataFrame, data: TariffData | None = None) -> pd.DataFrame:
    """Duty and taxes for every row of ``frame`` (columns: see ``INPUT_COLUMNS``).

    Returns one row per input row (same index) with the resolved tier, rate and
    reference of each tax, the amounts in KRW, ``total_krw`` and ``error`` (None if ok).
    """
    data = data or load_tariff_data()
    errors = Errors(frame.index)
    w = _normalise(frame, data, errors)
    w["exchange_rate"], w["exchange_reference"] = _fx(w, data, errors)
    p = params_by_date(w["date"], data)
    for name in ("vat.rate", "rounding.tax_unit_krw", "rounding.value_unit_krw"):
        p[name].add_errors(errors)
    unit, vunit = p["rounding.tax_unit_krw"]["value"], p["rounding.value_unit_krw"]["value"]
    _resolve_duty(w, data, errors)
    excise_in_force(w)
    cv = trunc(w["value"] * w["exchange_rate"], vunit)
    w["customs_value_krw"] = cv
    w["duty_amount"] = trunc(cv * w["duty_rate"] / 100, unit)
    w["remedy_amount"] = trunc(cv * w["remedy_rate"].fillna(0) / 100, unit)
    duties = w["duty_amount"] + w["remedy_amount"]
    qty = w["quantity"]
    # Luxury goods: 20% of the part of (value + duties) above the per-item threshold.
    lux = w["excise_kind"] == "luxury"
    for name in (
        "excise.luxury.threshold_krw",
        "excise.luxury.rate",
        "excise.education_tax.rate_on_ic",
        "excise.rural_special_tax.rate_on_ic",
    ):
        p[name].add_errors(errors, lux)
    items = qty.fillna(1.0)
    threshold = p["excise.luxury.threshold_krw"]["value"] * items
    w["ic_base"] = (cv + duties - threshold).clip(lower=0).where(lux, 0.0)
    w["ic_rate"] = p["excise.luxury.rate"]["value"].where(lux, 0.0)
    w["ic_amount"] = trunc(w["ic_base"] * w["ic_rate"], unit)
    w["edu_rate"] = p["excise.education_tax.rate_on_ic"]["value"].where(lux, 0.0)
    w["edu_amount"] = trunc(w["ic_amount"] * w["edu_rate"], unit)
    rural = lux & w["rural_flag"]
    w["rural_rate"] = p["excise.rural_special_tax.rate_on_ic"]["value"].where(rural, 0.0)
    w["rural_amount"] = trunc(w["ic_amount"] * w["rural_rate"], unit)
    liquor_taxes(w, p, errors, cv + duties, unit)
    w["vat_base"] = (
        cv
        + duties
        + w["ic_amount"]
        + w["edu_amount"]
        + w["rural_amount"]
        + w["liquor_amount"]
        + w["liquor_edu_amount"]
    )
    p["vat.rate"].add_errors(errors)
    w["vat_rate"] = p["vat.rate"]["value"]
    w["vat_reference"] = p["vat.rate"]["reference"]
    w["vat_amount"] = trunc(w["vat_base"] * w["vat_rate"], unit)
    _de_minimis(w, data, p, errors)
    amounts = [
        "duty_amount",
        "remedy_amount",
        "ic_amount",
        "edu_amount",
        "rural_amount",
        "liquor_amount",
        "liquor_edu_amount",
        "vat_amount",
    ]
    w.loc[w["de_minimis"], amounts] = 0.0
    w["total_krw"] = w[amounts].sum(axis=1)
    w["error"] = errors.s
    bad = w["error"].notna()
    w.loc[bad, [*amounts, "total_krw", "customs_value_krw"]] = np.nan
    w.attrs["params"] = p
    return w


def _de_minimis(
    w: pd.DataFrame, data: TariffData, p: dict[str, DatedParam], errors: Errors
) -> None:
    personal = w["personal_use"].to_numpy(dtype=bool)
    w["de_minimis"] = False
    w["de_minimis_threshold_usd"] = np.nan
    w["value_usd"] = np.nan
    w["de_minimis_reference"] = pd.Series(None, index=w.index, dtype=object)
    if not personal.any():
        return
    # Only personal imports can be exempt: work on those rows alone.
    wp = w.loc[personal]
    sub = Errors(wp.index)
    usd, _ = _fx(wp, data, sub, cur="USD")
    errors.add(
        pd.Series(sub.failed, index=wp.index).reindex(w.index, fill_value=False),
        sub.s.reindex(w.index),
    )
    food = wp["chapter"].isin(data.food_chapters).to_numpy()
    us_list = ((wp["origin"] == "US") & wp["list_clearance"]).to_numpy(dtype=bool) & ~food
    names = np.where(
        food,
        "de_minimis.food_usd",
        np.where(us_list, "de_minimis.us_list_clearance_usd", "de_minimis.general_usd"),
    )
    thr = np.full(len(wp), np.nan)
    ref = np.full(len(wp), None, dtype=object)
    for n in np.unique(names):
        m = names == n
        p[n].add_errors(errors, pd.Series(m, index=wp.index).reindex(w.index, fill_value=False))
        thr[m] = p[n]["value"].to_numpy()[personal][m]
        ref[m] = p[n]["reference"].to_numpy(dtype=object)[personal][m]
    ref[food] = [f"{x}; {data.food_reference}" for x in ref[food]]
    value_usd = (wp["customs_value_krw"] / usd).to_numpy(dtype=float)
    w.loc[personal, "value_usd"] = value_usd
    w.loc[personal, "de_minimis_threshold_usd"] = thr
    refs = w["de_minimis_reference"].to_numpy(dtype=object).copy()
    refs[personal] = ref
    w["de_minimis_reference"] = pd.Series(refs, index=w.index, dtype=object)
    exempt = np.zeros(len(w), dtype=bool)
    exempt[personal] = value_usd <= thr
    w["de_minimis"] = exempt
