"""The officer pages in Korean: a user who picks 한국어 (``?lang=ko``, then the cookie it
sets) gets every officer page with Korean headings and none of the page's English ones.
Records come from the authorisation matrix's fixtures; each detail page but the seeded
parcel's is the first link of its list page, as an officer would reach it."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from .conftest import OWN, PASSWORD, World
from .matrix import Ctx
from .matrix.cases import standing_case
from .matrix.parcels import _pid
from .matrix.screening import fresh_match
from .matrix.tradecrime import _prepare


def _sign_in(client: TestClient, user: str) -> None:
    client.cookies.clear()
    r = client.post("/login", data={"username": user, "password": PASSWORD})
    assert r.status_code in (200, 303), r.text
    # The header's language switch: ?lang=ko answers in Korean and remembers it.
    first = client.get("/queue", params={"lang": "ko"})
    assert first.status_code == 200 and '<html lang="ko">' in first.text
    assert client.cookies.get("lang") == "ko"


def _first_link(client: TestClient, path: str, pattern: str) -> str:
    page = client.get(path)
    assert page.status_code == 200, page.text
    found = re.search(pattern, page.text)
    assert found, f"no link {pattern!r} on {path}"
    return found.group(0)[len('href="') : -1]


def _check(client: TestClient, path: str, korean: list[str], english: list[str]) -> str:
    page = client.get(path)
    assert page.status_code == 200, (path, page.text[:500])
    html = page.text
    assert '<html lang="ko">' in html, path
    assert page.headers["content-language"] == "ko"
    for text in korean:
        assert text in html, (path, text)
    left = [text for text in english if text in html]
    assert not left, (path, left)
    return html


@pytest.fixture
def ctx(world: World) -> Ctx:
    return Ctx(
        world=world,
        side="own",
        office=OWN,
        decl=world.own_ids[0],
        trader_decl=world.own_ids[0],
        trader_decl_office=OWN,
    )


def test_declaration_and_rules_in_korean(client: TestClient, world: World) -> None:
    _sign_in(client, "supervisor")  # a supervisor also gets the lane-override form
    declaration = _first_link(client, "/queue", r'href="/declarations/[^"]+"')
    _check(
        client,
        declaration,
        ["수입신고 ", ">신고 내용<", ">가격 비교<", ">세액 계산<", ">결정<", ">검사 결과<",
         ">검사 구분 변경<", ">적용된 규칙<", ">모델이 고려한 요인<", "<dt>과세가격</dt>",
         "<h3>원산지 및 운송 경로</h3>"],
        [">Declared<", ">Price benchmark<", ">Tax computation<", ">Decision<",
         ">Inspection result<", ">Lane override<", ">Rules fired<", ">What the model weighed<",
         ">Outcome (required)<", ">Record result<", ">Override lane<", "<h1>Declaration ",
         "<dt>Item price (customs value)</dt>", "<h3>Origin and route</h3>"],
    )  # fmt: skip
    _check(
        client,
        "/rules",
        ["<h1>선별 규칙</h1>", ">유효 기간<", "새 규칙 (YAML)", ">규칙 저장<"],
        ["<h1>Officer rules</h1>", ">Valid<", "New rule", ">Save rule<", ">Validate<"],
    )


def test_cases_in_korean(client: TestClient, world: World, ctx: Ctx) -> None:
    standing_case(ctx)
    _sign_in(client, "officer")
    _check(
        client,
        "/alerts",
        ["<h1>경보 분류 목록", ">탐지기<", ">관련 금액 (원)<", "선택한 경보로 사건 개시"],
        ["<h1>Triage queue", ">Detector<", ">KRW at stake<", "Open case from selected alerts",
         ">Case title", "No alerts for these filters."],
    )  # fmt: skip
    alert = _first_link(client, "/alerts", r'href="/alerts/\d+"')
    _check(client, alert, ["<h1>경보 #", ">증거<", ">처리 기한<"], ["<h1>Alert #", ">Evidence<"])
    _check(
        client,
        "/cases",
        ["<h1>사건</h1>", ">담당자<", ">추징액<"],
        ["<h1>Cases</h1>", ">Assignee<", ">Recovered<", ">Triage queue<", "No cases."],
    )
    case = _first_link(client, "/cases", r'href="/cases/\d+"')
    _check(
        client,
        case,
        ["<h1>사건 ", ">관계망 보기<", ">결정 기록<", ">메모<", ">첨부 파일<", ">이력<"],
        ["<h1>Case ", ">Network view<", ">Record decision<", ">Notes<", ">Attachments<",
         ">History<", ">Start investigating<", ">Assign<"],
    )  # fmt: skip
    _check(client, f"{case}/network", ["관계망"], ["<h1>Network around", " nodes, "])
    _check(
        client,
        "/precision",
        ["<h1>처리 완료 사건 기준 탐지기 정확도</h1>", ">월별 정확도<"],
        ["<h1>Detector precision", ">Precision per month<", ">False positive<"],
    )


def test_parcels_and_screening_in_korean(client: TestClient, world: World, ctx: Ctx) -> None:
    # The seeded parcel itself, not the list's first link: which parcels the office's list
    # shows depends on what other tests of the shared world recorded before this one.
    parcel = f"/parcels/{_pid(ctx)}"
    fresh_match(ctx)
    _sign_in(client, "officer")
    _check(
        client,
        "/parcels",
        ["<h1>화물 · 세관 ", "적하목록", ">업로드 후 선별<", ">관세 + 부가가치세 (원)<"],
        ["Parcels · office", "Manifest (CSV or Parquet)", ">Upload and screen<",
         ">Duty + VAT (KRW)<", ">Typologies<"],
    )  # fmt: skip
    html = _check(
        client,
        parcel,
        ["<h1>화물 ", ">수취인<", ">검사 결과<"],
        ["<h1>Parcel ", ">Recipient<", ">Names on this PCCC<", ">Inspection result<", ">Record<"],
    )
    pccc = re.search(r'href="(/parcels/pccc/[^"]+)"', html)
    assert pccc
    _check(client, pccc.group(1), ["통관된 화물"], ["Parcels cleared under", ">Address<"])
    _check(
        client,
        "/screening",
        ["<h1>제재 대상 검토 목록</h1>", ">일치한 이름<", "검토 대기"],
        ["<h1>Sanctions review queue", ">Matched name<", ">Listed entity<", "A match blocks"],
    )
    match = _first_link(client, "/screening", r'href="/screening/matches/\d+"')
    _check(
        client,
        match,
        ["<h1>일치 후보 #", ">신고 당사자<", ">실제 일치<"],
        ["<h1>Match #", ">Declaration party<", ">Features<", ">True match<", ">Decisions<"],
    )


def test_trade_crime_in_korean(client: TestClient, world: World) -> None:
    _prepare(world.env["OPENCUSTOMS_VAR_DIR"])
    _sign_in(client, "analyst")
    _check(
        client,
        "/tradecrime/alerts",
        ["<h1>무역범죄 경보</h1>", ">최저 점수", ">조회<"],
        ["<h1>Trade-crime alerts", "Minimum score", ">Filter<", ">KRW at stake<"],
    )
    alert = _first_link(client, "/tradecrime/alerts", r'href="/tradecrime/alerts/[^"?]+"')
    _check(
        client,
        alert,
        [">관련 대상<", ">증거<", "관련 금액 "],
        [">Related entities<", ">Evidence<", "KRW at stake", "Declared vs settled"],
    )


def test_users_and_audit_in_korean(client: TestClient, world: World) -> None:
    _sign_in(client, "admin")
    _check(
        client,
        "/users",
        ["<h1>사용자</h1>", ">비밀번호 재설정<", ">역할 변경<"],
        ["<h1>Users</h1>", ">Reset password<", ">Change role<", "New password", "audit trail"],
    )
    _check(
        client,
        "/audit",
        ["<h1>감사 기록</h1>", "체인 무결", ">수행자<"],
        ["<h1>Audit trail</h1>", "Chain intact", ">Actor<", "Time (UTC)"],
    )
