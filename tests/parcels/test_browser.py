"""End to end in Debian's Chromium (Playwright, never a downloaded browser): an officer
logs in, uploads a manifest, filters the parcel queue, opens a parcel with its reasons and
records an inspection result. Screenshots go to test-artifacts/parcels/."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from opencustoms.settings import REPO_DIR, get_settings

from .test_web import OTHER, OWN, PASSWORD, manifest_bytes

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
ARTIFACTS = REPO_DIR / "test-artifacts" / "parcels"


@pytest.fixture
def live_server() -> Iterator[str]:
    import uvicorn

    from opencustoms.db import get_engine
    from opencustoms.web.app import create_app
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.users import create_user, prepare_database

    settings = get_settings()
    app = create_app(settings)
    engine = get_engine(settings.resolved_database_url)
    prepare_database(engine)
    for name, office in (("officer", OWN), ("officer_other", OTHER)):
        create_user(
            engine=engine,
            data=UserCreate(username=name, password=PASSWORD, role="officer", office=office),  # type: ignore[arg-type]
        )
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield base
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (bash scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def test_upload_queue_detail_result(
    live_server: str, browser: object, tmp_path: Path, watch_csp: Callable[[object], list[str]]
) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    data, _ = manifest_bytes()
    manifest = tmp_path / "manifest.csv"
    manifest.write_bytes(data)
    page = browser.new_page(viewport={"width": 1280, "height": 1000})  # type: ignore[attr-defined]
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    csp = watch_csp(page)  # htmx forms under the Content-Security-Policy
    page.goto(f"{live_server}/parcels")
    assert "/login" in page.url
    page.fill("input[name=username]", "officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/parcels")  # back where the login was asked for
    # Upload: stored, screened, and the queue shows this office's parcels only.
    page.set_input_files("#upload input[name=file]", str(manifest))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#upload-result", timeout=120_000)
    assert "stored" in page.inner_text("#upload-result")
    page.screenshot(path=str(ARTIFACTS / "queue.png"), full_page=True)
    assert f"office {OWN}" in page.inner_text("h1")
    # Filter by decision: every row says pay_duty.
    page.select_option("select[name=decision]", "pay_duty")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**decision=pay_duty**")
    rows = page.locator("#parcel-queue tbody tr")
    assert rows.count() > 0
    assert all("pay_duty" in rows.nth(i).inner_text() for i in range(min(rows.count(), 10)))
    # Detail: decision, reasons, then record an inspection result.
    link = page.locator("#parcel-queue tbody a").first
    pid = link.inner_text()
    link.click()
    page.wait_for_url(f"**/parcels/{pid}")
    assert "pay_duty" in page.inner_text("#decision")
    assert page.locator("#reasons li").count() >= 1
    page.select_option("#inspection select[name=outcome]", "confirmed")
    page.fill("#inspection input[name=note]", "receipts show one order split in two")
    page.click("#inspection button[type=submit]")
    page.wait_for_url(f"**/parcels/{pid}")
    assert "receipts show one order" in page.inner_text("#inspections")
    page.screenshot(path=str(ARTIFACTS / "detail.png"), full_page=True)
    assert errors == []
    assert csp == []
