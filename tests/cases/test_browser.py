"""End to end in Debian's Chromium (Playwright, never a downloaded browser): alerts from
the risk lanes and from trade crime -> triage -> case -> the network view renders and
grows by a click -> decision -> the detector's precision on the dashboard changes.
Screenshots go to test-artifacts/cases/."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from opencustoms.settings import REPO_DIR, Settings

from .web_world import PASSWORD, CaseWorld, build

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]  # fmt: skip
SHOTS = REPO_DIR / "test-artifacts" / "cases"


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> CaseWorld:
    return build(tmp_path_factory.mktemp("cases-browser"))


@pytest.fixture(scope="module")
def live_server(world: CaseWorld) -> Iterator[str]:
    import uvicorn

    from opencustoms.web.app import create_app

    settings = Settings(
        database_url=world.url, var_dir=world.root / "var", secret_key="cases-browser-key"
    )
    app = create_app(settings)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (bash scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _precision(page: Any, base: str, source: str) -> str:
    page.goto(f"{base}/precision")
    loc = page.locator(f"#precision-{source}")
    return loc.inner_text().strip() if loc.count() else "-"


def test_alerts_to_case_to_network_to_decision(
    live_server: str, browser: Any, watch_csp: Callable[[Any], list[str]]
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    base = live_server
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    csp = watch_csp(page)  # the network (cytoscape) and precision (plotly) pages included
    page.goto(f"{base}/alerts")
    assert "/login" in page.url
    page.fill("input[name=username]", "kim")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    before = {s: _precision(page, base, s) for s in ("tradecrime", "risk")}
    assert before == {"tradecrime": "-", "risk": "-"}

    # The triage queue holds both detectors' alerts.
    page.goto(f"{base}/alerts?state=new")
    sources = set(page.locator("#alerts tbody tr").evaluate_all(
        "rows => rows.map(r => r.dataset.source)"))  # fmt: skip
    assert {"risk", "tradecrime"} <= sources
    page.screenshot(path=str(SHOTS / "triage-queue.png"), full_page=True)

    # Trade-crime alert on C1: triage, then a case.
    page.click("#alerts tr[data-subject='C1'] a[href^='/alerts/']")
    page.click("#triage-button")
    page.wait_for_selector("#alert-state:has-text('triage')")
    page.click("#open-case-button")
    page.wait_for_url("**/cases/*")
    case_url = page.url
    assert "hwanchigi" in page.inner_text("#case-alerts")

    # The network view renders the world around C1 and grows by a click.
    page.click("#network-link")
    page.wait_for_selector("#network[data-ready='1']")
    first = int(page.get_attribute("#network", "data-nodes") or 0)
    assert first >= 5
    page.screenshot(path=str(SHOTS / "network.png"), full_page=True)
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
    page.screenshot(path=str(SHOTS / "network-expanded.png"), full_page=True)

    # Decision: confirmed; the trade-crime detector's precision appears.
    page.goto(case_url)
    page.select_option("#decision select[name=outcome]", "confirmed")
    page.fill("#decision input[name=amount_recovered_krw]", "30000000")
    page.click("#decide-button")
    page.wait_for_selector("#case-status:has-text('closed')")
    page.screenshot(path=str(SHOTS / "case-decided.png"), full_page=True)
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
    page.screenshot(path=str(SHOTS / "precision.png"), full_page=True)
    assert not errors, errors
    assert not csp, csp
    page.close()
