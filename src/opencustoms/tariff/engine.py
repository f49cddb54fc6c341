"""Vectorised duty and tax computation over a frame of declaration lines.

One implementation serves both paths: :func:`compute_frame` resolves every rate with
table merges (no per-row Python), and the scalar ``calculate`` runs it on one row and
turns the resolved columns into explained lines. Rows with bad input get an ``error``
naming the field instead of a number; nothing falls back silently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.declarations.types import check_country, check_currency
from opencustoms.tariff.parameters import ParameterNotInForce
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
DATED_PARAMS = (
    "vat.rate",
    "rounding.tax_unit_krw",
    "rounding.value_unit_krw",
    "excise.luxury.threshold_krw",
    "excise.luxury.rate",
    "excise.education_tax.rate_on_ic",
    "excise.rural_special_tax.rate_on_ic",
    "liquor.beer_krw_per_litre",
    "liquor.wine_rate",
    "liquor.spirits_rate",
    "liquor.education_tax_rate",
    "liquor.education_tax_rate_high",
    "liquor.education_tax_high_above",
    "de_minimis.general_usd",
    "de_minimis.us_list_clearance_usd",
    "de_minimis.food_usd",
)
_TRUE = {"1", "true", "yes", "y", "t"}


class _Errors:
    """First error per row; later checks never overwrite an earlier one."""

    def __init__(self, index: pd.Index) -> None:
        self.s = pd.Series(None, index=index, dtype="object")

    def add(self, mask: pd.Series, message: str | pd.Series | Callable[[Any], str]) -> None:
        m = mask.fillna(False).astype(bool) & self.s.isna()
        if not m.any():
            return
        if callable(message):
            # Formatted per failing row only, so clean rows cost nothing.
            self.s[m] = [message(i) for i in m.index[m]]
        elif isinstance(message, pd.Series):
            self.s[m] = message[m].astype("object")
        else:
            self.s[m] = message

    @property
    def ok(self) -> pd.Series:
        return self.s.isna()


def _flag(col: pd.Series) -> pd.Series:
    if col.dtype == bool:
        return col
    return col.astype("string").str.strip().str.lower().isin(_TRUE).fillna(False).astype(bool)


def _checked_map(values: pd.Series, check: object) -> tuple[pd.Series, pd.Series]:
    """Apply a validator to the unique values; return (normalised, error message)."""
    good: dict[object, object] = {}
    bad: dict[object, str] = {}
    for v in values.dropna().unique():
        try:
            good[v] = check(str(v))  # type: ignore[operator]
        except ValueError as exc:
            bad[v] = str(exc)
    return values.map(good).astype("object"), values.map(bad).astype("object")


def trunc(amount: pd.Series | np.ndarray, unit: pd.Series | float) -> pd.Series:
    """Truncate down to a multiple of ``unit`` (rounding first absorbs float noise)."""
    return np.floor(np.round(amount / unit, 6)) * unit


def dated_lookup(
    keys: pd.DataFrame, table: pd.DataFrame, on: list[str], cols: list[str]
) -> pd.DataFrame:
    """Per row of ``keys`` (with a ``date`` column), the table row matching ``on`` whose
    validity period contains the date; NaN where none does."""
    left = keys[[*on, "date"]].copy()
    left["_row"] = keys.index
    m = left.merge(table[[*on, "valid_from", "valid_to", *cols]], on=on, how="inner")
    m = m[(m["valid_from"] <= m["date"]) & (m["date"] <= m["valid_to"])]
    m = m.drop_duplicates("_row").set_index("_row")
    return m[cols].reindex(keys.index)


def _params_by_date(dates: pd.Series, data: TariffData) -> dict[str, pd.DataFrame]:
    """Each dated parameter's value and reference per row (NaN + message when not in force)."""
    out = {}
    uniq = dates.dropna().unique()
    for name in DATED_PARAMS:
        vals, refs, errs = {}, {}, {}
        for d in uniq:
            try:
                item = data.params.at(name, pd.Timestamp(d).date())
                vals[d], refs[d] = float(item.value), item.reference
            except ParameterNotInForce as exc:
                errs[d] = str(exc)
        out[name] = pd.DataFrame(
            {"value": dates.map(vals), "reference": dates.map(refs), "error": dates.map(errs)}
        )
    return out


_KNOWN_CACHE: dict[int, pd.Index] = {}


def _known_hs6_index(data: TariffData) -> pd.Index:
    # isin against a prebuilt Index avoids re-hashing ~6,000 codes on every call.
    key = id(data.known_hs6)
    if key not in _KNOWN_CACHE:
        _KNOWN_CACHE[key] = pd.Index(sorted(data.known_hs6), dtype="str")
    return _KNOWN_CACHE[key]


def _normalise(frame: pd.DataFrame, data: TariffData, errors: _Errors) -> pd.DataFrame:
    missing = [c for c in REQUIRED_INPUT if c not in frame.columns]
    if missing:
        raise ValueError(f"{missing[0]}: required column missing from the input")
    w = pd.DataFrame(index=frame.index)
    hs = frame["hs_code"].astype("string").str.replace(r"[.\s-]", "", regex=True)
    hs = hs.where(hs.str.len() % 2 == 0, "0" + hs)
    shape_ok = hs.str.fullmatch(r"\d{6,10}").fillna(False).astype(bool)
    raw_hs = frame["hs_code"]
    errors.add(~shape_ok, lambda i: f"hs_code: {raw_hs[i]!r} is not an HS code of 6 to 10 digits")
    w["hs"], w["hs6"] = hs, hs.str[:6]
    errors.add(
        shape_ok & ~w["hs6"].isin(_known_hs6_index(data)),
        lambda i: (
            f"hs_code: unknown HS6 code {w.at[i, 'hs6']!s} "
            "(not in the HS 2022-based US schedule nor the KCS rate table)"
        ),
    )
    w["chapter"] = pd.to_numeric(w["hs6"].str[:2], errors="coerce")
    origin, bad = _checked_map(
        frame["origin"].astype("string").str.strip().str.upper(), check_country
    )
    errors.add(frame["origin"].isna(), "origin: missing country of origin")
    errors.add(bad.notna(), lambda i: f"origin: {bad[i]!s}")
    w["origin"] = origin
    cur, bad = _checked_map(
        frame["currency"].astype("string").str.strip().str.upper(), check_currency
    )
    errors.add(frame["currency"].isna(), "currency: missing currency")
    bad_cur = bad
    errors.add(bad_cur.notna(), lambda i: f"currency: {bad_cur[i]!s}")
    known_fx = set(data.fx["currency"]) | {"KRW"}
    errors.add(
        cur.notna() & ~cur.isin(known_fx),
        lambda i: f"currency: no customs exchange rate table for {cur[i]!s}",
    )
    w["currency"] = cur
    value = pd.to_numeric(frame["value"], errors="coerce")
    errors.add(value.isna() | (value < 0), "value: must be a non-negative number")
    w["value"] = value
    date = pd.to_datetime(frame["date"], errors="coerce").dt.normalize()
    errors.add(date.isna(), "date: not a date in YYYY-MM-DD form")
    w["date"] = date
    qty = pd.to_numeric(frame["quantity"], errors="coerce") if "quantity" in frame else np.nan
    w["quantity"] = qty
    errors.add(w["quantity"] <= 0, "quantity: must be positive when given")
    fta_raw = frame["fta"].astype("string").str.strip() if "fta" in frame else None
    if fta_raw is not None:
        fta_raw = fta_raw.where(fta_raw != "")
        ids = fta_raw.map(lambda v: data.resolve_agreement(v) if isinstance(v, str) else None)
        known = ", ".join(sorted(data.agreements))
        errors.add(
            fta_raw.notna() & ids.isna(),
            lambda i: f"fta: unknown agreement {fta_raw[i]!r} (known: {known})",
        )
        w["fta"] = pd.Series(ids.tolist(), index=frame.index, dtype="object")
    else:
        w["fta"] = None
    w["fta_prefix"] = w["fta"].map({k: a.kcs_prefix for k, a in data.agreements.items()})
    for col in ("proof_of_origin", "personal_use", "list_clearance"):
        w[col] = _flag(frame[col]) if col in frame else False
    sup = frame["supplier"].astype("string").str.strip() if "supplier" in frame else None
    w["supplier"] = sup.fillna("") if sup is not None else ""
    return w


def _resolve_duty(w: pd.DataFrame, data: TariffData, errors: _Errors) -> None:
    rates = data.rates
    basic = dated_lookup(w, rates[rates["tier"] == "A"], ["hs6"], ["rate", "reference"])
    chap = dated_lookup(w, data.chapter_defaults, ["chapter"], ["rate", "reference"])
    general = dated_lookup(
        w.assign(chapter=0), data.chapter_defaults, ["chapter"], ["rate", "reference"]
    )
    chap = chap.fillna(general)
    w["basic_source"] = np.where(basic["rate"].notna(), "hs6", "chapter default")
    w["basic_rate"] = basic["rate"].fillna(chap["rate"])
    w["basic_reference"] = basic["reference"].fillna(chap["reference"])
    errors.add(
        w["basic_rate"].isna(),
        lambda i: (
            f"date: no basic duty rate for HS6 {w.at[i, 'hs6']!s} in force on "
            f"{_day(w.at[i, 'date'])}"
        ),
    )
    wto = dated_lookup(w, rates[rates["tier"] == "C"], ["hs6"], ["rate", "reference"])
    w["wto_rate"], w["wto_reference"] = wto["rate"], wto["reference"]
    use_wto = w["wto_rate"] < w["basic_rate"]
    w["duty_tier"] = np.where(
        use_wto,
        "WTO concession",
        np.where(w["basic_source"] == "hs6", "basic", "basic (chapter default)"),
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
        w.assign(supplier="*"), data.remedies, ["hs6", "origin", "supplier"], rem_cols
    )
    remedy = exact.fillna(others)
    w["remedy_rate"] = remedy["rate"]
    w["remedy_measure"], w["remedy_product"] = remedy["measure"], remedy["product"]
    w["remedy_reference"] = remedy["reference"]
    w["remedy_supplier_specific"] = exact["rate"].notna()


def _excise_kind(w: pd.DataFrame, data: TariffData) -> None:
    ex = data.excise.set_index("prefix")
    kind = pd.Series(None, index=w.index, dtype="object")
    for length in (4, 6):  # the longer prefix overwrites the shorter
        key = w["hs"].str[:length]
        hit = key.isin(ex.index)
        kind[hit] = key[hit]
    w["excise_prefix"] = kind
    w["excise_kind"] = kind.map(ex["kind"])
    w["excise_description"] = kind.map(ex["description"])
    w["excise_reference"] = kind.map(ex["reference"])
    w["rural_flag"] = kind.map(ex["rural"]).fillna(False).astype(bool)


def _fx(w: pd.DataFrame, data: TariffData, errors: _Errors, cur: str | None = None) -> pd.Series:
    week = w["date"] - pd.to_timedelta((w["date"].dt.day_of_week + 1) % 7, unit="D")
    keys = pd.DataFrame({"currency": cur or w["currency"], "week_start": week}, index=w.index)
    fx = data.fx.rename(columns={"krw_per_unit": "rate"})
    m = (
        keys.reset_index()
        .merge(
            fx[["currency", "week_start", "rate", "reference"]],
            on=["currency", "week_start"],
            how="left",
        )
        .set_index("index")
    )
    rate, ref = m["rate"].reindex(w.index), m["reference"].reindex(w.index)
    krw = keys["currency"] == "KRW"
    rate[krw], ref[krw] = 1.0, "value given in KRW: no conversion"
    errors.add(
        rate.isna(),
        lambda i: (
            f"date: no customs exchange rate for {keys.at[i, 'currency']!s} in the week "
            f"of {_day(w.at[i, 'date'])}"
        ),
    )
    return rate, ref  # type: ignore[return-value]


def compute_frame(frame: pd.DataFrame, data: TariffData | None = None) -> pd.DataFrame:
    """Duty and taxes for every row of ``frame`` (columns: see ``INPUT_COLUMNS``).

    Returns one row per input row (same index) with the resolved tier, rate and
    reference of each tax, the amounts in KRW, ``total_krw`` and ``error`` (None if ok).
    """
    data = data or load_tariff_data()
    errors = _Errors(frame.index)
    w = _normalise(frame, data, errors)
    w["exchange_rate"], w["exchange_reference"] = _fx(w, data, errors)
    p = _params_by_date(w["date"], data)
    for name in ("vat.rate", "rounding.tax_unit_krw", "rounding.value_unit_krw"):
        errors.add(p[name]["error"].notna(), p[name]["error"])
    unit, vunit = p["rounding.tax_unit_krw"]["value"], p["rounding.value_unit_krw"]["value"]
    _resolve_duty(w, data, errors)
    _excise_kind(w, data)
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
        errors.add(lux & p[name]["error"].notna(), p[name]["error"])
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
    _liquor(w, p, errors, cv + duties, unit)
    w["vat_base"] = (
        cv
        + duties
        + w["ic_amount"]
        + w["edu_amount"]
        + w["rural_amount"]
        + w["liquor_amount"]
        + w["liquor_edu_amount"]
    )
    errors.add(p["vat.rate"]["error"].notna(), p["vat.rate"]["error"])
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
    w["error"] = errors.s.where(errors.s.notna(), None).astype("object")
    bad = w["error"].notna()
    w.loc[bad, [*amounts, "total_krw", "customs_value_krw"]] = np.nan
    w.attrs["params"] = p
    return w


def _liquor(
    w: pd.DataFrame, p: dict[str, pd.DataFrame], errors: _Errors, base: pd.Series, unit: pd.Series
) -> None:
    kind = w["excise_kind"]
    liquor = kind.isin(["beer", "wine", "spirits"])
    rate = pd.Series(0.0, index=w.index)
    ref = pd.Series(None, index=w.index, dtype="object")
    for k, name in (
        ("wine", "liquor.wine_rate"),
        ("spirits", "liquor.spirits_rate"),
        ("beer", "liquor.beer_krw_per_litre"),
    ):
        m = kind == k
        errors.add(m & p[name]["error"].notna(), p[name]["error"])
        rate[m], ref[m] = p[name]["value"][m], p[name]["reference"][m]
    beer = kind == "beer"
    errors.add(
        beer & w["quantity"].isna(),
        "quantity: litres are required for the beer liquor tax (specific per litre)",
    )
    w["liquor_rate"], w["liquor_reference"] = rate, ref
    w["liquor_base"] = base.where(liquor & ~beer, w["quantity"].where(beer, 0.0))
    w["liquor_amount"] = trunc(w["liquor_base"].fillna(0) * rate, unit)
    high = (kind != "beer") & (rate > p["liquor.education_tax_high_above"]["value"])
    edu = p["liquor.education_tax_rate"]
    w["liquor_edu_rate"] = edu["value"].where(~high, p["liquor.education_tax_rate_high"]["value"])
    w["liquor_edu_reference"] = edu["reference"].where(
        ~high, p["liquor.education_tax_rate_high"]["reference"]
    )
    w["liquor_edu_rate"] = w["liquor_edu_rate"].where(liquor, 0.0)
    w["liquor_edu_amount"] = trunc(w["liquor_amount"] * w["liquor_edu_rate"], unit)


def _de_minimis(
    w: pd.DataFrame, data: TariffData, p: dict[str, pd.DataFrame], errors: _Errors
) -> None:
    personal = w["personal_use"].astype(bool)
    w["de_minimis"] = False
    w["de_minimis_threshold_usd"] = np.nan
    w["de_minimis_reference"] = None
    if not personal.any():
        return
    sub = _Errors(w.index)
    usd, _ = _fx(w, data, sub, cur="USD")
    errors.add(personal & sub.s.notna(), sub.s)
    food = w["chapter"].isin(data.food_chapters)
    us_list = (w["origin"] == "US") & w["list_clearance"] & ~food
    name = pd.Series("de_minimis.general_usd", index=w.index)
    name[food] = "de_minimis.food_usd"
    name[us_list] = "de_minimis.us_list_clearance_usd"
    thr = pd.Series(np.nan, index=w.index)
    ref = pd.Series(None, index=w.index, dtype="object")
    for n in name.unique():
        m = name == n
        errors.add(personal & m & p[n]["error"].notna(), p[n]["error"])
        thr[m], ref[m] = p[n]["value"][m], p[n]["reference"][m]
    ref[food] = [f"{x}; {data.food_reference}" for x in ref[food]]
    value_usd = w["customs_value_krw"] / usd
    w["value_usd"] = value_usd
    w["de_minimis_threshold_usd"] = thr.where(personal)
    w["de_minimis_reference"] = ref.where(personal)
    w["de_minimis"] = (personal & (value_usd <= thr)).fillna(False).astype(bool)


def _day(value: object) -> str:
    return pd.Timestamp(value).strftime("%Y-%m-%d")  # type: ignore[arg-type]
