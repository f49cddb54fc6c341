"""Authorisation matrix: every route x every role x own/other office.

The routes come from the app itself (``app.routes``), so a route added without an entry
in the registry (``matrix/<domain>.py``) fails ``test_every_route_has_an_expectation``.
For each cell the expected outcome comes from the entry's rule, the request is made and
the response checked: allowed cells must not answer 401/403/404, denied cells must answer
403 or 404 and carry no data. Every response a trader gets is also checked for risk data
(scores, lanes, reasons, rules).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.routing import Mount

from .conftest import OTHER, OWN, USERS, World, auth, world_env
from .matrix import Ctx, entries
from .matrix.risk import owned_rule_id
from .matrix.risk import rule as matrix_rule

ROLES = list(USERS)
ENTRIES = entries()
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


def _walk(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for route in routes:
        # FastAPI keeps included routers as one node (``original_router``, prefixed by
        # its include context) instead of copying their routes into the app.
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _walk(inner.routes, prefix + route.include_context.prefix)
        else:
            yield prefix, route


def route_keys(app: Any) -> set[str]:
    """``"METHOD /path"`` of every route the app serves (``"MOUNT /path"`` for mounts)."""
    keys = set()
    for prefix, route in _walk(app.routes):
        if isinstance(route, Mount):
            keys.add(f"MOUNT {prefix}{route.path}")
            continue
        for method in sorted(getattr(route, "methods", None) or ()):
            if method != "HEAD":
                keys.add(f"{method} {prefix}{route.path}")
    assert len(keys) > 40, "the route walk found too few routes"
    return keys


def test_every_route_has_an_expectation(client: TestClient) -> None:
    served = route_keys(client.app)
    missing = sorted(served - set(ENTRIES))
    stale = sorted(set(ENTRIES) - served)
    assert not missing, f"routes without an authorisation entry (tests/*/matrix/): {missing}"
    assert not stale, f"authorisation entries of routes that do not exist: {stale}"


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
    from opencustoms.web.app import create_app

    with world_env(world), TestClient(create_app(get_settings())) as c:
        for office in (OWN, OTHER):
            rid = owned_rule_id(office)
            r = c.post("/api/rules", headers=auth(world, "admin"), json=matrix_rule(office, rid))
            assert r.status_code in (201, 422), r.text


def _ctx(world: World, user: str, side: str) -> Ctx:
    office = USERS[user][1] if side == "own" else (OTHER if USERS[user][1] != OTHER else OWN)
    # Offices without a declaration in the fixture fall back to the two we have.
    office = office if office in (OWN, OTHER) else (OWN if side == "own" else OTHER)
    trader_decl = (
        world.trader_ids[0]
        if side == "own"
        else next(d for d in world.other_ids if d not in world.trader_ids)
    )
    return Ctx(
        world=world,
        side=side,
        office=office,
        decl=world.own_ids[-1] if office == OWN else world.other_ids[-1],
        trader_decl=trader_decl,
        trader_decl_office=OWN if trader_decl in world.own_ids else OTHER,
    )


def test_authorisation_matrix(client: TestClient, world: World, seeded_rules: None) -> None:
    cells, failures = 0, []
    guarded = {k: e for k, e in ENTRIES.items() if e.rule is not None}
    for user in ROLES:
        h = auth(world, user)
        for side in ("own", "other"):
            ctx = _ctx(world, user, side)
            for name, entry in guarded.items():
                assert entry.rule is not None
                allowed = entry.rule(user, ctx)
                cells += 1
                resp = entry.call(client, h, ctx)
                where = f"{user} x {name} x {side} office {ctx.office}"
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
                    assert ctx.decl not in resp.text or name.startswith("POST"), where
                if USERS[user][0] == "trader":
                    _assert_no_risk_data(resp, where)
    assert not failures, f"{len(failures)} of {cells} cells wrong:\n" + "\n".join(failures)
    assert cells == len(ROLES) * 2 * len(guarded)


def test_unauthenticated_requests_get_nothing(client: TestClient, world: World) -> None:
    dummy = _ctx(world, "officer", "own")
    for name, entry in ENTRIES.items():
        client.cookies.clear()  # POST /login signs the client in
        resp = entry.call(client, {}, dummy)
        if entry.rule is None:
            assert resp.status_code not in (401, 403) and resp.status_code < 500, name
        elif entry.page:
            assert resp.status_code in (401, 303), (name, resp.status_code)
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
