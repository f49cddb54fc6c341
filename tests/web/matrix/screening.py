"""Authorisation entries of the sanctions review queue, the match page and decisions.

Each call screens a fresh synthetic party into the world's database through the screening
domain, so every cell acts on a real match: any staff member may read the queue and a
match (matches belong to no office), officers, supervisors and admins may decide."""

from __future__ import annotations

import itertools
from functools import cache
from typing import Any

from sqlalchemy import Engine, select

from opencustoms.db import make_engine, session_scope
from opencustoms.screening import models
from opencustoms.screening.lists import Entity, ListVersion, Loaded, Party
from opencustoms.screening.review import import_list, screen_into_queue

from . import Ctx, Entry, staff, writer

_serial = itertools.count()
ENTITY = Entity(
    "MX-E1", "Person", "PAK Song Chol", ("박성철",), ("KP",), ("1962-05-04",), "UN-DPRK"
)


@cache
def _engine(url: str) -> Engine:
    engine = make_engine(url)
    import_list(
        engine=engine,
        loaded=Loaded(ListVersion("matrix.csv", "m" * 64, "matrix", "2026-11-26"), [ENTITY]),
    )
    return engine


def fresh_match(x: Ctx) -> int:
    engine, n = _engine(x.world.env["OPENCUSTOMS_DATABASE_URL"]), next(_serial)
    party = Party(f"MX-P{n}", "Pak Song-chol", "KP", f"19{10 + n % 80:02d}-01-01", "end_user")
    screen_into_queue(engine=engine, parties=[party], threshold=0.0)
    with session_scope(engine) as s:
        return int(
            s.execute(
                select(models.matches.c.id).where(models.matches.c.party_id == party.party_id)
            ).scalar_one()
        )


J = {"format": "json"}


def _get(path: Any) -> Any:
    return lambda c, h, x: c.get(path(x), headers=h, params=J)


ENTRIES = {
    "GET /screening": Entry(_get(lambda x: "/screening"), staff, page=True),
    "GET /screening/matches/{match_id}": Entry(
        _get(lambda x: f"/screening/matches/{fresh_match(x)}"), staff, page=True
    ),
    "POST /screening/matches/{match_id}/decision": Entry(
        lambda c, h, x: c.post(
            f"/screening/matches/{fresh_match(x)}/decision",
            headers=h,
            params=J,
            json={"decision": "false_positive", "note": "matrix"},
        ),
        writer,
    ),
}
