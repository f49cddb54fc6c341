"""Prohibited-goods matching: evasions caught, look-alikes left alone."""

from __future__ import annotations

import pytest

from opencustoms.parcels.prohibited import match_descriptions


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("COCAINE", "cocaine"),
        ("c0caine powder", "cocaine"),
        ("c a n n a b i s gummies", "cannabis"),
        ("c.a.n.n.a.b.i.s oil", "cannabis"),
        ("canna bis oil", "cannabis"),
        ("Ketamnie 10g", "ketamine"),
        ("fentanyll patch", "fentanyl"),
        ("T H C vape", "thc"),
        ("대 마 오일", "대마"),
        ("필로폰", "필로폰"),
        ("melatonin 10mg gummies", "melatonin"),
        ("carved ivory pendant", "ivory"),
        ("Gucci bag replica", "gucci"),
    ],
)
def test_evasions_are_caught(text: str, term: str) -> None:
    hit = match_descriptions([text])[0]
    assert hit is not None and hit.term == term


@pytest.mark.parametrize(
    "text",
    [
        "ivory color knit dress",
        "superheroine costume kids",
        "surge suppressor power strip",
        "대마도 여행 가이드북",
        "exhaust silencer for motorcycle",
        "상아색 니트 원피스",
        "running shoes",
        "protein isolate chocolate",
    ],
)
def test_lookalikes_are_not_flagged(text: str) -> None:
    assert match_descriptions([text]) == [None]


def test_brand_alone_is_not_counterfeit_but_with_marker_it_is() -> None:
    plain, copy = match_descriptions(["gucci wallet", "gucci wallet mirror quality"])
    assert plain is not None and plain.category == "counterfeit_brand"
    assert copy is not None and copy.category == "counterfeit"
