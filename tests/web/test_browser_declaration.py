"""The officer's declaration page in Debian's Chromium at 1280 and 800 px (issue 19 items 1,
3, 4): why the item is in its lane, the declared data and the price chart, the inspection
form (no default outcome, errors in words that keep the values, one submission, analysts
read-only) and the lane override (survives an error, updates the page without a reload).
Every state is screenshot and checked with axe-core (``check_page``)."""

from __future__ import annotations

from typing import Any

import pytest

from .browser_kit import WIDTHS, browser, check_page, live_server, signed_in  # noqa: F401
from .conftest import World

pytestmark = pytest.mark.browser


# The declaration page computes the tax and the valuation z per item (about a second each
# on this shared machine under load): generous waits, never a timed assertion.
SLOW = 180_000


def _open(make: Any, user: str, width: int) -> Any:
    page = make(user, width)
    page.set_default_timeout(SLOW)
    return page


def _json(page: Any, base: str, path: str) -> Any:
    r = page.request.get(f"{base}{path}", params={"format": "json"}, timeout=SLOW)
    assert r.ok, r.text()
    return r.json()


def _explained(page: Any, base: str, world: World) -> str:
    """A selected declaration of the officer's office whose factors the engine explained."""
    queue = _json(page, base, "/queue?lane=selected&sort=score")
    for row in queue["page"]["items"]:
        item = _json(page, base, f"/declarations/{row['declaration_id']}")["items"][0]
        if item["why"]["factors"]:
            return str(row["declaration_id"])
    raise AssertionError("no explained selected item in the test world")


@pytest.mark.parametrize("width", WIDTHS)
def test_why_this_lane(signed_in: Any, live_server: str, world: World, width: int) -> None:  # noqa: F811
    page = _open(signed_in, "officer", width)
    decl = _explained(page, live_server, world)
    why = _json(page, live_server, f"/declarations/{decl}")["items"][0]["why"]
    page.goto(f"{live_server}/declarations/{decl}")
    card = page.locator("#decision-1")
    # The lane and what put it there come first, in words.
    assert card.locator(".lane").text_content().strip() == why["lane"]
    assert page.locator("#lane-cause-1").inner_text() == why["headline"]
    box = card.bounding_box()
    declared = page.locator("#declared-title-1").bounding_box()
    assert box["y"] <= declared["y"]  # beside it at 1280, above it at 800
    assert "decisions of office 40" in page.locator("#percentile-1").inner_text()
    # Each factor says what it does to the score and how much; the bar is decoration.
    factors = page.locator("#reasons-1 li.factor")
    assert factors.count() == len(why["factors"])
    for i in range(factors.count()):
        effect = factors.nth(i).locator(".effect").inner_text()
        assert effect.split(" risk")[0] in ("raises", "lowers")
        assert any(s in effect for s in ("strongly", "moderately", "slightly"))
    check_page(page, "declaration-why")


@pytest.mark.parametrize("width", WIDTHS)
def test_declared_data_and_price_chart(
    signed_in: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    world: World,
    width: int,
) -> None:
    page = _open(signed_in, "officer", width)
    decl = next(
        d
        for d in world.own_ids
        if _json(page, live_server, f"/declarations/{d}")["items"][0]["benchmark"]["counts"]
    )
    page.goto(f"{live_server}/declarations/{decl}")
    declared = page.locator("section.declared")
    headings = declared.locator("h3").all_inner_texts()
    assert headings[0] == "Declaration" and "Goods" in headings and "Values and duty" in headings
    assert "KRW" in declared.inner_text() and "_" not in declared.locator("dt").all_inner_texts()[0]
    page.wait_for_selector("#bench-1 .main-svg")
    svg = page.locator("#bench-1").inner_text()
    assert "Unit price, KRW/kg" in svg and "Declarations" in svg and "this declaration" in svg
    check_page(page, "declaration-benchmark")


@pytest.mark.parametrize("width", WIDTHS)
def test_inspection_form(signed_in: Any, live_server: str, world: World, width: int) -> None:  # noqa: F811
    decl = world.own_ids[20 + WIDTHS.index(width)]
    page = _open(signed_in, "officer", width)
    page.goto(f"{live_server}/declarations/{decl}")
    section = page.locator("#inspection-1")
    assert section.locator("input[name=fraud]:checked").count() == 0  # no default outcome
    section.locator("input[name=additional_duty]").fill("5,000")
    section.locator("textarea[name=note]").fill("two cartons opened")
    section.locator("button[type=submit]").click()
    page.wait_for_selector("#inspection-1 .error")
    assert "Choose an outcome" in section.inner_text()
    assert section.locator("input[name=additional_duty]").input_value() == "5,000"
    assert section.locator("textarea[name=note]").input_value() == "two cartons opened"
    check_page(page, "inspection-error")
    section.locator("input[name=fraud][value='0']").check()
    section.locator("button[type=submit]").click()
    page.wait_for_selector("#err-duty-1")
    assert "only be recorded with 'fraud found'" in section.inner_text()
    section.locator("input[name=fraud][value='1']").check()
    section.locator("button[type=submit]").click()
    page.wait_for_selector("#inspection-result-1")
    result = section.inner_text()
    assert "fraud found" in result and "5,000 KRW" in result and "two cartons opened" in result
    assert "officer" in result and "UTC" in result
    assert section.locator("form").count() == 0  # one submission: the form is gone
    check_page(page, "inspection-recorded")
    analyst = _open(signed_in, "analyst", width)
    analyst.goto(f"{live_server}/declarations/{decl}")
    assert "two cartons opened" in analyst.locator("#inspection-result-1").inner_text()
    assert analyst.locator("#inspection-1 form").count() == 0
    check_page(analyst, "inspection-analyst")


@pytest.mark.parametrize("width", WIDTHS)
def test_lane_override(signed_in: Any, live_server: str, world: World, width: int) -> None:  # noqa: F811
    decl = world.own_ids[22 + WIDTHS.index(width)]
    page = _open(signed_in, "supervisor", width)
    page.goto(f"{live_server}/declarations/{decl}")
    lane = page.locator("#lane-1").text_content().strip()
    form = page.locator("#lane-form-1")
    assert form.locator("select[name=lane]").input_value() == lane  # starts at the current lane
    page.evaluate("() => { window.notReloaded = true; }")
    new = "red" if lane != "red" else "yellow"
    page.locator("#lane-form-1 select[name=lane]").select_option(new)
    page.locator("#lane-form-1 input[name=reason]").fill("tip")
    page.locator("#lane-form-1 button[type=submit]").click()
    page.wait_for_selector("#lane-form-1 .flash.bad")
    assert "at least 5 characters" in page.locator("#lane-form-1").inner_text()
    assert page.locator("#lane-form-1 select[name=lane]").input_value() == new
    assert page.locator("#lane-form-1 input[name=reason]").input_value() == "tip"
    check_page(page, "lane-override-error")
    page.locator("#lane-form-1 input[name=reason]").fill("Intelligence tip-off")
    page.locator("#lane-form-1 button[type=submit]").click()
    page.wait_for_selector(f"#lane-1.lane-{new}")
    assert "set by supervisor supervisor" in page.locator("#lane-cause-1").inner_text()
    assert page.evaluate("() => window.notReloaded") is True
    check_page(page, "lane-override-done")
