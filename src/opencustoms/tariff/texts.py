"""The explanations of a tax computation as translatable texts.

This package does not translate: each explanation is a :class:`Text`, an English message
id with ``%(name)s`` placeholders and its arguments. The English ``explanation`` strings
of the API are ``Text.english()``; a face that speaks other languages (the public portal)
looks the id up in its catalogue. ``N_`` marks the ids for extraction
(``opencustoms.i18n.catalog`` reads this module).

>>> t = of_tax("liquor tax", rate=0.3)
>>> t.id, t.args, t.english()
('%(rate)s of the %(parent)s', {'rate': '30%', 'parent': 'liquor tax'}, '30% of the liquor tax')
"""

from __future__ import annotations

from pydantic import BaseModel, Field


def N_(message: str) -> str:
    """Mark a message for extraction without translating it here."""
    return message


class Text(BaseModel):
    id: str = Field(description="English message with %(name)s placeholders.")
    args: dict[str, str] = Field(default_factory=dict)
    translate: list[str] = Field(
        default_factory=list, description="Arguments that are messages themselves."
    )

    def english(self) -> str:
        return self.id % self.args


# Words that fill other messages' placeholders (Text.translate names them).
WORDS = (
    N_("individual consumption tax"),
    N_("liquor tax"),
    N_("anti-dumping duty"),
    N_("countervailing duty"),
    N_("safeguard duty"),
    N_("this supplier"),
    N_("all other suppliers"),
    # FTA claims that were not applied (tariff/engine.py fta_status).
    N_("no preferential rate known"),
    N_("no proof of origin"),
    N_("origin not a member"),
)
MEASURES = {
    "anti_dumping": "anti-dumping duty",
    "countervailing": "countervailing duty",
    "safeguard": "safeguard duty",
}


def pct(x: float) -> str:
    return f"{x:g}%"


def duty(
    *,
    tier: str,
    hs6: str,
    basic: float,
    wto: float,
    rate: float,
    fta: str,
    fta_status: str,
    fta_rate: float,
) -> list[Text]:
    """Why the customs duty rate applies (rates in percent)."""
    if tier == "basic":
        why = Text(
            id=N_("basic rate for HS6 %(hs6)s (%(rate)s)"), args={"hs6": hs6, "rate": pct(basic)}
        )
    elif tier == "basic (chapter default)":
        why = Text(
            id=N_(
                "no HS6-level rate known for %(hs6)s: documented chapter default for "
                "chapter %(chapter)s applied (%(rate)s)"
            ),
            args={"hs6": hs6, "chapter": hs6[:2], "rate": pct(basic)},
        )
    elif tier == "WTO concession":
        why = Text(
            id=N_("WTO concession rate %(wto)s is lower than the basic rate %(basic)s"),
            args={"wto": pct(wto), "basic": pct(basic)},
        )
    else:
        why = Text(
            id=N_(
                "%(tier)s preferential rate %(rate)s, origin proven and lower than the "
                "otherwise applicable rate"
            ),
            args={"tier": tier, "rate": pct(rate)},
        )
    out = [why]
    if fta_status == "not lower":
        out.append(
            Text(
                id=N_("FTA %(fta)s claimed but not applied: not lower (%(rate)s)"),
                args={"fta": fta, "rate": pct(fta_rate)},
            )
        )
    elif fta_status not in ("not claimed", "applied"):
        out.append(
            Text(
                id=N_("FTA %(fta)s claimed but not applied: %(status)s"),
                args={"fta": fta, "status": fta_status},
                translate=["status"],
            )
        )
    return out


def of_tax(parent: str, *, rate: float) -> Text:
    """A surtax levied as a fraction of another tax (``parent``, one of WORDS)."""
    return Text(
        id=N_("%(rate)s of the %(parent)s"),
        args={"rate": pct(rate * 100), "parent": parent},
        translate=["parent"],
    )


def remedy(*, measure: str, product: str, origin: str, supplier_specific: bool) -> Text:
    return Text(
        id=N_(
            "%(measure)s on %(product)s from %(origin)s (%(scope)s), levied first and in "
            "addition to the customs duty"
        ),
        args={
            "measure": MEASURES.get(measure, measure),
            "product": product,
            "origin": origin,
            "scope": "this supplier" if supplier_specific else "all other suppliers",
        },
        translate=["measure", "scope"],
    )


def luxury(*, goods: str, rate: float, base: float, threshold: float) -> Text:
    return Text(
        id=N_("%(goods)s: %(rate)s of customs value + duty (%(base)s) above KRW %(threshold)s"),
        args={
            "goods": goods,
            "rate": pct(rate * 100),
            "base": f"{base:,.0f}",
            "threshold": f"{threshold:,.0f}",
        },
    )


def liquor(*, goods: str, beer: bool, rate: float, litres: float) -> Text:
    if beer:
        return Text(
            id=N_("%(goods)s: KRW %(rate)s per litre x %(litres)s litres"),
            args={"goods": goods, "rate": f"{rate:g}", "litres": f"{litres:g}"},
        )
    return Text(
        id=N_("%(goods)s: %(rate)s of customs value + duty"),
        args={"goods": goods, "rate": pct(rate * 100)},
    )


VAT = Text(id=N_("customs value + duties + excise taxes, times the VAT rate"))
ONE_ITEM = Text(id=N_("quantity not given: the luxury-goods threshold was applied once (1 item)"))


def exempt(*, value_usd: float, threshold: float) -> Text:
    return Text(
        id=N_("personal import worth USD %(value)s <= threshold USD %(threshold)s: exempt"),
        args={"value": f"{value_usd:,.2f}", "threshold": f"{threshold:g}"},
    )


def taxed_in_full(*, value_usd: float, threshold: float) -> Text:
    return Text(
        id=N_(
            "personal import worth USD %(value)s exceeds the de minimis threshold "
            "USD %(threshold)s: taxed in full"
        ),
        args={"value": f"{value_usd:,.2f}", "threshold": f"{threshold:g}"},
    )


def english(texts: list[Text]) -> str:
    return "; ".join(t.english() for t in texts)
