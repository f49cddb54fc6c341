"""Issue 19 in Debian's Chromium at 1280 and 800 px: the queue (open items by default,
lane logic and cut-offs visible, priority columns kept, declaration search, revenue at
risk sortable), the dashboard, the national overview and error pages; every page is
screenshotted and checked by axe-core (``browser_kit.check_page``)."""

from __future__ import annotations

from typing import Any

import pytest

from .browser_kit import WIDTHS, browser, check_page, live_server, signed_in  # noqa: F401
from .conftest import OWN, World

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", WIDTHS)
def test_queue_page(
    signed_in: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    world: World,
    width: int,
) -> None:
    page = signed_in("officer", width)
    page.goto(f"{live_server}/queue")
    assert page.locator("select[name=status]").input_value() == "open"
    assert page.locator("#lane-logic").is_visible()
    assert page.locator("#cutoffs").is_visible()
    headers = page.locator("#queue thead th")
    visible = [h.inner_text() for h in headers.all() if h.is_visible()]
    for wanted in ("Importer", "Origin", "Price", "Revenue at risk"):
        assert any(wanted in h for h in visible), (wanted, visible)
    first = page.locator("#queue tbody tr").first
    assert first.locator(".cause").inner_text().strip()
    check_page(page, "queue")
    # the revenue-at-risk header sorts
    page.click("#queue thead a.sort:has-text('Revenue at risk')")
    page.wait_for_url("**sort=revenue_at_risk**")
    assert page.locator("#queue th[aria-sort]").inner_text().startswith("Revenue at risk")
    # declaration search
    target = world.own_ids[0]
    page.fill("input[name=declaration]", target)
    page.select_option("select[name=status]", "all")
    page.select_option("select[name=lane]", "all")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"**declaration={target}**")
    links = page.locator("#queue tbody td a")
    assert links.count() >= 1 and all(t.startswith(target) for t in links.all_inner_texts())
    check_page(page, "queue-search")


@pytest.mark.parametrize("width", WIDTHS)
def test_dashboard_page(
    signed_in: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    width: int,
) -> None:
    page = signed_in("analyst", width)
    page.goto(f"{live_server}/dashboard")
    page.wait_for_selector("#chart-hit .main-svg")
    page.wait_for_selector("#chart-offices .main-svg")
    assert "Incheon Airport Main Customs" in page.inner_text("#weekly")
    assert "/" in page.inner_text("#kpi-hit-rate") or page.inner_text("#kpi-hit-rate") == "-"
    check_page(page, "dashboard-all")
    page.goto(f"{live_server}/dashboard?office={OWN}")
    page.wait_for_selector("#chart-hit .main-svg")
    check_page(page, "dashboard-office")


@pytest.mark.parametrize("width", WIDTHS)
def test_overview_page(
    signed_in: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    width: int,
) -> None:
    page = signed_in("admin", width)
    page.goto(f"{live_server}/overview")
    rows = page.locator("#overview tbody tr")
    assert rows.count() >= 34
    assert "인천공항본부세관" in page.inner_text("#overview")
    check_page(page, "overview")


@pytest.mark.parametrize("width", WIDTHS)
def test_error_pages(
    signed_in: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    width: int,
) -> None:
    page = signed_in("officer", width)
    response = page.goto(f"{live_server}/overview")
    assert response.status == 403
    assert page.locator("#error[data-status='403']").is_visible()
    check_page(page, "error-403")
    response = page.goto(f"{live_server}/queue?page=abc&sort=nope&min_score=x")
    assert response.status == 422
    listed = page.locator("#field-errors li").all_inner_texts()
    assert {t.split(":")[0] for t in listed} >= {"page", "sort", "min_score"}, listed
    check_page(page, "error-422")
    response = page.goto(f"{live_server}/declarations/NO-SUCH-DECLARATION")
    assert response.status == 404
    check_page(page, "error-404")
