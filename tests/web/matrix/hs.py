"""Authorisation entries of HS classification. The calls send text the classifier refuses
(422 for whoever may call) so the matrix does not load the HS index."""

from __future__ import annotations

from . import Entry, anyone, writer

ENTRIES = {
    "POST /api/hs/suggest": Entry(
        lambda c, h, x: c.post("/api/hs/suggest", headers=h, json={"text": "--", "top": 5}),
        anyone,
    ),
    "POST /api/hs/feedback": Entry(
        lambda c, h, x: c.post(
            "/api/hs/feedback", headers=h, json={"text": "", "hs_code": "847130", "confirmed": True}
        ),
        writer,
    ),
    "POST /tools/hs": Entry(
        lambda c, h, x: c.post("/tools/hs", headers=h, data={"text": "--"}), anyone, page=True
    ),
    "POST /tools/hs/feedback": Entry(
        lambda c, h, x: c.post(
            "/tools/hs/feedback", headers=h, data={"text": "x", "hs_code": "12", "confirmed": "1"}
        ),
        writer,
        page=True,
    ),
}
