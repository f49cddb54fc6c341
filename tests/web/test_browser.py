"""End to end in Debian's Chromium (Playwright, never a downloaded browser): log in, open
the queue, open a declaration, record a result, see the dashboard change. Screenshots at
1280 px and tablet width go to test-artifacts/."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from .browser_kit import ARTIFACTS, browser, live_server, save_screenshot  # noqa: F401
from .conftest import OWN, PASSWORD, World

pytestmark = pytest.mark.browser


def _kpi(page: object, name: str) -> str:
    return page.inner_text(f"#kpi-{name}").strip()  # type: ignore[attr-defined]


@pytest.mark.parametrize("width,label", [(1280, "desktop"), (800, "tablet")])
def test_officer_journey(
    live_server: str,  # noqa: F811
    browser: object,  # noqa: F811
    world: World,
    width: int,
    label: str,
    watch_csp: Callable[[object], list[str]],
) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    shots = ARTIFACTS / "workspace"
    shots.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": width, "height": 1000})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    csp = watch_csp(page)
    # Log in (a wrong password first: the form says so).
    page.goto(f"{live_server}/queue")
    assert "/login" in page.url
    page.fill("input[name=username]", "supervisor")
    page.fill("input[name=password]", "wrong password")
    page.click("button[type=submit]")
    assert "Wrong username or password" in page.inner_text("main")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")
    save_screenshot(page, shots / f"queue-{label}.png", full_page=False)
    assert f"office {OWN}" in page.inner_text("h1")
    # Filters and sorting.
    page.select_option("select[name=lane]", "all")
    page.select_option("select[name=status]", "open")
    page.select_option("select[name=sort]", "date")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**sort=date**")
    rows = page.locator("#queue tbody tr")
    assert rows.count() > 0
    # Dashboard before.
    page.goto(f"{live_server}/dashboard")
    page.wait_for_selector("#chart-hit .main-svg")
    before = int(_kpi(page, "inspected"))
    # Open an open declaration of the queue.
    page.goto(f"{live_server}/queue?lane=all&status=open&sort=score")
    link = page.locator("#queue tbody a").first
    decl = link.inner_text().split("/")[0]
    link.click()
    page.wait_for_url(f"**/declarations/{decl}")
    page.wait_for_selector("#lane-1")
    if page.locator(".benchmark-chart").count():  # the price histogram, drawn by charts.js
        page.wait_for_selector(".benchmark-chart .main-svg")
    assert page.inner_text("#score-1")
    assert page.locator("#reasons-1 li").count() >= 1
    assert page.inner_text("#lane-cause-1")  # what put the item in its lane
    save_screenshot(page, shots / f"declaration-{label}.png")
    # Record a result through the HTMX form (no outcome preselected): a validation error
    # first, in words and with the values kept, then a real one.
    form = page.locator("#inspection-1 form")
    assert form.locator("input[name=fraud]:checked").count() == 0
    form.locator("input[name=fraud][value='0']").check()
    form.locator("input[name=additional_duty]").fill("5000")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#inspection-1 .error")
    assert "Additional duty can only be recorded" in page.inner_text("#inspection-1 .error")
    form = page.locator("#inspection-1 form")
    assert form.locator("input[name=additional_duty]").input_value() == "5000"
    form.locator("input[name=fraud][value='1']").check()
    form.locator("input[name=additional_duty]").fill("250000")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#inspection-result-1")
    assert "fraud found" in page.inner_text("#inspection-result-1")
    assert page.locator("#inspection-1 form").count() == 0  # recorded once, form gone
    save_screenshot(page, shots / f"inspection-{label}.png")
    # The dashboard changed.
    page.goto(f"{live_server}/dashboard")
    page.wait_for_selector("#chart-hit .main-svg")
    assert int(_kpi(page, "inspected")) == before + 1
    save_screenshot(page, shots / f"dashboard-{label}.png")
    # Rules editor: live validation names the field.
    page.goto(f"{live_server}/rules")
    page.fill(
        "#rule-yaml",
        "id: BAD\noffice: '40'\nvalid_from: 2021-01-01\nwhen: []\n"
        "action: {lane: purple}\nreason: x\ninstructions: y\nreference: z\n",
    )
    page.click("button:has-text('Validate')")
    page.wait_for_selector("#rule-errors")
    errs = page.inner_text("#rule-errors")
    assert "when" in errs and "action.lane" in errs and "reason" in errs
    save_screenshot(page, shots / f"rules-{label}.png")
    assert not errors, errors
    assert not csp, csp
    page.close()


def test_csp_refuses_injected_script(
    live_server: str,  # noqa: F811
    browser: object,  # noqa: F811
    watch_csp: Callable[[object], list[str]],
) -> None:
    """An injected inline script does not run, and the watcher above sees the refusal (so
    the journey's ``assert not csp`` can fail)."""
    page = browser.new_page()  # type: ignore[attr-defined]
    watch_csp(page)
    page.goto(f"{live_server}/login")
    page.evaluate(
        """() => { const s = document.createElement('script');
                   s.textContent = 'window.injected = 1'; document.body.appendChild(s);
                   const b = document.createElement('button');
                   b.setAttribute('onclick', 'window.clicked = 1'); document.body.appendChild(b);
                   b.click(); }"""
    )
    page.wait_for_function("() => window.cspViolations.length >= 2")
    assert page.evaluate("() => [window.injected, window.clicked]") == [None, None]
    assert page.evaluate("() => window.cspViolations") == ["script-src-elem", "script-src-attr"]
    page.close()
