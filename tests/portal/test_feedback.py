"""Feedback: routing to the responsible office, reference and deadline, access by the
requester only, replies by the office only, statistics per office."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from opencustoms.errors import Forbidden, InvalidInput, NotFound
from opencustoms.portal import feedback as fb
from opencustoms.portal.own import Caller, caller_for_trader
from opencustoms.portal.policy import check_reference
from opencustoms.portal.ratelimit import Limiter, RateLimited

from .conftest import NOW, PCCC_A

ACME = caller_for_trader(user_id=7, username="acme", trader_id="ACME")
MINJI = Caller(kind="account", id=1, name="Minji", pcccs=frozenset({PCCC_A}))
TEXT = "My parcel has been waiting for a week, what is missing?"


def _submit(engine: Engine, limiter: Limiter, **kw) -> fb.Submitted:
    args = dict(
        engine=engine,
        kind="question",
        topic="other",
        text=TEXT,
        language="ko",
        client_ip="10.0.0.1",
        contact_email="x@example.org",
        limiter=limiter,
        now=NOW,
    )
    return fb.submit(**(args | kw))


def test_routing_by_topic_declaration_and_parcel(seeded: Engine, limiter: Limiter) -> None:
    by_topic = _submit(seeded, limiter, topic="parcel_clearance")
    assert by_topic.office == "40" and check_reference(by_topic.reference)
    assert by_topic.reference.startswith("FB-2026-")
    own_decl = _submit(
        seeded,
        limiter,
        caller=ACME,
        subject_type="declaration",
        subject_id="D-ACME-2",
        topic="declaration_status",
    )
    assert own_decl.office == "30"
    # Naming someone else's declaration routes by topic: nothing about it is revealed.
    stranger = _submit(
        seeded,
        limiter,
        caller=ACME,
        subject_type="declaration",
        subject_id="D-OTHER-1",
        topic="declaration_status",
    )
    assert stranger.office == "10"
    own_parcel = _submit(
        seeded,
        limiter,
        caller=MINJI,
        subject_type="parcel",
        subject_id="A2",
        topic="parcel_clearance",
        contact_email=None,
    )
    assert own_parcel.office == "20"
    other_parcel = _submit(
        seeded,
        limiter,
        caller=MINJI,
        subject_type="parcel",
        subject_id="B1",
        topic="other",
        contact_email=None,
    )
    assert other_parcel.office == "10"


def test_deadline_from_the_sla_file(engine: Engine, limiter: Limiter) -> None:
    s = _submit(engine, limiter, kind="suggestion")
    assert s.due_at.date() == dt.date(2026, 3, 16)  # Monday + 10 working days
    assert "건의민원" in s.sla_reference


@pytest.mark.parametrize(
    ("field", "kw"),
    [
        ("kind", {"kind": "rant"}),
        ("topic", {"topic": "zzz"}),
        ("text", {"text": "short"}),
        ("text", {"text": "x" * 5001}),
        ("subject_type", {"subject_type": "company"}),
        ("contact_email", {"contact_email": None}),
        ("email", {"contact_email": "nope"}),
    ],
)
def test_bad_input_names_the_field(engine: Engine, limiter: Limiter, field: str, kw) -> None:
    with pytest.raises(InvalidInput) as err:
        _submit(engine, limiter, **kw)
    assert err.value.field == field


def test_only_the_requester_reads_and_rates(engine: Engine, limiter: Limiter) -> None:
    anon = _submit(engine, limiter)
    view = fb.get_for_requester(
        engine=engine, reference=anon.reference, access_code=anon.access_code
    )
    assert view["status"] == "open" and view["text"] == TEXT
    assert "contact_email" not in view and "routed_by" not in view
    with pytest.raises(NotFound):
        fb.get_for_requester(engine=engine, reference=anon.reference, access_code="guess")
    with pytest.raises(NotFound):
        fb.get_for_requester(engine=engine, reference=anon.reference, caller=MINJI)
    mine = _submit(engine, limiter, caller=MINJI, contact_email=None)
    assert fb.get_for_requester(engine=engine, reference=mine.reference, caller=MINJI)
    other = Caller(kind="account", id=2, name="other")
    with pytest.raises(NotFound):
        fb.get_for_requester(engine=engine, reference=mine.reference, caller=other)
    assert [m["reference"] for m in fb.mine(engine=engine, caller=MINJI)] == [mine.reference]
    assert fb.mine(engine=engine, caller=other) == []
    with pytest.raises(InvalidInput):  # nothing to rate before an answer
        fb.rate(engine=engine, reference=mine.reference, satisfaction=5, caller=MINJI)


def test_replies_only_from_the_office_and_statistics(engine: Engine, limiter: Limiter) -> None:
    a = _submit(engine, limiter, topic="parcel_clearance")  # office 40
    b = _submit(engine, limiter, topic="parcel_clearance")
    c = _submit(engine, limiter, topic="other")  # office 10, never answered
    with pytest.raises(NotFound):
        fb.reply(
            engine=engine,
            reference=a.reference,
            text="ok",
            author="lee",
            role="officer",
            office="20",
        )
    with pytest.raises(Forbidden):
        fb.reply(
            engine=engine, reference=a.reference, text="ok", author="t", role="trader", office="40"
        )
    queue = fb.office_queue(engine=engine, role="officer", office="40")
    assert {q["reference"] for q in queue} == {a.reference, b.reference}
    fb.reply(
        engine=engine,
        reference=a.reference,
        text="Released today.",
        author="kim",
        role="officer",
        office="40",
        now=NOW + dt.timedelta(days=1),
    )
    fb.reply(
        engine=engine,
        reference=b.reference,
        text="Sorry for the delay.",
        author="kim",
        role="officer",
        office="40",
        now=NOW + dt.timedelta(days=30),
    )
    seen = fb.get_for_requester(engine=engine, reference=a.reference, access_code=a.access_code)
    assert seen["status"] == "answered" and seen["replies"][0]["text"] == "Released today."
    assert seen["replies"][0]["author"] is None  # officers' names stay internal
    fb.rate(engine=engine, reference=a.reference, satisfaction=5, access_code=a.access_code)
    fb.rate(engine=engine, reference=b.reference, satisfaction=2, access_code=b.access_code)
    with pytest.raises(InvalidInput):
        fb.rate(engine=engine, reference=b.reference, satisfaction=9, access_code=b.access_code)
    later = NOW + dt.timedelta(days=40)
    stats = {
        s["office"]: s for s in fb.statistics(engine=engine, role="analyst", office="10", now=later)
    }
    s40 = stats["40"]
    assert (s40["received"], s40["answered"], s40["in_time"]) == (2, 2, 1)
    assert s40["in_time_share"] == 0.5 and s40["satisfaction"] == 3.5
    assert (stats["10"]["open"], stats["10"]["overdue"]) == (1, 1)
    assert stats["10"]["satisfaction"] is None
    own = fb.statistics(engine=engine, role="supervisor", office="40", now=later)
    assert [s["office"] for s in own] == ["40"]
    with pytest.raises(Forbidden):
        fb.statistics(engine=engine, role="officer", office="40")
    assert c.office == "10"


def test_forms_are_rate_limited_per_ip_and_account(engine: Engine, limiter: Limiter) -> None:
    for _ in range(5):
        _submit(engine, limiter, client_ip="10.7.0.1")
    with pytest.raises(RateLimited):
        _submit(engine, limiter, client_ip="10.7.0.1")
    for i in range(5):
        _submit(engine, limiter, client_ip=f"10.8.0.{i}", caller=MINJI, contact_email=None)
    with pytest.raises(RateLimited) as err:
        _submit(engine, limiter, client_ip="10.8.1.1", caller=MINJI, contact_email=None)
    assert err.value.limit == "form_account"
