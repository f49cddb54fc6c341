"""Authorisation entries of the tariff calculator and the tools page."""

from __future__ import annotations

from . import Entry, anyone

LINE = {"hs_code": "847130", "origin": "CN", "value": 1000000, "currency": "KRW"}

ENTRIES = {
    "POST /api/tariff/calc": Entry(
        lambda c, h, x: c.post("/api/tariff/calc", headers=h, json={**LINE, "date": "2021-03-03"}),
        anyone,
    ),
    "GET /tools": Entry(
        lambda c, h, x: c.get("/tools", headers=h, params={"format": "json"}), anyone, page=True
    ),
    "POST /tools/tariff": Entry(
        lambda c, h, x: c.post("/tools/tariff", headers=h, data={**LINE, "date": "2021-03-03"}),
        anyone,
        page=True,
    ),
}
