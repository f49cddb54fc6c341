"""Authorisation matrix: every role x every endpoint x own/other office.

For each cell the expected outcome is derived from the role rules (not listed by hand per
cell), the request is made, and the response is checked: allowed cells must not answer
401/403/404, denied cells must answer 403 or 404 and carry no data. Every response a
trader gets is also checked for risk data (scores, lanes, reasons, rules).
"""

from __future__ import annotations

import io
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from .conftest import OTHER, OWN, USERS, World, auth, world_env

ROLES = list(USERS)
STAFF = {"officer", "supervisor", "analyst", "admin"}
_counter = itertools.count()


@dataclass
class Ctx:
    world: World
    office: str  # the office the request is about
    decl: str  # a declaration of that office
    trader_decl: str  # a declaration of the trader (own) or not (other)


def role_of(user: str) -> str:
    return USERS[user][0]


def own(user: str, office: str) -> bool:
    return USERS[user][1] == office


# Who may do what: (user name, office of the object) -> allowed?
def anyone(u: str, o: str) -> bool:
    return True


def staff(u: str, o: str) -> bool:
    return role_of(u) in STAFF


def staff_read(u: str, o: str) -> bool:
    return role_of(u) in ("analyst", "admin") or (role_of(u) in STAFF and own(u, o))


def office_write(u: str, o: str) -> bool:
    return role_of(u) == "admin" or (role_of(u) in ("officer", "supervisor") and own(u, o))


def supervise(u: str, o: str) -> bool:
    return role_of(u) == "admin" or (role_of(u) == "supervisor" and own(u, o))


def writer(u: str, o: str) -> bool:
    return role_of(u) in ("officer", "supervisor", "admin")


def admin(u: str, o: str) -> bool:
    return role_of(u) == "admin"


def auditor(u: str, o: str) -> bool:
    return role_of(u) in ("admin", "analyst")


def trader_own(u: str, o: str) -> bool:
    # ``o`` is "own" or "other" for the trader's declaration here.
    if role_of(u) == "trader":
        return o == "own"
    return True  # staff rights on status follow the office, checked separately


def trader_only(u: str, o: str) -> bool:
    return role_of(u) == "trader"


def _decl(decl_id: str, office: str) -> dict[str, Any]:
    return {
        "declaration_id": decl_id,
        "declaration_date": "2021-03-03",
        "office_id": office,
        "hs_code": "847130",
        "importer_id": "MATRIX",
        "origin_country": "CN",
        "net_mass_kg": 1.5,
        "item_price_krw": 120000,
    }


def _rule(office: str) -> dict[str, Any]:
    return {
        "id": f"MATRIX-{next(_counter)}",
        "office": office,
        "valid_from": "2021-01-01",
        "when": [{"field": "hs6", "op": "eq", "value": "999999"}],
        "action": {"score_boost": 0.01},
        "reason": "Matrix test rule, never fires",
        "instructions": "None, this is a test",
        "reference": "authorisation test",
    }


Request = Callable[[TestClient, dict[str, str], Ctx], Any]


def _upload(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
    n = next(_counter)
    csv = (
        f"declaration_id,declaration_date,office_id,hs_code\nUPM{n},2021-03-03,{x.office},847130\n"
    ).encode()
    return c.post(
        "/api/declarations/upload",
        headers=h,
        data={"profile": "canonical"},
        files={"file": ("m.csv", io.BytesIO(csv), "text/csv")},
    )


def _update_rule(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
    rid = f"MATRIX-OWNED-{x.office}"
    return c.put(f"/api/rules/{rid}", headers=h, json={**_rule(x.office), "id": rid})


ENDPOINTS: list[tuple[str, Request, Callable[[str, str], bool]]] = [
    ("GET /api/me", lambda c, h, x: c.get("/api/me", headers=h), anyone),
    ("GET /api/offices", lambda c, h, x: c.get("/api/offices", headers=h), anyone),
    ("GET /api/users", lambda c, h, x: c.get("/api/users", headers=h), admin),
    (
        "POST /api/users",
        lambda c, h, x: c.post(
            "/api/users",
            headers=h,
            json={
                "username": f"m{next(_counter)}",
                "password": "matrix-pass-1",
                "role": "officer",
                "office": x.office,
            },
        ),
        admin,
    ),
    ("GET /api/audit", lambda c, h, x: c.get("/api/audit", headers=h), auditor),
    ("GET /api/audit/verify", lambda c, h, x: c.get("/api/audit/verify", headers=h), admin),
    (
        "POST /api/declarations",
        lambda c, h, x: c.post(
            "/api/declarations",
            headers=h,
            json={"records": [_decl(f"M{next(_counter)}", x.office)]},
        ),
        office_write,
    ),
    ("POST /api/declarations/upload", _upload, office_write),
    (
        "GET /api/declarations/{id}",
        lambda c, h, x: c.get(f"/api/declarations/{x.decl}", headers=h),
        staff_read,
    ),
    (
        "GET /api/offices/{o}/queue",
        lambda c, h, x: c.get(f"/api/offices/{x.office}/queue", headers=h),
        staff_read,
    ),
    (
        "GET /api/dashboard?office",
        lambda c, h, x: c.get("/api/dashboard", headers=h, params={"office": x.office}),
        staff_read,
    ),
    (
        "POST /api/declarations/{id}/inspection",
        lambda c, h, x: c.post(
            f"/api/declarations/{x.decl}/inspection", headers=h, json={"fraud": False}
        ),
        office_write,
    ),
    (
        "POST /api/declarations/{id}/lane",
        lambda c, h, x: c.post(
            f"/api/declarations/{x.decl}/lane",
            headers=h,
            json={"lane": "yellow", "reason": "matrix check"},
        ),
        supervise,
    ),
    (
        "POST /api/risk/score",
        lambda c, h, x: c.post("/api/risk/score", headers=h, json=_decl("MS", x.office)),
        staff,
    ),
    (
        "POST /api/risk/score-batch",
        lambda c, h, x: c.post(
            "/api/risk/score-batch", headers=h, json={"declarations": [_decl("MB", x.office)]}
        ),
        staff,
    ),
    (
        "GET /api/offices/{o}/capacity",
        lambda c, h, x: c.get(f"/api/offices/{x.office}/capacity", headers=h),
        staff_read,
    ),
    (
        "PUT /api/offices/{o}/capacity",
        lambda c, h, x: c.put(
            f"/api/offices/{x.office}/capacity", headers=h, json={"red": 2, "yellow": 2, "blue": 1}
        ),
        supervise,
    ),
    ("GET /api/risk/metrics", lambda c, h, x: c.get("/api/risk/metrics", headers=h), staff),
    ("GET /api/rules", lambda c, h, x: c.get("/api/rules", headers=h), staff),
    (
        "POST /api/rules/validate",
        lambda c, h, x: c.post("/api/rules/validate", headers=h, json=_rule(x.office)),
        staff,
    ),
    (
        "POST /api/rules",
        lambda c, h, x: c.post("/api/rules", headers=h, json=_rule(x.office)),
        supervise,
    ),
    ("PUT /api/rules/{id}", _update_rule, supervise),
    (
        "POST /api/tariff/calc",
        lambda c, h, x: c.post(
            "/api/tariff/calc",
            headers=h,
            json={
                "hs_code": "847130",
                "origin": "CN",
                "value": 1000000,
                "currency": "KRW",
                "date": "2021-03-03",
            },
        ),
        anyone,
    ),
    (
        "POST /api/hs/feedback",
        lambda c, h, x: c.post(
            "/api/hs/feedback", headers=h, json={"text": "", "hs_code": "847130", "confirmed": True}
        ),
        writer,
    ),
    (
        "GET /api/my/declarations",
        lambda c, h, x: c.get("/api/my/declarations", headers=h),
        trader_only,
    ),
    (
        "GET /queue?format=json (UI)",
        lambda c, h, x: c.get("/queue", headers=h, params={"office": x.office, "format": "json"}),
        staff_read,
    ),
    (
        "GET /declarations/{id} (UI)",
        lambda c, h, x: c.get(f"/declarations/{x.decl}", headers=h, params={"format": "json"}),
        staff_read,
    ),
    (
        "GET /dashboard (UI)",
        lambda c, h, x: c.get(
            "/dashboard", headers=h, params={"office": x.office, "format": "json"}
        ),
        staff_read,
    ),
    (
        "GET /rules (UI)",
        lambda c, h, x: c.get("/rules", headers=h, params={"format": "json"}),
        staff,
    ),
]
# The status endpoint's "office" axis is the trader's ownership for traders.
STATUS = (
    "GET /api/declarations/{id}/status",
    lambda c, h, x: c.get(f"/api/declarations/{x.trader_decl}/status", headers=h),
)

RISK_WORDS = (
    "score",
    "reason",
    "lane",
    "rules_fired",
    "critical",
    "revenue_at_risk",
    "exploration",
    "fraud",
)


def _assert_no_risk_data(resp: Any, where: str) -> None:
    try:
        payload = json.dumps(resp.json())
    except ValueError:
        payload = resp.text
    leaked = [w for w in RISK_WORDS if w in payload]
    assert not leaked, f"{where}: trader response contains {leaked}"


@pytest.fixture(scope="module")
def seeded_rules(world: World) -> None:
    """One rule per office for the update cells, created by the admin."""
    from opencustoms.settings import get_settings
    from opencustoms.workspace.app import create_app

    with world_env(world), TestClient(create_app(get_settings())) as c:
        for office in (OWN, OTHER):
            rid = f"MATRIX-OWNED-{office}"
            r = c.post(
                "/api/rules", headers=auth(world, "admin"), json={**_rule(office), "id": rid}
            )
            assert r.status_code in (201, 422), r.text


def test_authorisation_matrix(client: TestClient, world: World, seeded_rules: None) -> None:
    cells, failures = 0, []
    for user in ROLES:
        h = auth(world, user)
        for side, office in (
            ("own", USERS[user][1]),
            ("other", OTHER if USERS[user][1] != OTHER else OWN),
        ):
            # Offices without a declaration in the fixture fall back to the two we have.
            office = office if office in (OWN, OTHER) else (OWN if side == "own" else OTHER)
            decl = world.own_ids[-1] if office == OWN else world.other_ids[-1]
            trader_decl = (
                world.trader_ids[0]
                if side == "own"
                else next(d for d in world.other_ids if d not in world.trader_ids)
            )
            ctx = Ctx(world=world, office=office, decl=decl, trader_decl=trader_decl)
            cases = [(name, call, rule(user, office)) for name, call, rule in ENDPOINTS]
            trader_decl_office = OWN if trader_decl in world.own_ids else OTHER
            status_allowed = (
                (side == "own")
                if role_of(user) == "trader"
                else staff_read(user, trader_decl_office)
            )
            cases.append((STATUS[0], STATUS[1], status_allowed))
            for name, call, allowed in cases:
                cells += 1
                resp = call(client, h, ctx)
                where = f"{user} x {name} x {side} office {office}"
                if allowed and resp.status_code in (401, 403, 404):
                    failures.append(
                        f"{where}: expected access, got {resp.status_code} {resp.text[:120]}"
                    )
                if not allowed and resp.status_code not in (403, 404):
                    failures.append(
                        f"{where}: expected 403/404, got {resp.status_code} {resp.text[:120]}"
                    )
                if resp.status_code >= 500:
                    failures.append(f"{where}: server error {resp.status_code}")
                if not allowed and resp.status_code in (403, 404):
                    assert decl not in resp.text or name.startswith("POST"), where
                if role_of(user) == "trader":
                    _assert_no_risk_data(resp, where)
    assert not failures, f"{len(failures)} of {cells} cells wrong:\n" + "\n".join(failures)
    assert cells == len(ROLES) * 2 * (len(ENDPOINTS) + 1)


def test_unauthenticated_requests_get_nothing(client: TestClient, world: World) -> None:
    dummy = Ctx(world=world, office=OWN, decl=world.own_ids[0], trader_decl=world.trader_ids[0])
    for name, call, _ in [*ENDPOINTS, (*STATUS, None)]:
        resp = call(client, {}, dummy)
        if name.endswith("(UI)"):
            assert resp.status_code in (401, 303), name
        else:
            assert resp.status_code == 401, (name, resp.status_code)


def test_cookie_writes_need_csrf(client: TestClient, world: World) -> None:
    from .conftest import PASSWORD

    r = client.post(
        "/login", data={"username": "officer", "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303
    decl = world.own_ids[4]
    r = client.post(f"/api/declarations/{decl}/inspection", json={"fraud": False})
    assert r.status_code == 403 and "CSRF" in r.text
    r = client.post(
        f"/api/declarations/{decl}/inspection",
        json={"fraud": False},
        headers={"X-CSRF-Token": "forged"},
    )
    assert r.status_code == 403
    page = client.get(f"/declarations/{decl}")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        f"/api/declarations/{decl}/inspection",
        json={"fraud": False},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 201, r.text
