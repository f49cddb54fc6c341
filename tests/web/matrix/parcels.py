"""Authorisation entries of the parcels routes (upload, queue, detail, inspection, PCCC
history). Parcels are seeded once per world: a small generated manifest with half its
parcels at each test office."""

from __future__ import annotations

import io
from typing import Any

from . import Ctx, Entry, office_write, role_of, staff_read, writer

_SEEDED: dict[str, dict[str, str]] = {}


def _manifest() -> bytes:
    from opencustoms.parcels.generator import generate

    from ..conftest import OTHER, OWN

    m, _ = generate(days=1, parcels_per_day=200, seed=41)
    m = m.astype(object)
    m["office_code"] = [OWN if i % 2 == 0 else OTHER for i in range(len(m))]
    buf = io.StringIO()
    m.to_csv(buf, index=False)
    return buf.getvalue().encode()


def _seed(x: Ctx) -> dict[str, str]:
    """parcel id per office, seeded into the world's database on first use."""
    key = str(x.world.root)
    if key not in _SEEDED:
        import datetime as dt

        from opencustoms.db import get_engine
        from opencustoms.parcels import service
        from opencustoms.parcels.intake import ingest_manifest

        path = x.world.root / "parcels-matrix.csv"
        path.write_bytes(_manifest())
        engine = get_engine()
        ingest_manifest(path=path, engine=engine)
        day = dt.date(2026, 10, 1)
        result = service.screen_stored(engine=engine, date_from=day, date_to=day)
        d = result.decisions
        _SEEDED[key] = {
            o: str(d.loc[d["office_code"] == o, "parcel_id"].iloc[0]) for o in set(d["office_code"])
        }
    return _SEEDED[key]


def _pid(x: Ctx) -> str:
    return _seed(x)[x.office]


def _upload(c: Any, h: dict[str, str], path: str) -> Any:
    return c.post(path, headers=h, files={"file": ("m.csv", _manifest(), "text/csv")})


def _pccc(x: Ctx) -> str:
    # the trader's own code is their trader id; the other side asks for someone else's
    return x.world.trader_id if x.side == "own" else "P000000000001"


def pccc_reader(u: str, x: Ctx) -> bool:
    return role_of(u) != "trader" or x.side == "own"


INSPECTION = {"outcome": "cleared", "typologies": []}

ENTRIES = {
    "POST /api/parcels/manifests": Entry(
        lambda c, h, x: _upload(c, h, "/api/parcels/manifests"), writer
    ),
    "GET /api/parcels/queue": Entry(
        lambda c, h, x: c.get("/api/parcels/queue", headers=h, params={"office": x.office}),
        staff_read,
    ),
    "GET /api/parcels/{parcel_id}": Entry(
        lambda c, h, x: c.get(f"/api/parcels/{_pid(x)}", headers=h), staff_read
    ),
    "POST /api/parcels/{parcel_id}/inspection": Entry(
        lambda c, h, x: c.post(f"/api/parcels/{_pid(x)}/inspection", headers=h, json=INSPECTION),
        office_write,
    ),
    "GET /api/parcels/pccc/{pccc}/history": Entry(
        lambda c, h, x: c.get(f"/api/parcels/pccc/{_pccc(x)}/history", headers=h), pccc_reader
    ),
    "GET /parcels": Entry(
        lambda c, h, x: c.get("/parcels", headers=h, params={"office": x.office, "format": "json"}),
        staff_read,
        page=True,
    ),
    "POST /parcels/upload": Entry(
        lambda c, h, x: _upload(c, h, "/parcels/upload"), writer, page=True
    ),
    "GET /parcels/{parcel_id}": Entry(
        lambda c, h, x: c.get(f"/parcels/{_pid(x)}", headers=h, params={"format": "json"}),
        staff_read,
        page=True,
    ),
    "POST /parcels/{parcel_id}/inspection": Entry(
        lambda c, h, x: c.post(
            f"/parcels/{_pid(x)}/inspection", headers=h, data={"outcome": "cleared"}
        ),
        office_write,
        page=True,
    ),
    "GET /parcels/pccc/{pccc}": Entry(
        lambda c, h, x: c.get(f"/parcels/pccc/{_pccc(x)}", headers=h, params={"format": "json"}),
        pccc_reader,
        page=True,
    ),
}
