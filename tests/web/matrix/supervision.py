"""Authorisation entries of the supervisor console (supervisors of the office, admins)
and of an officer's "assigned to me" (the queue's filter; /assigned redirects to it).
Each review cell first makes a lane override of the request's office (keeping the lane
it has), so there is always one to review."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opencustoms.db import make_engine
from opencustoms.risk.assessments import latest_assessment
from opencustoms.risk.feedback import override_lane

from . import Ctx, Entry, staff_read, supervise


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


def fresh_override(x: Ctx) -> int:
    engine = _engine(x.world.env["OPENCUSTOMS_DATABASE_URL"])
    now = latest_assessment(engine=engine, declaration_id=x.decl, item_no=1)
    lane = now["lane"] if now else "yellow"
    return override_lane(
        engine=engine, declaration_id=x.decl, lane=lane, reason="matrix review", user="matrix"
    ).id


def _post(path: str, body: Any) -> Any:
    def call(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
        return c.post(path.format(x=x), headers=h, json=body(x) if callable(body) else body)

    return call


def _review(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
    return c.post(
        f"/supervision/{x.office}/overrides/{fresh_override(x)}",
        headers=h,
        json={"decision": "accepted"},
    )


ENTRIES = {
    "GET /supervision": Entry(
        lambda c, h, x: c.get(
            "/supervision", headers=h, params={"office": x.office, "format": "json"}
        ),
        supervise,
        page=True,
    ),
    "POST /supervision/{office}/assignments": Entry(
        _post("/supervision/{x.office}/assignments", lambda x: {"items": [f"{x.decl}/1"]}),
        supervise,
    ),
    "POST /supervision/{office}/capacity": Entry(
        _post("/supervision/{x.office}/capacity", {"red": 2, "yellow": 2, "blue": 1}), supervise
    ),
    "POST /supervision/{office}/overrides/{override_id}": Entry(_review, supervise),
    # A redirect to the queue's "assigned to me" filter (followed): the office is checked
    # there, so another office's items assigned to you stay out of reach.
    "GET /assigned": Entry(
        lambda c, h, x: c.get(
            "/assigned", headers=h, params={"office": x.office, "format": "json"}
        ),
        staff_read,
        page=True,
    ),
}
