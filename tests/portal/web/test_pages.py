"""Portal pages through HTTP: every flow in Korean and English, forms with their errors,
CSRF, rate limits, and what each kind of user may see."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from opencustoms.cases.models import AlertRow

from ..conftest import PCCC_A, PCCC_B
from .conftest import Site, csrf, portal_account, workspace_login

# Each test builds the app on a fresh database (migrations, users): seconds each.
pytestmark = pytest.mark.slow
HTML = {"accept": "text/html"}
RISK = re.compile(r"score|typolog|undervaluation|reason|lane|risk", re.I)


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("lang", "title", "total"),
    [("ko", "관세·세금 예상액", "납부 예상액"), ("en", "Duty and tax estimate", "Total to pay")],
)
def test_estimate_in_both_languages_and_the_shared_link(
    site: Site, lang: str, title: str, total: str
) -> None:
    url = (
        "/portal/estimate?hs=420221&origin=US&value=180&currency=USD&date=2024-06-01"
        f"&personal=1&list=0&lang={lang}"
    )
    r = site.client.get(url, headers=HTML)
    assert r.status_code == 200 and r.headers["content-language"] == lang
    body = text(r.text)
    assert title in body and total in body
    assert f'<html lang="{lang}">' in r.text
    assert "Customs Act" in body or "관세법" in body  # the legal basis of the threshold
    link = re.search(r'value="(http://testserver/portal/estimate\?[^"]+)"', r.text)
    assert link is not None
    again = site.client.get(
        link.group(1).replace("http://testserver", "").replace("&amp;", "&") + "&format=json"
    )
    data = again.json()
    assert data["estimate"]["computation"]["total"] > 0
    assert {ln["tax"] for ln in data["estimate"]["computation"]["lines"]} >= {"customs_duty", "vat"}


def test_language_from_browser_then_switch_is_remembered(site: Site) -> None:
    c = site.client
    assert (
        c.get("/portal", headers={**HTML, "accept-language": "en-US,en;q=0.9"}).headers[
            "content-language"
        ]
        == "en"
    )
    assert (
        c.get("/portal", headers={**HTML, "accept-language": "fr"}).headers["content-language"]
        == "ko"
    )
    r = c.get("/portal?lang=en", headers={**HTML, "accept-language": "ko"})
    assert "lang=en" in r.headers["set-cookie"]
    r = c.get("/portal/feedback", headers={**HTML, "accept-language": "ko"})
    assert r.headers["content-language"] == "en" and "Your message" in text(r.text)


def test_estimate_errors_name_the_field(site: Site) -> None:
    r = site.client.get("/portal/estimate?hs=12&origin=US&value=1&lang=en", headers=HTML)
    assert r.status_code == 422 and "HS code:" in text(r.text)
    r = site.client.get("/portal/estimate?hs=420221&origin=USA&value=1&lang=ko", headers=HTML)
    assert r.status_code == 422 and "원산지:" in text(r.text)


def test_feedback_flow_reply_rating_and_statistics(site: Site) -> None:
    c = site.client
    page = c.get("/portal/feedback?lang=ko")
    bad = c.post(
        "/portal/feedback",
        data={
            "kind": "question",
            "topic": "parcel_clearance",
            "text": "short",
            "contact_email": "a@example.org",
            "csrf_token": csrf(page.text),
        },
    )
    assert bad.status_code == 422 and "내용:" in text(bad.text)
    r = c.post(
        "/portal/feedback",
        data={
            "kind": "complaint",
            "topic": "parcel_clearance",
            "text": "택배가 일주일째 통관 보류 상태입니다.",
            "contact_email": "a@example.org",
            "csrf_token": csrf(page.text),
        },
    )
    assert r.status_code == 200
    ref = re.search(r"(FB-\d{4}-\d{6}-\d)", r.text).group(1)
    code = re.search(r"code=([A-Za-z0-9_-]+)", r.text).group(1)
    status_url = f"/portal/feedback/status?reference={ref}&code={code}"
    assert "아직 답변이 없습니다" in text(c.get(status_url).text)
    assert c.get(f"/portal/feedback/status?reference={ref}&code=wrong").status_code == 404
    # The office of parcel clearance (40) answers; another office cannot even see it.
    officer = workspace_login(site, "officer20")
    assert officer.get(f"/portal/office/feedback/{ref}", headers=HTML).status_code == 404
    officer.post("/logout", data={"csrf_token": csrf(officer.get("/queue").text)})
    officer = workspace_login(site, "officer")
    q = officer.get("/portal/office/feedback", headers=HTML)
    assert ref in q.text
    item = officer.get(f"/portal/office/feedback/{ref}", headers=HTML)
    r = officer.post(
        f"/portal/office/feedback/{ref}/reply",
        data={"text": "오늘 반출되었습니다.", "csrf_token": csrf(item.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    seen = c.get(status_url)
    assert "오늘 반출되었습니다." in seen.text and "officer" not in text(seen.text)
    r = c.post(
        "/portal/feedback/rate",
        data={"reference": ref, "code": code, "satisfaction": 4, "csrf_token": csrf(seen.text)},
    )
    assert r.status_code == 200
    # Statistics: supervisors (own office) and analysts; not officers.
    assert officer.get("/portal/office/stats", headers=HTML).status_code == 403
    officer.post("/logout", data={"csrf_token": csrf(officer.get("/queue").text)})
    sup = workspace_login(site, "supervisor")
    stats = sup.get("/portal/office/stats?format=json").json()["offices"]
    assert stats == [
        {
            "office": "40",
            "received": 1,
            "answered": 1,
            "in_time": 1,
            "open": 0,
            "overdue": 0,
            "rated": 1,
            "in_time_share": 1.0,
            "satisfaction": 4.0,
        }
    ]


def test_csrf_is_required_on_every_portal_form(site: Site) -> None:
    c = site.client
    c.get("/portal")
    for url, data in [
        (
            "/portal/feedback",
            {
                "kind": "question",
                "topic": "other",
                "text": "x" * 20,
                "contact_email": "a@example.org",
            },
        ),
        ("/portal/register", {"email": "a@example.org", "password": "x" * 12, "display_name": "A"}),
        ("/portal/login", {"email": "a@example.org", "password": "x" * 12}),
        (
            "/portal/rulings",
            {"applicant": "A", "contact_email": "a@example.org", "description": "x" * 30},
        ),
    ]:
        assert c.post(url, data={**data, "csrf_token": "forged"}).status_code == 403, url


def test_login_rate_limit_answers_429_with_retry_after(site: Site) -> None:
    c = site.client
    token = csrf(c.get("/portal/login").text)
    codes = [
        c.post(
            "/portal/login",
            data={"email": "v@example.org", "password": "wrong" * 3, "csrf_token": token},
        ).status_code
        for _ in range(6)
    ]
    assert codes == [401] * 5 + [429]
    r = c.post(
        "/portal/login",
        data={"email": "v@example.org", "password": "wrong" * 3, "csrf_token": token},
    )
    assert r.status_code == 429 and int(r.headers["retry-after"]) > 0


def test_my_page_shows_only_own_parcels_and_no_risk(site: Site) -> None:
    c = portal_account(site)
    r = c.get("/portal/my?lang=en", headers=HTML)
    assert r.status_code == 200
    body = text(r.text)
    assert "A1" in body and "A2" in body and "Park Joon" in body
    assert PCCC_B not in body and "Lee Sora" not in body and "B1" not in body
    assert not RISK.search(body), RISK.search(body)
    data = c.get("/portal/my?format=json").json()
    assert {p["pccc"] for p in data["parcels"]} == {PCCC_A}
    assert not RISK.search(str(data)), RISK.search(str(data))
    # Report misuse: an alert for the parcel's office; someone else's parcel: 404.
    r = c.post(
        "/portal/my/misuse",
        data={"parcel_id": ["A2"], "note": "not me", "csrf_token": csrf(r.text)},
    )
    assert r.status_code == 200 and "alert" in text(r.text)
    assert (
        c.post(
            "/portal/my/misuse", data={"parcel_id": ["B1"], "csrf_token": csrf(r.text)}
        ).status_code
        == 404
    )
    with site.engine.connect() as conn:
        rows = conn.execute(sa.select(AlertRow.subject_id, AlertRow.office)).all()
    assert [tuple(x) for x in rows] == [(PCCC_A, "20")]


def test_my_page_needs_a_login_and_a_verified_code(site: Site) -> None:
    c = site.client
    r = c.get("/portal/my", headers=HTML, follow_redirects=False)
    assert r.status_code in (401, 303)
    c = portal_account(site, email="nocode@example.org", pccc=None)
    body = text(c.get("/portal/my?lang=en", headers=HTML).text)
    assert "Link your personal customs clearance code" in body and "A1" not in body
    page = c.get("/portal/my")
    r = c.post(
        "/portal/my/identity",
        data={"kind": "pccc", "value": PCCC_B, "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    body = text(c.get("/portal/my?lang=en", headers=HTML).text)
    assert "waiting for a check" in body and "Lee Sora" not in body  # claimed, not verified


def test_trader_sees_own_declarations_with_taxes_and_no_risk(site: Site) -> None:
    c = workspace_login(site, "acme")
    data = c.get("/portal/my?format=json").json()
    ids = [d["declaration_id"] for d in data["declarations"]["items"]]
    assert ids == ["D-ACME-2", "D-ACME-1"]
    assert all(d["taxes_due"] > 0 for d in data["declarations"]["items"])
    assert data["parcels"] == []
    assert not RISK.search(str(data))
    assert c.get("/portal/office/feedback", headers=HTML).status_code == 403


def test_exports_upload_and_what_if(site: Site) -> None:
    c = portal_account(site, pccc=None)
    page = c.get("/portal/exports?lang=en", headers=HTML)
    csv = b"hs_code,value_usd,description\n870380,1000000,EV\n330499,200000,cosmetics\n"
    r = c.post(
        "/portal/exports",
        data={
            "date_from": "2025-01-01",
            "date_to": "2025-09-01",
            "what_if_rate": "10",
            "what_if_scope": "3304",
            "source": "upload",
            "csrf_token": csrf(page.text),
        },
        files={"file": ("lines.csv", csv, "text/csv")},
        headers=HTML,
    )
    assert r.status_code == 200, text(r.text)[:500]
    body = text(r.text)
    assert "Published measures" in body and "With the what-if measure" in body
    bad = c.post(
        "/portal/exports",
        data={
            "date_from": "2025-01-01",
            "date_to": "2025-09-01",
            "source": "upload",
            "csrf_token": csrf(page.text),
        },
        files={"file": ("x.csv", b"a,b\n1,2\n", "text/csv")},
        headers=HTML,
    )
    assert bad.status_code == 422 and "hs_code" in text(bad.text)


def test_advance_ruling_and_officer_queue(site: Site) -> None:
    c = site.client
    page = c.get("/portal/hs?lang=en", headers=HTML)
    r = c.post(
        "/portal/rulings",
        data={
            "applicant": "Kim Trading",
            "contact_email": "k@example.org",
            "description": "Wireless earphones with charging case, plastic housing",
            "proposed_hs": "851830",
            "csrf_token": csrf(page.text),
        },
        headers=HTML,
    )
    assert r.status_code == 200 and "Reference: AR-" in text(r.text)
    officer = workspace_login(site, "officer")
    items = officer.get("/portal/office/rulings?format=json").json()["items"]
    assert items[0]["applicant"] == "Kim Trading" and items[0]["suggestions"]


def test_estimate_tax_lines_in_korean(site: Site) -> None:
    """Tiers, acts and explanations of the tax lines follow the reader's language (they
    were English on the Korean page)."""
    query = "/portal/estimate?hs=711319&origin=CN&value=9000&currency=USD&date=2024-06-01"
    ko = text(site.client.get(f"{query}&lang=ko", headers=HTML).text)
    for word in ("관세법", "개별소비세법", "교육세법", "부가가치세법"):  # the acts
        assert word in ko, word
    assert "기본세율" in ko and "개별소비세분 교육세" in ko  # tiers
    assert "HS6 711319의 기본세율(8%)" in ko and "개별소비세의 30%" in ko  # explanations
    assert "전액 과세" in ko  # the note under the threshold
    # (The references quote the acts as published, in English with the Korean title.)
    for english in ("basic rate for HS6", "above KRW", "times the VAT rate", "in full"):
        assert english not in ko, english
    en = text(site.client.get(f"{query}&lang=en", headers=HTML).text)
    assert "basic rate for HS6 711319 (8%)" in en and "Value-Added Tax Act" in en
    spirits = "/portal/estimate?hs=220830&origin=GB&value=900&currency=USD&date=2024-06-01"
    ko = text(site.client.get(f"{spirits}&lang=ko", headers=HTML).text)
    assert "주세법" in ko and "주세(증류주)" in ko and "주세분 교육세" in ko


def test_a_portal_cookie_kept_after_logout_signs_nobody_in(site: Site) -> None:
    """Issue 18, finding 7: the signed cookie alone used to stay valid until it expired."""
    c = portal_account(site, email="replay@example.org")
    kept = c.cookies.get("oc_portal")
    assert kept and c.get("/portal/my?format=json").status_code == 200
    page = c.get("/portal/my")
    r = c.post("/portal/logout", data={"csrf_token": csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    c.cookies.clear()
    c.cookies.set("oc_portal", kept)  # the attacker's copy of the signed-in cookie
    r = c.get("/portal/my", headers=HTML, follow_redirects=False)
    assert r.status_code in (401, 303)
    assert "Kim Minji" not in r.text


def test_a_cookie_naming_an_account_without_a_session_is_not_trusted(site: Site) -> None:
    """A cookie of the old form (account id signed in, no server-side session) signs no
    one in, even with a valid signature."""
    portal_account(site, email="old@example.org")
    from itsdangerous import URLSafeTimedSerializer

    app = site.client.app
    secret = app.state.ws.signer.secret_keys[-1]  # type: ignore[attr-defined]
    forged = URLSafeTimedSerializer(secret, salt="oc-portal").dumps(
        {"csrf": "x", "aid": 1, "name": "Kim Minji"}
    )
    c = site.client
    c.cookies.clear()
    c.cookies.set("oc_portal", forged)
    r = c.get("/portal/my", headers=HTML, follow_redirects=False)
    assert r.status_code in (401, 303)


def test_the_portal_cookie_is_secure_over_https_only(site: Site) -> None:
    over_tls = site.client.get("https://testserver/portal/login", headers=HTML)
    assert "oc_portal=" in over_tls.headers["set-cookie"]
    assert "secure" in over_tls.headers["set-cookie"].lower()
    site.client.cookies.clear()
    plain = site.client.get("http://testserver/portal/login", headers=HTML)
    assert "secure" not in plain.headers["set-cookie"].lower()
