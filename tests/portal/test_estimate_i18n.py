"""Duty estimates, catalogues and language choice; the portal tables match the migration."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from opencustoms.db import Base
from opencustoms.errors import InvalidInput
from opencustoms.i18n import negotiate, pick_language, translator
from opencustoms.i18n.catalog import problems
from opencustoms.portal.estimate import EstimateQuery, estimate


def test_estimate_lines_have_legal_bases_and_the_link_round_trips() -> None:
    q = EstimateQuery.parse(
        {
            "hs": "420221",
            "origin": "FR",
            "value": "3,000,000",
            "currency": "krw",
            "date": "2021-03-02",
            "personal": "0",
        }
    )
    e = estimate(q)
    assert {ln.tax for ln in e.computation.lines} >= {"customs_duty", "vat"}
    assert all(ln.reference for ln in e.computation.lines)
    from urllib.parse import parse_qsl

    again = EstimateQuery.parse(dict(parse_qsl(q.share_query())))
    assert again == q and estimate(again) is e  # the shared link gives the same answer


def test_personal_import_under_the_threshold_is_exempt_and_explained() -> None:
    e = estimate(
        EstimateQuery.parse(
            {
                "hs": "420221",
                "origin": "CN",
                "value": "120",
                "currency": "USD",
                "date": "2024-06-01",
            }
        )
    )
    assert e.computation.de_minimis and e.computation.total == 0
    assert any("150" in n for n in e.computation.notes)
    assert "94" in e.thresholds["general"]["reference"]


@pytest.mark.parametrize(
    ("field", "params"),
    [
        ("hs", {"hs": "12"}),
        ("origin", {"origin": "FRA"}),
        ("value", {"value": "lots"}),
        ("value", {"value": "-1"}),
        ("currency", {"currency": "E"}),
        ("date", {"date": "02/03/2021"}),
    ],
)
def test_bad_estimate_input_names_the_field(field: str, params: dict) -> None:
    base = {"hs": "420221", "origin": "FR", "value": "100", "currency": "USD", "date": "2021-03-02"}
    with pytest.raises(InvalidInput) as err:
        EstimateQuery.parse(base | params)
    assert err.value.field == field


def test_catalogues_are_complete_and_compiled() -> None:
    assert problems() == []


def test_language_choice() -> None:
    assert negotiate("en-US,en;q=0.9,ko;q=0.8") == "en"
    assert negotiate("ko;q=0.1, en;q=0.9") == "en"
    assert negotiate("ja, zh") == "ko"  # neither: Korean, the portal's home language
    assert negotiate("en;q=0") == "ko"
    assert negotiate("") == negotiate(None) == "en"  # scripts: the source language
    assert negotiate("EN-gb") == "en"
    assert pick_language(query="en", cookie="ko", accept_language="ko") == "en"
    assert pick_language(query=None, cookie="en", accept_language="ko") == "en"
    assert pick_language(query="xx", cookie="zz", accept_language="en") == "en"
    assert translator("ko").gettext("Value added tax") == "부가가치세"
    assert translator("xx").gettext("Value added tax") == "부가가치세"


def test_portal_tables_match_the_migration(any_engine: Engine) -> None:
    with any_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert [d for d in diff if "portal_" in str(d)] == []
    names = sa.inspect(any_engine).get_table_names()
    assert {
        "portal_account",
        "portal_feedback",
        "portal_reply",
        "portal_ruling",
        "portal_identity",
    } <= set(names)


def test_korean_titles_of_the_acts() -> None:
    from opencustoms.portal.labels import ACTS

    ko = translator("ko")
    official = {
        "Customs Act": "관세법",
        "Value-Added Tax Act": "부가가치세법",
        "Individual Consumption Tax Act": "개별소비세법",
        "Education Tax Act": "교육세법",
        "Act on Special Rural Development Tax": "농어촌특별세법",
        "Liquor Tax Act": "주세법",
    }
    assert set(ACTS.values()) == set(official)
    assert {a: ko.gettext(a) for a in official} == official


def test_explanations_are_their_texts_in_english() -> None:
    for params in (
        {"hs": "711319", "origin": "CN", "value": "9000"},
        {"hs": "220830", "origin": "GB", "value": "900"},
        {"hs": "420221", "origin": "US", "value": "180", "list": "1"},
    ):
        e = estimate(EstimateQuery.parse({"currency": "USD", "date": "2024-06-01", **params}))
        for line in e.computation.lines:
            assert line.explanation_texts
            assert line.explanation == "; ".join(t.english() for t in line.explanation_texts)
        assert e.computation.notes == [t.english() for t in e.computation.note_texts]
