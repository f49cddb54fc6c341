"""The officer screens of issue 19 (items 9-11) in Chromium at 1280 and 800 px: an
officer searches and opens an importer's profile; a supervisor assigns an item, sets the
day's capacity and watches a party; the officer finds the item with the queue's "assigned to me";
everyone sees the model monitoring page. Every page passes ``check_page`` (screenshot,
no script error, no overflow, axe-core)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from .browser_kit import WIDTHS, browser, check_page, live_server, signed_in  # noqa: F401
from .conftest import OWN, World
from .matrix.search import importer_of

pytestmark = pytest.mark.browser


def _submit(page: Any, button: str, lands_on: str) -> None:
    """Submit a form and wait for the page it redirects to (not the old page's DOM)."""
    with page.expect_navigation():
        page.click(button)
    page.wait_for_load_state()
    assert urlparse(page.url).path == lands_on, f"{page.url}: {page.content()[:500]}"


class _X:
    def __init__(self, world: World, office: str) -> None:
        self.world, self.office = world, office


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_journey(
    signed_in: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    world: World,
    width: int,
) -> None:
    importer = importer_of(_X(world, OWN))  # type: ignore[arg-type]
    page = signed_in("officer", width)
    page.goto(f"{live_server}/search")
    page.fill("input[name=importer_id]", importer)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_selector("#search-results tbody tr")
    assert importer in page.inner_text("#search-results")
    check_page(page, "search")
    page.click(f"#search-results a[href='/importers/{importer}']")
    page.wait_for_selector("#inspections")
    assert page.inner_text("h1").endswith(importer)
    check_page(page, "importer-profile")
    page.goto(f"{live_server}/drift")
    page.wait_for_selector("#model-card")
    check_page(page, "model-monitoring")


@pytest.mark.parametrize("width", WIDTHS)
def test_supervisor_console_and_watchlist(
    signed_in: Any,  # noqa: F811
    live_server: str,  # noqa: F811
    world: World,
    width: int,
) -> None:
    page = signed_in("supervisor", width)
    page.goto(f"{live_server}/supervision")
    page.wait_for_selector("#backlog")
    check_page(page, "supervision")
    # Assign the first open item to the officer.
    box = page.locator("#open-items input[type=checkbox]").first
    key = box.get_attribute("value")
    box.check()
    page.select_option("#assign select[name=officer]", "officer")
    _submit(page, "#assign button[type=submit]", "/supervision")
    row = page.locator("#open-items tr", has=page.locator(f"input[value='{key}']"))
    assert "officer" in row.inner_text()
    # Capacity: the saved figure is shown back; then the old one is restored.
    red = page.input_value("#capacity input[name=red]")
    page.fill("#capacity input[name=red]", str(int(red) + 1))
    _submit(page, "#capacity button[type=submit]", "/supervision")
    assert page.input_value("#capacity input[name=red]") == str(int(red) + 1)
    page.fill("#capacity input[name=red]", red)
    _submit(page, "#capacity button[type=submit]", "/supervision")
    # Watch a party.
    page.goto(f"{live_server}/watchlist")
    party = f"BROWSER-{width}"
    page.select_option("#watch-add select[name=kind]", "seller_id")
    page.fill("#watch-add input[name=party_id]", party)
    page.fill("#watch-add input[name=reason]", "seen in a browser test")
    _submit(page, "#watch-add button[type=submit]", "/watchlist")
    assert party in page.inner_text("#watchlist")
    check_page(page, "watchlist")
    # The officer finds the assigned item: "assigned to me" is a filter of the queue.
    officer = signed_in("officer", width)
    officer.goto(f"{live_server}/queue")
    officer.get_by_label("Assigned to me").check()
    _submit(officer, "form.filters button[type=submit]", "/queue")
    assert "assigned=me" in officer.url and officer.locator("#assigned-filter").is_checked()
    decl = (key or "").rsplit("/", 1)[0]
    assert decl in officer.inner_text("#queue")
    check_page(officer, "assigned-to-me")
