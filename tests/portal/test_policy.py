"""Routing table, answer deadlines and reference numbers are data and behave as documented."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from opencustoms.errors import InvalidInput
from opencustoms.portal.labels import LABELS
from opencustoms.portal.policy import (
    check_reference,
    load_routing,
    load_sla,
    parcel_status_words,
    reference_number,
)

UTC = dt.UTC


def test_every_topic_routes_to_a_known_office_and_has_a_display_label() -> None:
    from opencustoms.workspace.users import load_offices

    offices = {o.code for o in load_offices()}
    routing = load_routing()
    assert "other" in routing.topics
    for code, topic in routing.topics.items():
        assert topic.office in offices, code
        assert code in LABELS, f"{code} has no translatable label in portal/labels.py"
    with pytest.raises(InvalidInput) as err:
        routing.topic("nonsense")
    assert err.value.field == "topic"


def test_working_day_deadlines_skip_weekends_and_holidays() -> None:
    sla = load_sla()
    # Friday 2026-02-13 + 7 working days: Seollal (16-18 Feb) and two weekends skipped.
    due, ref = sla.due("question", dt.datetime(2026, 2, 13, 10, tzinfo=UTC))
    assert due.date() == dt.date(2026, 2, 27) and "제14조" in ref
    # An ordinary Monday + 10 working days (suggestion) = Monday two weeks later.
    due, _ = sla.due("suggestion", dt.datetime(2026, 3, 9, 10, tzinfo=UTC))
    assert due.date() == dt.date(2026, 3, 23)
    # Advance rulings count calendar days.
    due, ref = sla.due("advance_ruling", dt.datetime(2026, 3, 9, 10, tzinfo=UTC))
    assert due.date() == dt.date(2026, 4, 8) and "86" in ref


def test_the_deadline_in_force_on_the_day_of_arrival_applies(tmp_path: Path) -> None:
    path = tmp_path / "sla.yaml"
    path.write_text(
        "kinds:\n  question:\n"
        "    - {valid_from: 2020-01-01, days: 14, unit: days, reference: old}\n"
        "    - {valid_from: 2026-01-01, days: 3, unit: days, reference: new}\n",
        encoding="utf-8",
    )
    sla = load_sla(path)
    assert sla.due("question", dt.datetime(2025, 6, 1, tzinfo=UTC))[1] == "old"
    assert sla.due("question", dt.datetime(2026, 6, 1, tzinfo=UTC))[1] == "new"
    with pytest.raises(InvalidInput):
        sla.due("question", dt.datetime(2019, 6, 1, tzinfo=UTC))
    with pytest.raises(InvalidInput):
        sla.due("complaint", dt.datetime(2026, 6, 1, tzinfo=UTC))


def test_reference_numbers_catch_typing_errors() -> None:
    ref = reference_number("FB", 2026, 4711)
    assert check_reference(ref)
    body = ref.rsplit("-", 1)[0]
    wrong_digit = body.replace("4711", "4712") + "-" + ref[-1]
    swapped = body.replace("4711", "7411") + "-" + ref[-1]
    assert not check_reference(wrong_digit) and not check_reference(swapped)
    assert not check_reference("FB-2026-abc-1") and not check_reference("")


def test_parcel_status_words_never_name_a_risk_reason() -> None:
    words = parcel_status_words()
    assert words["hold"] == words["inspect"]  # held, never why
    assert set(words.values()) <= set(LABELS)
