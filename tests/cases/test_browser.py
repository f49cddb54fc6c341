"""End to end in Debian's Chromium (Playwright, never a downloaded browser): alerts from
the risk lanes and from trade crime -> triage -> case -> the network view renders and
grows by a click -> decision -> the detector's precision on the dashboard changes, with
the Content-Security-Policy on. Fixtures from tests/web/browser_kit.py; every screen
passes ``check_page`` (screenshot in test-artifacts/workspace/, no script error, no
overflow, axe-core) at 1280 px and again, once the journey is done, at 800 px."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from opencustoms.settings import Settings
from web.browser_kit import browser, check_page, live_server, signed_in  # noqa: F401

from .web_world import PASSWORD, CaseWorld, build

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> CaseWorld:
    return build(tmp_path_factory.mktemp("cases-browser"))


@pytest.fixture(scope="module")
def live_app(world: CaseWorld) -> Any:
    """What browser_kit's live_server serves here: the workspace over the case world."""
    from opencustoms.web.app import create_app

    settings = Settings(
        database_url=world.url, var_dir=world.root / "var", secret_key="cases-browser-key"
    )
    return create_app(settings)


def _precision(page: Any, base: str, source: str) -> str:
    page.goto(f"{base}/precision")
    loc = page.locator(f"#precision-{source}")
    return loc.inner_text().strip() if loc.count() else "-"


def test_alerts_to_case_to_network_to_decision(
    live_server: str,  # noqa: F811
    signed_in: Callable[..., Any],  # noqa: F811
    watch_csp: Callable[[Any], list[str]],
) -> None:
    base = live_server
    # The CSP stays on: the network (cytoscape) and precision (plotly) pages included.
    page = signed_in("kim", 1280, 1000, password=PASSWORD, csp=True)
    csp = watch_csp(page)
    before = {s: _precision(page, base, s) for s in ("tradecrime", "risk")}
    assert before == {"tradecrime": "-", "risk": "-"}
    seen: dict[str, str] = {}  # screen -> URL, looked at again at tablet width

    # The triage queue holds both detectors' alerts.
    page.goto(f"{base}/alerts?state=new")
    sources = set(page.locator("#alerts tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.source)"))  # fmt: skip
    assert {"risk", "tradecrime"} <= sources
    check_page(page, "cases-triage-queue")
    seen["cases-triage-queue"] = page.url

    # Trade-crime alert on C1: triage, then a case.
    page.click("#alerts tr[data-subject='C1'] a[href^='/alerts/']")
    page.click("#triage-button")
    page.wait_for_selector("#alert-state:has-text('triage')")
    check_page(page, "cases-alert")
    seen["cases-alert"] = page.url
    page.click("#open-case-button")
    page.wait_for_url("**/cases/*")
    case_url = page.url
    assert "hwanchigi" in page.inner_text("#case-alerts")

    # The network view renders the world around C1 and grows by a click.
    page.click("#network-link")
    page.wait_for_selector("#network[data-ready='1']")
    first = int(page.get_attribute("#network", "data-nodes") or 0)
    assert first >= 5
    check_page(page, "cases-network")
    seen["cases-network"] = page.url
    target = page.evaluate(
        """() => { const n = window.caseNetwork.nodes().filter(n => !n.data('expanded')
                     && n.data('type') !== 'summary' && n.data('type') !== 'declaration')[0];
                   return n ? {id: n.id(), p: n.renderedPosition()} : null; }"""
    )
    assert target is not None
    box = page.locator("#network").bounding_box()
    page.mouse.click(box["x"] + target["p"]["x"], box["y"] + target["p"]["y"])
    # A function, not an expression string: Playwright evaluates the latter with eval(),
    # which the Content-Security-Policy refuses.
    page.wait_for_function(
        "n => Number(document.getElementById('network').dataset.nodes) > n", arg=first
    )
    check_page(page, "cases-network-expanded", axe=False)  # the same page, grown

    # Decision: confirmed; the trade-crime detector's precision appears.
    page.goto(case_url)
    check_page(page, "cases-case-open")
    page.select_option("#decision select[name=outcome]", "confirmed")
    page.fill("#decision input[name=amount_recovered_krw]", "30000000")
    page.click("#decide-button")
    page.wait_for_selector("#case-status:has-text('closed')")
    check_page(page, "cases-case-decided")
    seen["cases-case-decided"] = case_url
    assert _precision(page, base, "tradecrime") == "100.0%"

    # A red-lane alert from the risk engine: a case, judged a false positive.
    page.goto(f"{base}/alerts?source=risk&state=new")
    page.locator("#alerts input[name=alert_ids]").first.check()
    page.click("#open-case-button")
    page.wait_for_url("**/cases/*")
    page.select_option("#decision select[name=outcome]", "false_positive")
    page.click("#decide-button")
    page.wait_for_selector("#case-outcome:has-text('false_positive')")
    assert _precision(page, base, "risk") == "0.0%"
    check_page(page, "cases-precision")
    seen["cases-precision"] = page.url

    # The same screens at tablet width (read only: the journey's writes are done).
    tablet = signed_in("kim", 800, 1000, password=PASSWORD, csp=True)
    tablet_csp = watch_csp(tablet)
    for name, url in seen.items():
        tablet.goto(url)
        if name == "cases-network":
            tablet.wait_for_selector("#network[data-ready='1']")
        check_page(tablet, name)
    assert not csp, csp
    assert not tablet_csp, tablet_csp
