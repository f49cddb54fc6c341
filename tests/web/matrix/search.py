"""Authorisation entries of declaration search and the importer profile.

The profile cell asks about an importer that files at the request's office only, so an
officer of another office must get 404 (the profile must not confirm it exists)."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select

from opencustoms.db import make_engine
from opencustoms.declarations.models import declarations as d

from . import Ctx, Entry, staff, staff_read


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


@cache
def _only_at(url: str, office: str) -> str:
    """An importer whose every declaration is at ``office``."""
    q = (
        select(d.c.importer_id)
        .where(d.c.importer_id.is_not(None))
        .group_by(d.c.importer_id)
        .having(func.min(d.c.office_id) == office, func.max(d.c.office_id) == office)
        .order_by(d.c.importer_id)
        .limit(1)
    )
    with _engine(url).connect() as conn:
        return str(conn.execute(q).scalar_one())


def importer_of(x: Ctx) -> str:
    return _only_at(x.world.env["OPENCUSTOMS_DATABASE_URL"], x.office)


def _search(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
    return c.get("/search", headers=h, params={"number": x.decl, "format": "json"})


ENTRIES = {
    "GET /search": Entry(_search, staff, page=True),
    "GET /importers/{importer_id}": Entry(
        lambda c, h, x: c.get(f"/importers/{importer_of(x)}", headers=h, params={"format": "json"}),
        staff_read,
        page=True,
    ),
}
