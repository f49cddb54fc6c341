"""Every portal flow in Debian's Chromium, in Korean and English, at phone width (390 px)
and desktop width; screenshots in test-artifacts/portal/ and an axe-core check of each
page (no serious or critical violation).

axe-core 4.14.1 is vendored for the browser tests only (``tests/vendor/``, MPL-2.0)."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from opencustoms.cases.models import AlertRow
from opencustoms.portal import feedback as fb
from opencustoms.portal.mail import MemoryMailer
from opencustoms.portal.ratelimit import default_limiter
from opencustoms.settings import REPO_DIR, Settings
from web.browser_kit import save_screenshot

from ..conftest import PCCC_A, seed
from .conftest import PASSWORD, USERS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = (Path(__file__).parents[2] / "vendor" / "axe.min.js").read_text(encoding="utf-8")
SHOTS = REPO_DIR / "test-artifacts" / "portal"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}
CASES = [(lang, size) for lang in ("ko", "en") for size in WIDTHS]


class Live:
    def __init__(self, base: str, app: Any) -> None:
        self.base, self.app = base, app
        self.engine = app.state.ws.engine
        self.mailer: MemoryMailer = app.state.ws.extras["mailer"]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    import uvicorn

    from opencustoms.web.app import create_app
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.users import create_user

    tmp = tmp_path_factory.mktemp("portal-browser")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    app = create_app(
        Settings(
            database_url=f"sqlite:///{tmp / 'b.sqlite'}",
            var_dir=tmp,
            secret_key="browser-secret",
            portal_base_url=base,
        )
    )
    app.state.ws.extras["mailer"] = MemoryMailer()
    seed(app.state.ws.engine)
    for name, (role, office, trader) in USERS.items():
        create_user(
            engine=app.state.ws.engine,
            data=UserCreate(
                username=name, password=PASSWORD, role=role, office=office, trader_id=trader
            ),
        )
    from opencustoms.hs.service import get_classifier

    get_classifier()  # load the HS index once, before any page waits for it
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    yield Live(base, app)
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


@pytest.fixture
def new_page(browser: Any) -> Iterator[Any]:
    contexts = []
    default_limiter()._tat.clear()  # the flows share one server: fresh limits per test

    def make(lang: str, size: str) -> Any:
        w, h = WIDTHS[size]
        # axe-core is injected as an inline script, which the Content-Security-Policy
        # refuses; the portal pages run no script of their own, so nothing is lost.
        ctx = browser.new_context(
            viewport={"width": w, "height": h},
            locale="ko-KR" if lang == "ko" else "en-US",
            bypass_csp=True,
        )
        contexts.append(ctx)
        page = ctx.new_page()
        # The machine is shared: generous waits, never a timed assertion.
        page.set_default_timeout(120_000)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.js_errors = errors
        return page

    yield make
    for ctx in contexts:
        ctx.close()


def check(page: Any, name: str, lang: str, size: str) -> None:
    """Screenshot, the page's language, no script error, no horizontal overflow on phones,
    and axe-core finds no serious or critical violation."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    save_screenshot(page, SHOTS / f"{name}-{lang}-{size}.png")
    assert page.get_attribute("html", "lang") == lang
    assert page.js_errors == []
    if size == "phone":
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, f"{name}: {overflow}px wider than the phone screen"
    page.add_script_tag(content=AXE)
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"][:3]]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], f"{name} ({lang}, {size}): {json.dumps(bad, ensure_ascii=False)}"


def korean_font_renders(page: Any) -> bool:
    """The Korean title is drawn with a CJK font (not tofu boxes): its rendered width is
    that of real glyphs, wider than the same count of Latin letters."""
    return bool(
        page.evaluate("""() => {
        const c = document.createElement('canvas').getContext('2d');
        const f = getComputedStyle(document.body).fontFamily;
        c.font = '16px ' + f;
        return document.fonts.check('16px "Noto Sans CJK KR"', '관세') &&
               c.measureText('관세청').width > c.measureText('ill').width * 2;
    }""")
    )


TEXT = {
    "ko": {
        "estimate": "관세·세금 예상액",
        "total": "납부 예상액",
        "hs": "물품의 HS 코드 찾기",
        "sent": "접수번호",
        "my": "마이페이지",
        "reported": "세관에 전달",
        "received": "민원이 접수되었습니다",
        "answers": "답변",
        "exports": "미국 관세",
        "published": "공표된 조치",
        "whatif": "가정 조치 적용 시",
    },
    "en": {
        "estimate": "Duty and tax estimate",
        "total": "Total to pay",
        "hs": "Find the HS code of your goods",
        "sent": "Reference",
        "my": "My page",
        "reported": "sent to the customs office",
        "received": "Message received",
        "answers": "Answers",
        "exports": "US tariffs",
        "published": "Published measures",
        "whatif": "With the what-if measure",
    },
}


@pytest.mark.parametrize(("lang", "size"), CASES)
def test_duty_estimate(live: Live, new_page: Any, lang: str, size: str) -> None:
    page = new_page(lang, size)
    page.goto(f"{live.base}/portal/estimate")  # language from the browser
    assert TEXT[lang]["estimate"] in page.inner_text("h1")
    if lang == "ko":
        assert korean_font_renders(page)
    check(page, "estimate-form", lang, size)
    page.fill("input[name=description]", "leather handbag")
    page.fill("input[name=origin]", "US")
    page.fill("input[name=value]", "180")
    page.fill("input[name=date]", "2024-06-01")
    page.click("form button[type=submit]")
    page.wait_for_selector("#sugg")
    check(page, "estimate-suggestions", lang, size)
    page.locator("#sugg ~ ol a, section ol a").first.click()
    page.wait_for_selector("#result")
    assert TEXT[lang]["total"] in page.inner_text("section[aria-labelledby=result]")
    assert page.locator("table.cards tbody tr").count() >= 2
    check(page, "estimate-result", lang, size)
    shared = page.input_value(".share input")
    other = new_page("en" if lang == "ko" else "ko", size)
    other.goto(shared)
    # The link alone reproduces the estimate, in the other language too.
    assert re.sub(r"\D", "", other.inner_text(".total")) == re.sub(
        r"\D", "", page.inner_text(".total")
    )


@pytest.mark.parametrize(("lang", "size"), CASES)
def test_hs_help_and_advance_ruling(live: Live, new_page: Any, lang: str, size: str) -> None:
    page = new_page(lang, size)
    page.goto(f"{live.base}/portal/hs?q=wireless+earphones")
    assert TEXT[lang]["hs"] in page.inner_text("h1")
    assert page.locator("#cands ~ ol li").count() >= 3
    check(page, "hs-candidates", lang, size)
    page.fill("input[name=applicant]", "Kim Trading")
    page.fill("input[name=contact_email]", "kim@example.org")
    page.fill(
        "textarea[name=description]",
        "Wireless earphones with charging case, plastic housing, Bluetooth",
    )
    page.click("form[action='/portal/rulings'] button")
    page.wait_for_selector("[role=status]")
    assert "AR-" in page.inner_text("[role=status]")
    check(page, "hs-ruling-sent", lang, size)


@pytest.mark.parametrize(("lang", "size"), CASES)
def test_register_my_parcels_and_report_misuse(
    live: Live, new_page: Any, lang: str, size: str
) -> None:
    from opencustoms.portal import accounts as acc

    email = f"p-{lang}-{size}@example.org"
    page = new_page(lang, size)
    page.goto(f"{live.base}/portal/register")
    check(page, "register", lang, size)
    page.fill("input[name=display_name]", "김민지")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("main form button")
    page.wait_for_selector("[role=status]")
    page.goto(live.mailer.last_link(email))
    page.wait_for_selector("[role=status]")
    page.goto(f"{live.base}/portal/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.click("main form button")
    page.wait_for_url("**/portal/my")
    # Ask to link the PCCC; an officer approves it after checking documents.
    page.fill("input[name=value]", PCCC_A)
    page.click("form[action='/portal/my/identity'] button")
    page.wait_for_url("**/portal/my#identities")
    pending = acc.pending_identities(engine=live.engine)
    mine = [p for p in pending if p["email"] == email]
    acc.decide_identity(
        engine=live.engine,
        identity_id=int(mine[0]["id"]),
        approve=True,
        officer="officer",
        role="officer",
    )
    page.goto(f"{live.base}/portal/my")
    assert TEXT[lang]["my"] in page.inner_text("h1")
    body = page.inner_text("main")
    assert "A1" in body and "Park Joon" in body and "Lee Sora" not in body
    check(page, "my-parcels", lang, size)
    page.check("input[name=parcel_id][value=A2]")
    page.click("form[action='/portal/my/misuse'] button")
    page.wait_for_selector("[role=status]")
    assert TEXT[lang]["reported"] in page.inner_text("[role=status]")
    check(page, "my-misuse-reported", lang, size)
    with live.engine.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(AlertRow.__table__)).scalar()
    assert n >= 1


@pytest.mark.parametrize(("lang", "size"), CASES)
def test_trader_declarations_and_us_exposure(
    live: Live, new_page: Any, lang: str, size: str, tmp_path: Path
) -> None:
    page = new_page(lang, size)
    page.goto(f"{live.base}/login?next=/portal/my")
    page.fill("input[name=username]", "acme")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/portal/my")
    body = page.inner_text("main")
    assert "D-ACME-1" in body and "D-OTHER-1" not in body
    check(page, "my-declarations", lang, size)
    csv = tmp_path / "lines.csv"
    csv.write_text("hs_code,value_usd,description\n870380,1000000,EV\n330499,200000,cosmetics\n")
    page.goto(f"{live.base}/portal/exports")
    page.set_input_files("input[name=file]", str(csv))
    page.fill("input[name=what_if_rate]", "10")
    page.fill("input[name=what_if_scope]", "3304")
    page.click("main form button")
    page.wait_for_selector("text=" + TEXT[lang]["whatif"])
    assert TEXT[lang]["published"] in page.inner_text("main")
    check(page, "exports", lang, size)


@pytest.mark.parametrize(("lang", "size"), CASES)
def test_feedback_reply_rating_and_statistics(
    live: Live, new_page: Any, lang: str, size: str
) -> None:
    page = new_page(lang, size)
    page.goto(f"{live.base}/portal/feedback")
    check(page, "feedback-form", lang, size)
    page.select_option("select[name=topic]", "parcel_clearance")
    page.fill("textarea[name=text]", "My parcel has been held for a week. 일주일째 보류 중입니다.")
    page.fill("input[name=contact_email]", "fb@example.org")
    page.click("main form[method=post] button")
    page.wait_for_selector("[role=status]")
    assert TEXT[lang]["received"] in page.inner_text("h1")
    check(page, "feedback-sent", lang, size)
    ref = re.search(r"FB-\d{4}-\d{6}-\d", page.inner_text("[role=status]")).group(0)
    fb.reply(
        engine=live.engine,
        reference=ref,
        text="Released today. 오늘 반출되었습니다.",
        author="officer",
        role="officer",
        office="40",
    )
    page.click("main a[href*='/portal/feedback/status']")
    page.wait_for_selector("text=오늘 반출되었습니다")
    page.check("input[name=satisfaction][value='5']")
    page.click("main form[method=post] button")
    page.wait_for_selector("[role=status]")
    check(page, "feedback-answered", lang, size)
    # The supervisor's statistics (officer UI, translated the same way).
    sup = new_page(lang, size)
    sup.goto(f"{live.base}/login?next=/portal/office/stats")
    sup.fill("input[name=username]", "supervisor")
    sup.fill("input[name=password]", PASSWORD)
    sup.click("button[type=submit]")
    sup.wait_for_url("**/portal/office/stats")
    assert "40" in sup.inner_text("table")
    check(sup, "office-stats", lang, size)
