"""Advance-ruling requests and exporters' US tariff exposure."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from opencustoms.errors import Forbidden, InvalidInput
from opencustoms.portal.exports import WhatIf, parse_lines, us_exposure
from opencustoms.portal.own import Caller
from opencustoms.portal.ratelimit import Limiter
from opencustoms.portal.rulings import decide_ruling, list_rulings, my_rulings, submit_ruling

from .conftest import NOW

DESC = "Wireless earphones with charging case, plastic housing, Bluetooth 5.3"


def test_ruling_request_kept_for_officers(engine: Engine, limiter: Limiter) -> None:
    me = Caller(kind="account", id=3, name="Kim")
    r = submit_ruling(
        engine=engine,
        applicant="Kim Trading",
        contact_email="k@example.org",
        description=DESC,
        client_ip="1.1.1.1",
        proposed_hs="8518.30",
        origin="cn",
        suggestions=[{"hs6": "851830", "confidence": 0.7}],
        caller=me,
        limiter=limiter,
        now=NOW,
    )
    assert r["reference"].startswith("AR-2026-") and r["proposed_hs"] == "851830"
    assert r["due_at"].date() == (NOW + dt.timedelta(days=30)).date()
    assert "contact_email" not in r
    with pytest.raises(Forbidden):
        list_rulings(engine=engine, role="trader")
    queue = list_rulings(engine=engine, role="officer")
    assert [q["reference"] for q in queue] == [r["reference"]]
    assert queue[0]["suggestions"] == [{"hs6": "851830", "confidence": 0.7}]
    with pytest.raises(Forbidden):
        decide_ruling(
            engine=engine,
            reference=r["reference"],
            ruling_hs="851830",
            text="x",
            officer="ana",
            role="analyst",
        )
    done = decide_ruling(
        engine=engine,
        reference=r["reference"],
        ruling_hs="8518.30.1000",
        text="GRI 1 and 6: headphones and earphones",
        officer="kim",
        role="officer",
    )
    assert done["status"] == "answered" and done["ruling_hs"] == "8518301000"
    assert my_rulings(engine=engine, caller=me)[0]["ruling_hs"] == "8518301000"
    assert my_rulings(engine=engine, caller=Caller(kind="account", id=4, name="x")) == []


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("applicant", {"applicant": "K"}),
        ("email", {"contact_email": "k"}),
        ("description", {"description": "earphones"}),
        ("proposed_hs", {"proposed_hs": "85"}),
        ("origin", {"origin": "CHN"}),
    ],
)
def test_bad_ruling_requests_name_the_field(engine: Engine, limiter: Limiter, field, kw) -> None:
    args = dict(applicant="Kim", contact_email="k@example.org", description=DESC)
    with pytest.raises(InvalidInput) as err:
        submit_ruling(engine=engine, client_ip="1.1.1.1", limiter=limiter, **(args | kw))
    assert err.value.field == field


def test_exposure_current_and_what_if() -> None:
    lines = parse_lines("hs_code,value_usd,description\n870380,1000000,EV\n330499,200000,\n")
    now = us_exposure(lines, date_from="2025-01-01", date_to="2025-09-01")
    assert now["value_usd"] == 1_200_000
    by_hs = {x["hs_code"]: x for x in now["lines"]}
    assert by_hs["330499"]["new_rate"] - by_hs["330499"]["old_rate"] == pytest.approx(15)
    assert "us_reciprocal_kr" in by_hs["330499"]["new_measures"] or by_hs["330499"]["new_measures"]
    what = us_exposure(
        lines,
        date_from="2025-01-01",
        date_to="2025-09-01",
        what_if=WhatIf(rate=10, scope=("3304",)),
    )
    w = {x["hs_code"]: x for x in what["lines"]}
    assert w["330499"]["added_cost_usd"] == pytest.approx(
        by_hs["330499"]["added_cost_usd"] + 20_000
    )
    assert w["870380"]["added_cost_usd"] == pytest.approx(by_hs["870380"]["added_cost_usd"])


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("hs,value\n1,2\n", "hs_code"),
        ("hs_code,value_usd\n12,5\n", "line 2"),
        ("hs_code,value_usd\n870380,abc\n", "line 2: value_usd"),
        ("hs_code,value_usd\n", "no lines"),
    ],
)
def test_bad_export_files_are_explained(text: str, needle: str) -> None:
    with pytest.raises(InvalidInput) as err:
        parse_lines(text)
    assert err.value.field == "file" and needle in str(err.value)


def test_bad_what_if_and_unknown_codes() -> None:
    lines = parse_lines("hs_code,value_usd\n330499,100\n")
    with pytest.raises(InvalidInput) as err:
        us_exposure(
            lines,
            date_from="2025-01-01",
            date_to="2025-09-01",
            what_if=WhatIf(rate=10, scope=("x",)),
        )
    assert err.value.field == "what_if_scope"
    with pytest.raises(InvalidInput) as err:
        us_exposure(
            parse_lines("hs_code,value_usd\n999999,1\n"),
            date_from="2025-01-01",
            date_to="2025-09-01",
        )
    assert err.value.field == "hs_code"
