"""Authorisation entries of users, offices, the audit trail, sessions and the app itself."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from ..conftest import PASSWORD
from . import Ctx, Entry, admin, anyone, auditor, counter, public


def _target(c: TestClient, x: Ctx) -> str:
    """A fresh user to disable, demote or reset, so no cell touches the fixture users."""
    name = f"target{next(counter)}"
    r = c.post(
        "/api/users",
        headers={"Authorization": f"Bearer {x.world.tokens['admin']}"},
        json={
            "username": name,
            "password": "matrix-target-pass",
            "role": "officer",
            "office": "40",
        },
    )
    assert r.status_code == 201, r.text
    return name


def _change(method: str, action: str, body: dict[str, Any] | None = None) -> Any:
    def call(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
        return c.request(method, f"/api/users/{_target(c, x)}/{action}", headers=h, json=body)

    return call


def _form(data: dict[str, str]) -> Any:
    def call(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
        return c.post(f"/users/{_target(c, x)}", headers=h, data=data, follow_redirects=False)

    return call


ENTRIES = {
    "GET /healthz": public(lambda c, h, x: c.get("/healthz")),
    "GET /openapi.json": public(lambda c, h, x: c.get("/openapi.json")),
    "GET /docs": public(lambda c, h, x: c.get("/docs")),
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
    "POST /api/users/{username}/disable": Entry(_change("POST", "disable"), admin),
    "POST /api/users/{username}/enable": Entry(_change("POST", "enable"), admin),
    "PUT /api/users/{username}/role": Entry(_change("PUT", "role", {"role": "analyst"}), admin),
    "PUT /api/users/{username}/password": Entry(
        _change("PUT", "password", {"password": "another long passphrase"}), admin
    ),
    "GET /users": Entry(
        lambda c, h, x: c.get("/users", headers=h, params={"format": "json"}), admin, page=True
    ),
    "POST /users/{username}": Entry(_form({"action": "disable"}), admin, page=True),
    "GET /api/audit": Entry(lambda c, h, x: c.get("/api/audit", headers=h), auditor),
    "GET /api/audit/verify": Entry(lambda c, h, x: c.get("/api/audit/verify", headers=h), admin),
    "GET /audit": Entry(
        lambda c, h, x: c.get("/audit", headers=h, params={"format": "json"}), admin, page=True
    ),
}
