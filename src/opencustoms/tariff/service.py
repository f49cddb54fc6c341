"""Duty and tax calculation: the public API of the tariff engine.

>>> r = calculate(hs_code="690722", origin="CN", value=1_200_000, currency="KRW",
...               date="2020-06-01")
>>> [(line.tax, line.amount) for line in r.lines], r.total
([('customs_duty', 96000.0), ('vat', 129600.0)], 225600.0)
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, Field

from opencustoms.errors import InvalidInput
from opencustoms.tariff import texts
from opencustoms.tariff.dated_params import DatedParam
from opencustoms.tariff.engine import INPUT_COLUMNS, compute_frame
from opencustoms.tariff.tables import load_tariff_data
from opencustoms.tariff.texts import Text


class TariffInputError(InvalidInput):
    """Bad input; the message starts with the offending field name (``field: reason``)."""

    def __init__(self, message: str) -> None:
        field, _, reason = message.partition(":")
        super().__init__(field.strip(), reason.strip() or message)


class TaxLine(BaseModel):
    tax: str = Field(description="customs_duty, anti_dumping, individual_consumption_tax, ...")
    base: float = Field(description="Amount the rate applies to (KRW; litres for beer).")
    rate: float
    rate_unit: str = Field(default="%", description="'%' or 'KRW/litre'.")
    amount: float = Field(description="KRW, truncated to the legal unit.")
    tier: str = Field(description="Rate tier or legal basis that applied.")
    reference: str
    explanation: str
    explanation_texts: list[Text] = Field(
        default_factory=list, description="The explanation as translatable texts."
    )


def _line(*, why: list[Text], **fields: Any) -> TaxLine:
    return TaxLine(**fields, explanation=texts.english(why), explanation_texts=why)


class TaxComputation(BaseModel):
    hs_code: str
    hs6: str
    origin: str
    value: float
    currency: str
    date: dt.date
    quantity: float | None = None
    fta: str | None = None
    proof_of_origin: bool = False
    exchange_rate: float
    exchange_rate_reference: str
    customs_value_krw: float
    de_minimis: bool = False
    lines: list[TaxLine]
    total: float = Field(description="Sum of all tax lines, KRW.")
    notes: list[str] = Field(default_factory=list)
    note_texts: list[Text] = Field(default_factory=list, description="notes, translatable")


def batch(frame: pd.DataFrame | pa.Table) -> pd.DataFrame:
    """Vectorised calculation over a frame with columns ``hs_code, origin, value, currency,
    date`` and optionally ``quantity, fta, proof_of_origin, supplier, personal_use,
    list_clearance``. Returns one row per input row (same index) with ``customs_value_krw``,
    each tax's ``*_rate``/``*_amount``, ``duty_tier``, ``duty_reference``, ``total_krw``
    and ``error`` (a message naming the field, or None)."""
    if isinstance(frame, pa.Table):
        frame = frame.to_pandas()
    w = compute_frame(frame)
    cols = [
        "hs6",
        "origin",
        "currency",
        "exchange_rate",
        "customs_value_krw",
        "duty_tier",
        "duty_rate",
        "duty_reference",
        "fta_status",
        "duty_amount",
        "remedy_rate",
        "remedy_amount",
        "ic_amount",
        "edu_amount",
        "rural_amount",
        "liquor_amount",
        "liquor_edu_amount",
        "vat_base",
        "vat_amount",
        "de_minimis",
        "total_krw",
        "error",
    ]
    return w[cols]


def calculate(
    *,
    hs_code: str,
    origin: str,
    value: float,
    currency: str,
    date: dt.date | str,
    quantity: float | None = None,
    fta: str | None = None,
    proof_of_origin: bool = False,
    supplier: str | None = None,
    personal_use: bool = False,
    list_clearance: bool = False,
) -> TaxComputation:
    """Itemised duty and taxes of one declaration line, with the legal basis of each line.

    Raises :class:`TariffInputError` (``"field: reason"``) on bad input.
    """
    row: dict[str, Any] = {
        "hs_code": str(hs_code),
        "origin": origin,
        "value": value,
        "currency": currency,
        "date": str(date),
        "quantity": quantity,
        "fta": fta,
        "proof_of_origin": bool(proof_of_origin),
        "supplier": supplier,
        "personal_use": bool(personal_use),
        "list_clearance": bool(list_clearance),
    }
    frame = pd.DataFrame([row], columns=list(INPUT_COLUMNS))
    w = compute_frame(frame)
    r = w.iloc[0]
    if isinstance(r["error"], str):
        raise TariffInputError(r["error"])
    return _explain(r, w.attrs["params"], w.index[0])


def calculate_many(items: list[dict[str, Any]]) -> list[TaxComputation | TariffInputError]:
    """Several lines (keyword dicts as for :func:`calculate`) in one vectorised pass: the
    explained result of each, or the :class:`TariffInputError` of a bad line (not raised).
    Much faster per line than repeated ``calculate`` calls (a declaration's items)."""
    frame = pd.DataFrame(
        [{**item, "date": str(item.get("date"))} for item in items], columns=list(INPUT_COLUMNS)
    )
    w = compute_frame(frame)
    out: list[TaxComputation | TariffInputError] = []
    for i in w.index:
        r = w.loc[i]
        error = r["error"]
        out.append(
            TariffInputError(error) if isinstance(error, str) else _explain(r, w.attrs["params"], i)
        )
    return out


def _duty_line(r: pd.Series) -> TaxLine:
    why = texts.duty(
        tier=r.duty_tier,
        hs6=r.hs6,
        basic=r.basic_rate,
        wto=r.wto_rate,
        rate=r.duty_rate,
        fta=str(r.fta),
        fta_status=r.fta_status,
        fta_rate=r.fta_rate,
    )
    return _line(
        why=why,
        tax="customs_duty",
        base=r.customs_value_krw,
        rate=r.duty_rate,
        amount=r.duty_amount,
        tier=r.duty_tier,
        reference=r.duty_reference,
    )


def _tax_on_tax(
    *,
    tax: str,
    tier: str,
    parent: str,
    parent_amount: float,
    rate: float,
    amount: float,
    reference: str,
) -> TaxLine:
    """A surtax levied as a fraction ``rate`` of another tax's amount."""
    return _line(
        why=[texts.of_tax(parent, rate=rate)],
        tax=tax,
        base=parent_amount,
        rate=rate * 100,
        amount=amount,
        tier=tier,
        reference=reference,
    )


def _explain(r: pd.Series, p: dict[str, DatedParam], i: Any) -> TaxComputation:
    cv = float(r.customs_value_krw)
    lines = []
    if pd.notna(r.remedy_rate):
        why = texts.remedy(
            measure=str(r.remedy_measure),
            product=str(r.remedy_product),
            origin=str(r.origin),
            supplier_specific=bool(r.remedy_supplier_specific),
        )
        lines.append(
            _line(
                why=[why],
                tax=str(r.remedy_measure),
                base=cv,
                rate=r.remedy_rate,
                amount=r.remedy_amount,
                tier="trade remedy",
                reference=r.remedy_reference,
            )
        )
    lines.append(_duty_line(r))
    duties = r.duty_amount + r.remedy_amount
    if r.excise_kind == "luxury":
        thr = p["excise.luxury.threshold_krw"]["value"][i] * (
            1.0 if pd.isna(r.quantity) else r.quantity
        )
        why = texts.luxury(
            goods=str(r.excise_description), rate=r.ic_rate, base=cv + duties, threshold=thr
        )
        lines.append(
            _line(
                why=[why],
                tax="individual_consumption_tax",
                base=r.ic_base,
                rate=r.ic_rate * 100,
                amount=r.ic_amount,
                tier="individual consumption tax (luxury goods)",
                reference=(
                    f"{p['excise.luxury.rate']['reference'][i]}; threshold: "
                    f"{p['excise.luxury.threshold_krw']['reference'][i]}"
                ),
            )
        )
        lines.append(
            _tax_on_tax(
                tax="education_tax",
                tier="education tax on individual consumption tax",
                parent="individual consumption tax",
                parent_amount=r.ic_amount,
                rate=r.edu_rate,
                amount=r.edu_amount,
                reference=p["excise.education_tax.rate_on_ic"]["reference"][i],
            )
        )
        if r.rural_flag:
            lines.append(
                _tax_on_tax(
                    tax="rural_special_tax",
                    tier="rural special tax",
                    parent="individual consumption tax",
                    parent_amount=r.ic_amount,
                    rate=r.rural_rate,
                    amount=r.rural_amount,
                    reference=p["excise.rural_special_tax.rate_on_ic"]["reference"][i],
                )
            )
    if r.excise_kind in ("beer", "wine", "spirits"):
        beer = r.excise_kind == "beer"
        why = texts.liquor(
            goods=str(r.excise_description), beer=beer, rate=r.liquor_rate, litres=r.liquor_base
        )
        lines.append(
            _line(
                why=[why],
                tax="liquor_tax",
                base=r.liquor_base,
                rate=r.liquor_rate if beer else r.liquor_rate * 100,
                rate_unit="KRW/litre" if beer else "%",
                amount=r.liquor_amount,
                tier=f"liquor tax ({r.excise_kind})",
                reference=r.liquor_reference,
            )
        )
        lines.append(
            _tax_on_tax(
                tax="liquor_education_tax",
                tier="education tax on liquor tax",
                parent="liquor tax",
                parent_amount=r.liquor_amount,
                rate=r.liquor_edu_rate,
                amount=r.liquor_edu_amount,
                reference=r.liquor_edu_reference,
            )
        )
    lines.append(
        _line(
            why=[texts.VAT],
            tax="vat",
            base=r.vat_base,
            rate=r.vat_rate * 100,
            amount=r.vat_amount,
            tier="VAT",
            reference=r.vat_reference,
        )
    )
    notes: list[Text] = []
    if r.excise_kind == "luxury" and pd.isna(r.quantity):
        notes.append(texts.ONE_ITEM)
    if r.de_minimis:
        why = texts.exempt(value_usd=r.value_usd, threshold=r.de_minimis_threshold_usd)
        for line in lines:
            line.amount = 0.0
            line.tier = "de minimis"
            line.reference = str(r.de_minimis_reference)
            line.explanation, line.explanation_texts = why.english(), [why]
        notes.append(why)
    elif r.personal_use:
        notes.append(
            texts.taxed_in_full(value_usd=r.value_usd, threshold=r.de_minimis_threshold_usd)
        )
    return TaxComputation(
        hs_code=str(r.hs),
        hs6=str(r.hs6),
        origin=str(r.origin),
        value=float(r.value),
        currency=str(r.currency),
        date=r.date.date(),
        quantity=None if pd.isna(r.quantity) else float(r.quantity),
        fta=None if r.fta is None or pd.isna(r.fta) else str(r.fta),
        proof_of_origin=bool(r.proof_of_origin),
        exchange_rate=float(r.exchange_rate),
        exchange_rate_reference=str(r.exchange_reference),
        customs_value_krw=cv,
        de_minimis=bool(r.de_minimis),
        lines=lines,
        total=float(r.total_krw),
        notes=[t.english() for t in notes],
        note_texts=notes,
    )


def tariff_data_summary() -> dict[str, int]:
    data = load_tariff_data()
    return {
        "hs6_rates": len(data.rates),
        "agreements": len(data.agreements),
        "currencies": int(data.fx["currency"].nunique()) + 1,
    }
