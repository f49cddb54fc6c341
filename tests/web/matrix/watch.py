"""Authorisation entries of the watchlist: staff read; supervisors change their office's
entries, admins any. Each removal cell first creates an entry of the request's office."""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opencustoms.cases.access import Actor
from opencustoms.cases.watch import WatchIn, add_watch
from opencustoms.db import make_engine

from . import Ctx, Entry, staff, supervise

ROOT = Actor(username="matrix", role="admin", office="10")
_serial = itertools.count()


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


def fresh_watch(x: Ctx) -> int:
    entry = WatchIn(
        kind="seller_id", party_id=f"MXW{next(_serial)}", reason="matrix entry", office=x.office
    )
    return add_watch(
        engine=_engine(x.world.env["OPENCUSTOMS_DATABASE_URL"]), actor=ROOT, entry=entry
    ).id


def _add(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
    body = {
        "kind": "seller_id",
        "party_id": f"MXA{next(_serial)}",
        "reason": "matrix check",
        "office": x.office,
    }
    return c.post("/watchlist", headers=h, json=body)


ENTRIES = {
    "GET /watchlist": Entry(
        lambda c, h, x: c.get("/watchlist", headers=h, params={"format": "json"}), staff, page=True
    ),
    "POST /watchlist": Entry(_add, supervise),
    "POST /watchlist/{watch_id}/remove": Entry(
        lambda c, h, x: c.post(f"/watchlist/{fresh_watch(x)}/remove", headers=h), supervise
    ),
}
