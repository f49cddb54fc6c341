"""Dated parameters resolved per row of a frame, computed once per distinct date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.tariff.frames import Errors
from opencustoms.tariff.parameters import ParameterNotInForce
from opencustoms.tariff.tables import TariffData

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


class DatedParam:
    """One dated parameter resolved per row, lazily: values are computed per unique date
    and gathered to rows only when a column is asked for."""

    def __init__(
        self,
        codes: np.ndarray,
        vals: np.ndarray,
        refs: np.ndarray,
        errs: np.ndarray,
        index: pd.Index,
    ) -> None:
        self._idx = np.where(codes < 0, len(vals) - 1, codes)
        self._u = {"value": vals, "reference": refs, "error": errs}
        self._index = index
        self._cache: dict[str, pd.Series] = {}
        self.failed = pd.Series(np.array([e is not None for e in errs])[self._idx], index=index)

    def __getitem__(self, key: str) -> pd.Series:
        if key not in self._cache:
            u = self._u[key]
            dtype = float if key == "value" else object
            self._cache[key] = pd.Series(u[self._idx], index=self._index, dtype=dtype)
        return self._cache[key]

    def add_errors(self, errors: Errors, mask: pd.Series | None = None) -> None:
        failing = self.failed if mask is None else self.failed & mask
        if failing.any():
            errors.add(failing, self["error"])


def params_by_date(dates: pd.Series, data: TariffData) -> dict[str, DatedParam]:
    """Each dated parameter's value and reference per row (NaN + message when not in force)."""
    out = {}
    codes, uniq = pd.factorize(dates)
    days = [pd.Timestamp(d).date() for d in uniq]
    for name in DATED_PARAMS:
        # The trailing slot serves rows without a date (code -1).
        vals = np.full(len(uniq) + 1, np.nan)
        refs = np.full(len(uniq) + 1, None, dtype=object)
        errs = np.full(len(uniq) + 1, None, dtype=object)
        for k, day_ in enumerate(days):
            try:
                item = data.params.at(name, day_)
                vals[k], refs[k] = float(item.value), item.reference
            except ParameterNotInForce as exc:
                errs[k] = str(exc)
        out[name] = DatedParam(codes, vals, refs, errs, dates.index)
    return out
