"""The officer pages in Korean in Debian's Chromium at 1280 and 800 px: the declaration,
a case, the parcels queue and the users page after the header's 한국어 switch, each
screenshot, without script error or sideways overflow and with no serious axe-core
violation (``check_page``); Korean labels are often shorter, the longer ones must wrap."""

from __future__ import annotations

from typing import Any

import pytest

from .browser_kit import WIDTHS, browser, check_page, live_server, signed_in  # noqa: F401
from .conftest import OWN, World
from .matrix import Ctx
from .matrix.cases import standing_case
from .matrix.parcels import _pid

pytestmark = pytest.mark.browser

# The declaration page computes the tax and the valuation z per item on a shared machine.
SLOW = 180_000


def _korean(page: Any, base: str) -> None:
    page.goto(f"{base}/queue?lang=ko")
    assert page.get_attribute("html", "lang") == "ko"


def _follow(page: Any, base: str, path: str, selector: str) -> None:
    page.goto(f"{base}{path}")
    href = page.get_attribute(selector, "href")
    assert href, f"no {selector} on {path}"
    page.goto(f"{base}{href}")
    assert page.get_attribute("html", "lang") == "ko"


@pytest.mark.parametrize("width", WIDTHS)
def test_officer_pages_in_korean(
    live_server: str,  # noqa: F811
    signed_in: Any,  # noqa: F811
    world: World,
    width: int,
) -> None:
    x = Ctx(world=world, side="own", office=OWN, decl=world.own_ids[0],
            trader_decl=world.own_ids[0], trader_decl_office=OWN)  # fmt: skip
    standing_case(x)
    _pid(x)
    page = signed_in("supervisor", width)
    page.set_default_timeout(SLOW)
    _korean(page, live_server)
    _follow(page, live_server, "/queue", "#queue a[href^='/declarations/']")
    assert page.locator("h2", has_text="세액 계산").count() >= 1
    check_page(page, "ko-declaration")
    _follow(page, live_server, "/cases", "#cases a[href^='/cases/']")
    assert page.locator("h2", has_text="이력").count() == 1
    check_page(page, "ko-case")
    page.goto(f"{live_server}/parcels")
    assert page.locator("h1", has_text="화물").count() == 1
    check_page(page, "ko-parcels")
    admin = signed_in("admin", width)
    _korean(admin, live_server)
    admin.goto(f"{live_server}/users")
    assert admin.locator("h1", has_text="사용자").count() == 1
    check_page(admin, "ko-users")
