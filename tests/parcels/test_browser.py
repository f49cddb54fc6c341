"""End to end in Debian's Chromium (Playwright, never a downloaded browser): an officer
logs in, uploads a manifest, filters the parcel queue, opens a parcel with its reasons and
records an inspection result, with the Content-Security-Policy on. Fixtures from
tests/web/browser_kit.py; each screen passes ``check_page`` (screenshot in
test-artifacts/workspace/, no script error, no overflow, axe-core) at 1280 and 800 px."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from opencustoms.settings import Settings
from web.browser_kit import browser, check_page, live_server, signed_in  # noqa: F401

from .test_web import OTHER, OWN, PASSWORD, manifest_bytes

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """What browser_kit's live_server serves here: an empty workspace with an officer of
    each of two offices (the manifest has parcels of both)."""
    from opencustoms.db import get_engine
    from opencustoms.web.app import create_app
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.users import create_user, prepare_database

    root = tmp_path_factory.mktemp("parcels-browser")
    settings = Settings(
        database_url=f"sqlite:///{root / 'parcels.sqlite'}",
        var_dir=root / "var",
        secret_key="parcels-browser-key",
    )
    app = create_app(settings)
    engine = get_engine(settings.resolved_database_url)
    prepare_database(engine)
    for name, office in (("officer", OWN), ("officer_other", OTHER)):
        create_user(
            engine=engine,
            data=UserCreate(username=name, password=PASSWORD, role="officer", office=office),  # type: ignore[arg-type]
        )
    return app


def test_upload_queue_detail_result(
    live_server: str,  # noqa: F811
    signed_in: Callable[..., Any],  # noqa: F811
    tmp_path: Path,
    watch_csp: Callable[[Any], list[str]],
) -> None:
    data, _ = manifest_bytes()
    manifest = tmp_path / "manifest.csv"
    manifest.write_bytes(data)
    page = signed_in("officer", 1280, 1000, password=PASSWORD, csp=True)
    csp = watch_csp(page)  # htmx forms under the Content-Security-Policy
    page.goto(f"{live_server}/parcels")
    # Upload: stored, screened, and the queue shows this office's parcels only.
    page.set_input_files("#upload input[name=file]", str(manifest))
    page.click("#upload button[type=submit]")
    page.wait_for_selector("#upload-result", timeout=120_000)
    assert "stored" in page.inner_text("#upload-result")
    check_page(page, "parcels-queue")
    assert f"office {OWN}" in page.inner_text("h1")
    # Filter by decision: every row says pay_duty.
    page.select_option("select[name=decision]", "pay_duty")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**decision=pay_duty**")
    rows = page.locator("#parcel-queue tbody tr")
    assert rows.count() > 0
    assert all("pay_duty" in rows.nth(i).inner_text() for i in range(min(rows.count(), 10)))
    filtered = page.url
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
    check_page(page, "parcels-detail")
    detail = page.url
    # The same screens at tablet width, read only.
    tablet = signed_in("officer", 800, 1000, password=PASSWORD, csp=True)
    tablet_csp = watch_csp(tablet)
    for name, url in (("parcels-queue", filtered), ("parcels-detail", detail)):
        tablet.goto(url)
        check_page(tablet, name)
    assert csp == [] and tablet_csp == []
