"""Synthetic e-commerce parcel manifests with planted typologies and hard negatives.

``generate(days=..., parcels_per_day=..., seed=...)`` returns the manifest (the columns of
``docs/parcels-format.md``) and a separate labels frame (``parcel_id, typologies,
hard_negatives``) that no detector reads. Everything is drawn with numpy over whole
arrays; only the population's written forms are built person by person.

Labels: planted parcels carry their typology. ``split_shipment`` is additionally labelled
by the law itself over the *true* recipient (person) and the written PCCC: same-day
parcels each within its limit that together exceed the group's limit (the lowest limit of
the group's parcels), whoever planted them, because that is what the rule taxes.

>>> manifest, labels = generate(days=2, parcels_per_day=300, seed=3)
>>> len(manifest) == len(labels), manifest["parcel_id"].is_unique
(True, True)
>>> sorted(set(";".join(labels["typologies"]).split(";")) - {""})[:2]
['commercial_resale', 'pccc_misuse']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from opencustoms.errors import InvalidInput
from opencustoms.parcels import plant
from opencustoms.parcels.money import krw_per_unit
from opencustoms.parcels.people import VARIANTS, make_people
from opencustoms.parcels.reference import DATA_DIR, de_minimis_usd, food_chapters, load_reference

MANIFEST_COLUMNS = (
    "parcel_id",
    "manifest_id",
    "arrival_date",
    "carrier_id",
    "platform",
    "seller_name",
    "seller_country",
    "departure_country",
    "origin_country",
    "recipient_pccc",
    "recipient_name",
    "recipient_phone",
    "recipient_address",
    "description",
    "hs_code",
    "quantity",
    "declared_value",
    "currency",
    "gross_weight_kg",
)


def generator_params() -> dict[str, Any]:
    with (DATA_DIR / "generator.yaml").open(encoding="utf-8") as fh:
        return dict(yaml.safe_load(fh))


def _check_rates_cover(start: dt.date, days: int) -> None:
    """Declared values are written in the sellers' currencies through the customs rates of
    the week: a period past the rate table would give values of NaN, so refuse it."""
    dates = pd.Series(pd.date_range(start, periods=days, freq="D"))
    missing = np.isnan(krw_per_unit(pd.Series("USD", index=dates.index), dates))
    if missing.any():
        first = dates[missing].iloc[0].date()
        raise InvalidInput(
            "start",
            f"no customs exchange rate for the week of {first} in the tariff data "
            "(exchange_rates.csv); generate a period the rate table covers",
        )


def generate(
    *,
    days: int,
    parcels_per_day: int,
    seed: int,
    start: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(manifest, labels) for ``days`` x ``parcels_per_day`` parcels (planted ones included)."""
    if days < 1 or parcels_per_day < 1:
        raise InvalidInput("days" if days < 1 else "parcels_per_day", "must be at least 1")
    ref = load_reference()
    params = generator_params()
    rng = np.random.default_rng(seed)
    start = start or dt.date.fromisoformat(str(params["start_date"]))
    _check_rates_cover(start, days)
    limits = de_minimis_usd(start)
    n = days * parcels_per_day
    rates = params["rates"]
    n_planted = {k: round(v * n) for k, v in rates.items()}
    n_people = max(40, int(n * params["persons_per_parcel"]))
    # made-up identities and lent codes: every planted parcel may need its own
    n_ghosts = 40 + 2 * (
        n_planted["pccc_one_code_many_people"]
        + n_planted["split_shipment"]
        + n_planted["pccc_one_person_many_codes"]
    )
    people = make_people(n_people + n_ghosts, ref, rng)
    if progress:
        progress(1, 3)
    w = plant.World(
        ref=ref,
        params=params,
        rng=rng,
        n_days=days,
        shoppers=np.arange(n_people),
        ghosts=np.arange(n_people, n_people + n_ghosts),
        household=people.household,
    )
    planted = [
        plant.split_shipment(w, n_planted["split_shipment"], limits),
        plant.one_code_many_people(w, n_planted["pccc_one_code_many_people"]),
        plant.one_person_many_codes(w, n_planted["pccc_one_person_many_codes"]),
        plant.commercial_resale(w, n_planted["commercial_resale"]),
        plant.priced(
            w, n_planted["undervaluation"], params["undervaluation"]["factor"], "undervaluation", ""
        ),
        plant.priced(
            w, n_planted["hard_sale_price"], params["hard_sale_price"]["factor"], "", "sale_price"
        ),
        plant.us_150_200(w, n_planted["hard_us_150_200"], limits),
        plant.texts(w, n_planted["prohibited_goods"] + n_planted["hard_lookalike_text"], ref.terms),
    ]
    n_ord = max(0, n - sum(len(s["day"]) for s in planted))
    ordinary = _ordinary(w, n_ord, params)
    spec = {k: np.concatenate([s[k] for s in [ordinary, *planted]]) for k in ordinary}
    order = rng.permutation(len(spec["day"]))
    spec = {k: v[order] for k, v in spec.items()}
    manifest, truth = _render(w, people, spec, start, params)
    if progress:
        progress(2, 3)
    labels = _labels(manifest, spec, truth, limits)
    if progress:
        progress(3, 3)
    return manifest, labels


def _ordinary(w: plant.World, n: int, params: dict[str, Any]) -> plant.Spec:
    activity = w.rng.lognormal(0.0, params["activity_sigma"], len(w.shoppers))
    s = plant.spec(n)
    s["person"] = s["code_owner"] = w.rng.choice(w.shoppers, n, p=activity / activity.sum())
    s["day"] = w.rng.integers(0, w.n_days, n)
    s["platform"] = plant.draw_platforms(w, n)
    plant.draw_goods(w, s)
    return s


def _pick(
    options: list[str], weights: list[float] | None, idx: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    p = None if weights is None else np.asarray(weights, dtype=float) / np.sum(weights)
    return np.asarray(options, dtype=object)[rng.choice(len(options), len(idx), p=p)]


def _render(
    w: plant.World, people: Any, s: plant.Spec, start: dt.date, params: dict[str, Any]
) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    rng, ref = w.rng, w.ref
    n = len(s["day"])
    goods = ref.goods.iloc[s["product"]].reset_index(drop=True)
    plats = ref.platforms
    dates = pd.Series(pd.Timestamp(start) + pd.to_timedelta(s["day"], unit="D"))
    carrier = np.empty(n, dtype=object)
    departure = np.empty(n, dtype=object)
    for pid in np.unique(s["platform"]):
        rows = np.flatnonzero(s["platform"] == pid)
        p = plats[pid]
        carrier[rows] = _pick(p["carriers"], None, rows, rng)
        departure[rows] = _pick(list(p["departures"]), list(p["departures"].values()), rows, rng)
    country = np.array([p["country"] for p in plats], dtype=object)[s["platform"]]
    currency = np.array([p["currency"] for p in plats], dtype=object)[s["platform"]]
    names = np.array([p["name"] for p in plats], dtype=object)[s["platform"]]
    origin = np.where(
        (departure == "CN") | (rng.random(n) < 0.5),
        np.where(departure == "CN", "CN", departure),
        "CN",
    )
    # Descriptions: one of the product's variants, sometimes with a colour or size word.
    per_product = [str(d).split("|") for d in ref.goods["descriptions"]]
    count = np.array([len(v) for v in per_product])
    offset = np.r_[0, np.cumsum(count)[:-1]]
    flat = np.array([d for v in per_product for d in v], dtype=object)
    prod = s["product"]
    desc = flat[offset[prod] + (rng.random(n) * count[prod]).astype(int)]
    colours = np.asarray(params["colour_words"], dtype=object)
    tint = rng.random(n) < 0.3
    desc[tint] = desc[tint] + " " + colours[rng.integers(0, len(colours), int(tint.sum()))]
    override = np.array([d is not None for d in s["desc"]])
    desc[override] = s["desc"][override]
    value_usd = np.round(s["unit_usd"] * s["qty"] * s["factor"], 2)
    rate = krw_per_unit(pd.Series(currency), dates) / krw_per_unit(
        pd.Series("USD", index=range(n)), dates
    )
    declared = np.where(
        currency == "JPY", np.round(value_usd / rate), np.round(value_usd / rate, 2)
    )
    hs = goods["hs6"].to_numpy(dtype=object)
    given = rng.random(n) < params["hs_code_given"]
    hs_out = np.where(given, np.where(rng.random(n) < 0.4, hs + "0000", hs), np.array(None))
    usual = rng.random(n) < params["usual_spelling"]
    variant = np.where(usual, 0, rng.integers(1, VARIANTS, n))
    weight = rng.uniform(goods["weight_lo_kg"], goods["weight_hi_kg"]) * s["qty"] + 0.05
    words = np.asarray(params["seller_words"], dtype=object)
    suffix = pd.Series(country).map(plant.REGION).map(params["seller_suffix"]).to_numpy(object)
    seller = words[rng.integers(0, len(words), n)] + " " + words[rng.integers(0, len(words), n)]
    flight = rng.integers(1, 4, n).astype(str)
    day_text = pd.Series(pd.date_range(start, periods=int(s["day"].max()) + 1, freq="D"))
    iso = day_text.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)[s["day"]]
    ymd = day_text.dt.strftime("%Y%m%d").to_numpy(dtype=object)[s["day"]]
    parcel_ids = rng.permutation(n) + 10**9
    columns = {
        "parcel_id": np.char.add("HWB", parcel_ids.astype(str)).astype(object),
        "manifest_id": carrier + ymd + "-" + flight,
        "arrival_date": iso,
        "carrier_id": carrier,
        "platform": names,
        "seller_name": seller + " " + suffix,
        "seller_country": country,
        "departure_country": departure,
        "origin_country": origin,
        "recipient_pccc": people.pccc[s["code_owner"]],
        "recipient_name": people.names[s["person"], variant],
        "recipient_phone": people.phones[s["person"], variant],
        "recipient_address": people.addresses[s["person"], variant],
        "description": desc,
        "hs_code": hs_out,
        "quantity": s["qty"],
        "declared_value": declared,
        "currency": currency,
        "gross_weight_kg": np.round(weight, 3),
    }
    # Arrow holds the text columns without pandas converting each object array again.
    manifest = pa.table(columns).to_pandas(types_mapper=pd.ArrowDtype)
    truth = {"value_usd": value_usd, "hs6": hs, "departure": departure}
    return manifest, truth


def _labels(
    manifest: pd.DataFrame, s: plant.Spec, truth: dict[str, np.ndarray], limits: dict[str, float]
) -> pd.DataFrame:
    food = np.isin(pd.Series(truth["hs6"]).str[:2].astype(int).to_numpy(), list(food_chapters()))
    own = np.where(
        food, limits["food"], np.where(truth["departure"] == "US", limits["us"], limits["general"])
    )
    eligible = truth["value_usd"] <= own
    split = np.zeros(len(manifest), dtype=bool)
    for key in (s["person"], manifest["recipient_pccc"].to_numpy()):
        g = pd.DataFrame({"k": key, "d": s["day"], "v": truth["value_usd"], "lim": own})[eligible]
        agg = g.groupby(["k", "d"])
        over = (agg["v"].transform("sum") > agg["lim"].transform("min")) & (
            agg["v"].transform("size") >= 2
        )
        split[np.flatnonzero(eligible)[over.to_numpy()]] = True
    planted = s["label"].astype(object).copy()
    # A misused identity taints all its parcels: every parcel under a code written for
    # other people, and every parcel of a person who writes other people's codes.
    misuse = planted == "pccc_misuse"
    persons, owners = np.unique(s["person"][misuse]), np.unique(s["code_owner"][misuse])
    multi = np.isin(
        s["person"],
        persons[np.isin(persons, s["person"][misuse & (s["person"] != s["code_owner"])])],
    )
    planted[(multi | np.isin(s["code_owner"], owners)) & (planted == "")] = "pccc_misuse"
    # codes sorted alphabetically within a cell: a planted code next to split_shipment
    both = np.where(
        planted < "split_shipment", planted + ";split_shipment", "split_shipment;" + planted
    )
    codes = np.where(
        split,
        np.where((planted == "") | (planted == "split_shipment"), "split_shipment", both),
        planted,
    )
    hard = s["hard"].astype(object).copy()
    counts = pd.Series(s["person"]).map(pd.Series(s["person"]).value_counts()).to_numpy()
    frequent = (counts >= 10) & (planted == "")
    hard[frequent & (hard == "")] = "frequent_shopper"
    cheap = manifest.index.isin(
        np.flatnonzero(truth["value_usd"] / np.maximum(s["qty"], 1) < 10)
    ) & (planted == "")
    hard[cheap & (hard == "")] = "cheap_goods"
    return pd.DataFrame(
        {"parcel_id": manifest["parcel_id"], "typologies": codes, "hard_negatives": hard}
    )


def write_generated(
    manifest: pd.DataFrame, labels: pd.DataFrame, out: Path, labels_out: Path
) -> None:
    """Write the manifest and the labels, each as CSV or Parquet by its file extension."""
    for frame, path in ((manifest, out), (labels, labels_out)):
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() in (".parquet", ".pq"):
            frame.to_parquet(path, index=False)
        else:
            frame.to_csv(path, index=False)


def default_labels_path(out: Path) -> Path:
    return out.with_name(f"{out.stem}.labels{out.suffix}")
