"""The authorisation matrix registry: one expectation per route of the web app.

Every route (``"METHOD /path/{param}"`` exactly as in ``app.routes``) has an ``Entry`` in
the ``ENTRIES`` dict of one module of this package (one module per domain; a new module
is picked up automatically). An entry says how to call the route and who may: ``rule(user,
ctx)`` is True when the user may (``PUBLIC`` entries need no login at all).
``test_authorisation.py`` fails for a route without an entry and for an entry without a
route.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi.testclient import TestClient

from ..conftest import USERS, World

STAFF = {"officer", "supervisor", "analyst", "admin"}
counter = itertools.count()


@dataclass
class Ctx:
    world: World
    side: str  # "own" or "other": the user's office, or another one
    office: str  # the office the request is about
    decl: str  # a declaration of that office
    trader_decl: str  # a declaration of the trader (own side) or not (other side)
    trader_decl_office: str  # the office of trader_decl


Call = Callable[[TestClient, dict[str, str], Ctx], Any]
Rule = Callable[[str, Ctx], bool]


@dataclass(frozen=True)
class Entry:
    call: Call
    rule: Rule | None  # None: public, no login needed
    page: bool = False  # an HTML page: without login it redirects to /login (303)


def public(call: Call) -> Entry:
    return Entry(call=call, rule=None)


def role_of(user: str) -> str:
    return USERS[user][0]


def own(user: str, office: str) -> bool:
    return USERS[user][1] == office


# Who may do what: (user name, request context) -> allowed?
def anyone(u: str, x: Ctx) -> bool:
    return True


def staff(u: str, x: Ctx) -> bool:
    return role_of(u) in STAFF


def reads_office(u: str, office: str) -> bool:
    return role_of(u) in ("analyst", "admin") or (role_of(u) in STAFF and own(u, office))


def staff_read(u: str, x: Ctx) -> bool:
    return reads_office(u, x.office)


def office_write(u: str, x: Ctx) -> bool:
    return role_of(u) == "admin" or (role_of(u) in ("officer", "supervisor") and own(u, x.office))


def supervise(u: str, x: Ctx) -> bool:
    return role_of(u) == "admin" or (role_of(u) == "supervisor" and own(u, x.office))


def editor(u: str, x: Ctx) -> bool:
    return role_of(u) in ("supervisor", "admin")


def writer(u: str, x: Ctx) -> bool:
    return role_of(u) in ("officer", "supervisor", "admin")


def admin(u: str, x: Ctx) -> bool:
    return role_of(u) == "admin"


def auditor(u: str, x: Ctx) -> bool:
    return role_of(u) in ("admin", "analyst")


def trader_only(u: str, x: Ctx) -> bool:
    return role_of(u) == "trader"


def trader_status(u: str, x: Ctx) -> bool:
    """Traders: only their own declarations; staff: by the declaration's office."""
    if role_of(u) == "trader":
        return x.side == "own"
    return reads_office(u, x.trader_decl_office)


def decl(decl_id: str, office: str) -> dict[str, Any]:
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


def rule(office: str, rule_id: str | None = None) -> dict[str, Any]:
    return {
        "id": rule_id or f"MATRIX-{next(counter)}",
        "office": office,
        "valid_from": "2021-01-01",
        "when": [{"field": "hs6", "op": "eq", "value": "999999"}],
        "action": {"score_boost": 0.01},
        "reason": "Matrix test rule, never fires",
        "instructions": "None, this is a test",
        "reference": "authorisation test",
    }


def entries() -> dict[str, Entry]:
    """Every domain module's ENTRIES, merged (a route listed twice is an error)."""
    out: dict[str, Entry] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for key, entry in module.ENTRIES.items():
            assert key not in out, f"{key} has two authorisation entries"
            out[key] = entry
    return out
