"""Accessibility of every officer-workspace page (issue 19, item 7), in Chromium at 1280 and
800 px, for an officer, a supervisor and an analyst: axe-core finds no serious or critical
violation (WCAG AA contrast, labels, landmarks...), no script error, no horizontal overflow,
and a skip link leads to the main content. Screenshots go to test-artifacts/workspace/.

The pages come from the app's own routes (every ``GET`` that is not API, static, login or
the traders' public portal), so a new page is covered without editing this file. A path
parameter is filled from the first link to that route found on its parent page (``/cases``
for ``/cases/{case_id}``), or a declaration of the user's office; a page whose parameter
the test world cannot provide is skipped with the reason, never silently dropped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from opencustoms.web.routes import ROUTERS

from .browser_kit import WIDTHS, browser, check_page, live_server  # noqa: F401
from .conftest import PASSWORD, World
from .test_authorisation import route_keys

pytestmark = pytest.mark.browser

ROLES = ("officer", "supervisor", "analyst")
# Not officer pages: sign-in, API documentation, downloads, and the traders' public portal
# (its office pages, /portal/office/..., are officer pages and stay in).
NOT_PAGES = re.compile(
    r"^/(api/|static|login|logout|healthz|openapi\.json|docs|redoc)"
    r"|^/portal(?!/office)"
    r"|/attachments/|/export$"
)


def _pages() -> list[str]:
    app = FastAPI()
    for router in ROUTERS:
        app.include_router(router)
    paths = {key.split(" ", 1)[1] for key in route_keys(app) if key.startswith("GET ")}
    return sorted(p for p in paths if not NOT_PAGES.search(p))


PAGES = _pages()


@pytest.fixture(scope="module")
def pages(browser: Any, live_server: str) -> Iterator[dict[tuple[str, int], Any]]:  # noqa: F811
    """One signed-in page per (user, width), shared by the module's tests: signing in for
    each of ~100 cells would cost more than the checks."""
    opened: dict[tuple[str, int], Any] = {}
    contexts = []
    for user in ROLES:
        for width in WIDTHS:
            # bypass_csp only so that check_page can inject axe-core.
            ctx = browser.new_context(viewport={"width": width, "height": 900}, bypass_csp=True)
            contexts.append(ctx)
            page = ctx.new_page()
            page.set_default_timeout(60_000)
            page.js_errors = []
            page.on("pageerror", lambda exc, p=page: p.js_errors.append(str(exc)))
            page.goto(f"{live_server}/login")
            page.fill("input[name=username]", user)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_load_state()
            assert "/login" not in page.url, f"{user} could not sign in"
            opened[(user, width)] = page
    yield opened
    for ctx in contexts:
        ctx.close()


def _fill(page: Any, base: str, path: str, world: World) -> str | None:
    """``path`` with its parameters filled, or None when the test world has no value."""
    if "{" not in path:
        return path
    if path == "/declarations/{declaration_id}":
        return f"/declarations/{world.own_ids[0]}"
    parent = path.split("/{", 1)[0]
    # The parent list, or the list of the same family (/alerts for /tradecrime/alerts/{id}).
    pattern = "^" + re.sub(r"\\\{[^/]+\\\}", "[^/?#]+", re.escape(path)) + "$"
    resp = page.goto(base + parent)
    if resp is None or resp.status != 200:
        return None
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    return next((h.split("#")[0] for h in hrefs if re.match(pattern, h.split("?")[0])), None)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("user", ROLES)
@pytest.mark.parametrize("path", PAGES)
def test_page_is_accessible(
    pages: dict[tuple[str, int], Any],
    live_server: str,  # noqa: F811
    world: World,
    path: str,
    user: str,
    width: int,
) -> None:
    page = pages[(user, width)]
    page.js_errors.clear()
    url = _fill(page, live_server, path, world)
    if url is None:
        pytest.skip(f"{path}: no value for its parameter in the test world for {user}")
    resp = page.goto(live_server + url)
    assert resp is not None
    if resp.status in (403, 404) or "/login" in page.url:
        pytest.skip(f"{path} is not open to {user} (HTTP {resp.status})")
    assert resp.status == 200, f"{url}: HTTP {resp.status}"
    if "text/html" not in (resp.headers.get("content-type") or ""):
        pytest.skip(f"{path} is not an HTML page")
    page.wait_for_load_state("load")
    name = "a11y-" + (re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home") + f"-{user}"
    check_page(page, name)
    # Every page has one main landmark, one h1 and the skip link to it (WCAG 2.4.1).
    assert page.locator("main#main").count() == 1, f"{url}: no <main id=main>"
    assert page.locator("h1").count() >= 1, f"{url}: no h1"
    skip = page.locator("a.skip-link")
    assert skip.get_attribute("href") == "#main", f"{url}: no skip link to #main"


def test_skip_link_shows_on_focus_and_moves_focus(
    pages: dict[tuple[str, int], Any],
    live_server: str,  # noqa: F811
) -> None:
    """Hidden until focused, visible on the first Tab, and following it lands in <main>."""
    page = pages[("officer", 1280)]
    page.goto(f"{live_server}/queue")
    skip = page.locator("a.skip-link")
    assert skip.bounding_box() is None or skip.bounding_box()["y"] < 0
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0, "the focused skip link is not on screen"
    check_page(page, "a11y-skip-link-focused", axe=False)
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    assert page.evaluate("document.activeElement.id") == "main"


def test_every_field_has_a_label(
    pages: dict[tuple[str, int], Any],
    live_server: str,  # noqa: F811
    world: World,
) -> None:
    """Beyond axe's rule: every visible input, select and textarea of the pages with forms has
    an accessible name (a <label>, aria-label or aria-labelledby), not only a placeholder."""
    page = pages[("supervisor", 1280)]
    unnamed: list[str] = []
    seen = 0
    for path in PAGES:
        url = _fill(page, live_server, path, world)
        if url is None:
            continue
        resp = page.goto(live_server + url)
        if resp is None or resp.status != 200:
            continue
        names = page.eval_on_selector_all(
            "input:not([type=hidden]):not([type=submit]), select, textarea",
            """els => els.filter(e => e.offsetParent !== null).map(e => [
                e.name || e.id,
                !!(e.labels && e.labels.length) || !!e.getAttribute('aria-label')
                    || !!e.getAttribute('aria-labelledby') || !!e.getAttribute('title')])""",
        )
        seen += len(names)
        unnamed += [f"{url} {field}" for field, ok in names if not ok]
    assert seen > 10, "the pages showed almost no field: the check would prove nothing"
    assert unnamed == [], f"fields without a label: {unnamed}"
