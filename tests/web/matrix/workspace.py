"""Authorisation entries of users, offices, the audit trail, sessions and the app itself."""

from __future__ import annotations

from ..conftest import PASSWORD
from . import Entry, admin, anyone, auditor, counter, public

ENTRIES = {
    "GET /healthz": public(lambda c, h, x: c.get("/healthz")),
    "GET /openapi.json": public(lambda c, h, x: c.get("/openapi.json")),
    "GET /docs": public(lambda c, h, x: c.get("/docs")),
    "GET /docs/oauth2-redirect": public(lambda c, h, x: c.get("/docs/oauth2-redirect")),
    "GET /redoc": public(lambda c, h, x: c.get("/redoc")),
    "MOUNT /static": public(lambda c, h, x: c.get("/static/app.css")),
    "GET /login": public(lambda c, h, x: c.get("/login")),
    "POST /login": public(
        lambda c, h, x: c.post(
            "/login", data={"username": "officer", "password": PASSWORD}, follow_redirects=False
        )
    ),
    "GET /": public(lambda c, h, x: c.get("/", follow_redirects=False)),
    "POST /api/auth/token": public(
        lambda c, h, x: c.post("/api/auth/token", json={"username": "admin", "password": PASSWORD})
    ),
    "POST /logout": Entry(
        lambda c, h, x: c.post("/logout", headers=h, follow_redirects=False), anyone, page=True
    ),
    "GET /api/me": Entry(lambda c, h, x: c.get("/api/me", headers=h), anyone),
    "GET /api/offices": Entry(lambda c, h, x: c.get("/api/offices", headers=h), anyone),
    "GET /api/users": Entry(lambda c, h, x: c.get("/api/users", headers=h), admin),
    "POST /api/users": Entry(
        lambda c, h, x: c.post(
            "/api/users",
            headers=h,
            json={
                "username": f"m{next(counter)}",
                "password": "matrix-pass-1",
                "role": "officer",
                "office": x.office,
            },
        ),
        admin,
    ),
    "GET /api/audit": Entry(lambda c, h, x: c.get("/api/audit", headers=h), auditor),
    "GET /api/audit/verify": Entry(lambda c, h, x: c.get("/api/audit/verify", headers=h), admin),
    "GET /audit": Entry(
        lambda c, h, x: c.get("/audit", headers=h, params={"format": "json"}), admin, page=True
    ),
}
