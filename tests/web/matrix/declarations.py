"""Authorisation entries of ingestion and traders' status."""

from __future__ import annotations

import io
from typing import Any

from fastapi.testclient import TestClient

from . import Ctx, Entry, counter, decl, office_write, trader_only, trader_status


def _upload(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
    n = next(counter)
    csv = (
        f"declaration_id,declaration_date,office_id,hs_code\nUPM{n},2021-03-03,{x.office},847130\n"
    ).encode()
    return c.post(
        "/api/declarations/upload",
        headers=h,
        data={"profile": "canonical"},
        files={"file": ("m.csv", io.BytesIO(csv), "text/csv")},
    )


ENTRIES = {
    "POST /api/declarations": Entry(
        lambda c, h, x: c.post(
            "/api/declarations", headers=h, json={"records": [decl(f"M{next(counter)}", x.office)]}
        ),
        office_write,
    ),
    "POST /api/declarations/upload": Entry(_upload, office_write),
    "GET /api/declarations/{declaration_id}/status": Entry(
        lambda c, h, x: c.get(f"/api/declarations/{x.trader_decl}/status", headers=h),
        trader_status,
    ),
    "GET /api/my/declarations": Entry(
        lambda c, h, x: c.get("/api/my/declarations", headers=h), trader_only
    ),
    "GET /my": Entry(
        lambda c, h, x: c.get("/my", headers=h, params={"format": "json"}), trader_only, page=True
    ),
}
