"""Issue 18, finding 7 (revocation) and the password part of 12, attacked through the web
app. Before the fix: a cookie replayed after logout still worked, a disabled or demoted
user's token worked for up to 30 s in a process that had cached it (so a demoted
supervisor kept their rights), there was no way to disable or demote anyone, and an
8-character or all-space password was accepted."""

from __future__ import annotations

import itertools
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opencustoms.db import get_engine
from opencustoms.settings import Settings
from opencustoms.web.auth import SESSION_COOKIE
from opencustoms.workspace import audit

from .conftest import World, auth

PASSWORD = "revocation-test-pass"
_names = itertools.count()


def _new_user(client: TestClient, world: World, role: str, office: str = "40") -> str:
    name = f"rev{next(_names)}{role[:3]}"
    r = client.post(
        "/api/users",
        headers=auth(world, "admin"),
        json={"username": name, "password": PASSWORD, "role": role, "office": office},
    )
    assert r.status_code == 201, r.text
    return name


def _token(client: TestClient, name: str, password: str = PASSWORD) -> dict[str, str]:
    r = client.post("/api/auth/token", json={"username": name, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _sign_in(client: TestClient, name: str) -> tuple[str, str]:
    """(cookie value, csrf token) of a fresh UI session."""
    r = client.post("/login", data={"username": name, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303, r.text
    cookie = client.cookies[SESSION_COOKIE]
    page = client.get("/queue")
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    return cookie, csrf


def _second_app(settings: Settings) -> TestClient:
    """Another server process's view of the same database (its own Workspace, so its own
    caches if there were any)."""
    from opencustoms.web.app import create_app

    return TestClient(create_app(settings))


def _entries(engine: Engine, action: str, username: str) -> list[Any]:
    _, entries = audit.list_entries(engine=engine, limit=500, object_id=username)
    return [e for e in entries if e.action == action]


def test_a_cookie_replayed_after_logout_is_refused(client: TestClient, world: World) -> None:
    name = _new_user(client, world, "officer")
    cookie, csrf = _sign_in(client, name)
    assert client.get("/api/me").json()["username"] == name
    r = client.post("/logout", headers={"X-CSRF-Token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    # The attacker kept a copy of the cookie (shared computer, proxy log, XSS elsewhere).
    client.cookies.set(SESSION_COOKIE, cookie)
    assert client.get("/api/me").status_code == 401
    assert client.get("/queue", follow_redirects=False).status_code in (303, 401)
    # Writes with the kept cookie and its CSRF token are refused too.
    r = client.post("/logout", headers={"X-CSRF-Token": csrf}, follow_redirects=False)
    assert r.status_code in (303, 401) and client.get("/api/me").status_code == 401


def test_a_disabled_users_token_and_session_stop_at_once_in_every_process(
    client: TestClient, world: World, settings: Settings
) -> None:
    name = _new_user(client, world, "officer")
    token = _token(client, name)
    cookie, _ = _sign_in(client, name)
    with _second_app(settings) as other:
        # The other process has just served the token (it would be cached there).
        assert other.get("/api/me", headers=token).status_code == 200
        r = client.post(f"/api/users/{name}/disable", headers=auth(world, "admin"))
        assert r.status_code == 200, r.text
        assert r.json()["tokens_ended"] == 1 and r.json()["sessions_ended"] == 1
        assert other.get("/api/me", headers=token).status_code == 401
        assert client.get("/api/me", headers=token).status_code == 401
        other.cookies.set(SESSION_COOKIE, cookie)
        assert other.get("/api/me").status_code == 401
    # Nor can they sign in again, and the answer is the one for a wrong password.
    r = client.post("/api/auth/token", json={"username": name, "password": PASSWORD})
    assert r.status_code == 401 and r.json()["detail"] == "wrong username or password"
    r = client.post(f"/api/users/{name}/enable", headers=auth(world, "admin"))
    assert r.status_code == 200 and r.json()["user"]["disabled_at"] is None
    assert client.get("/api/me", headers=token).status_code == 401  # old token stays dead
    assert client.get("/api/me", headers=_token(client, name)).status_code == 200


def test_a_demoted_supervisor_loses_the_rights_on_the_next_request(
    client: TestClient, world: World, settings: Settings
) -> None:
    name = _new_user(client, world, "supervisor")
    token = _token(client, name)
    url = "/api/offices/40/capacity"
    with _second_app(settings) as other:
        now = other.get(url, headers=token).json()
        body = {k: now[k] for k in ("red", "yellow", "blue")}
        assert other.put(url, headers=token, json=body).status_code == 200
        r = client.put(
            f"/api/users/{name}/role", headers=auth(world, "admin"), json={"role": "officer"}
        )
        assert r.status_code == 200 and r.json()["user"]["role"] == "officer"
        # The very next request in the other process: the old token is gone.
        assert other.put(url, headers=token, json=body).status_code == 401
        # Signed in again, they are an officer: the supervisor's write is refused.
        fresh = _token(other, name)
        assert other.put(url, headers=fresh, json=body).status_code == 403


def test_admin_changes_are_audited_with_who_and_when(
    client: TestClient, world: World, settings: Settings
) -> None:
    name = _new_user(client, world, "supervisor")
    admin = auth(world, "admin")
    assert client.post(f"/api/users/{name}/disable", headers=admin).status_code == 200
    assert client.post(f"/api/users/{name}/enable", headers=admin).status_code == 200
    r = client.put(f"/api/users/{name}/role", headers=admin, json={"role": "analyst"})
    assert r.status_code == 200
    r = client.put(
        f"/api/users/{name}/password", headers=admin, json={"password": "a fresh passphrase"}
    )
    assert r.status_code == 200
    engine = get_engine(settings.resolved_database_url)
    for action in ("user_disable", "user_enable", "user_role", "user_password_reset"):
        (entry,) = _entries(engine, action, name)
        assert entry.actor == "admin" and entry.role == "admin" and entry.ts
    (role,) = _entries(engine, "user_role", name)
    assert role.detail["before"]["role"] == "supervisor"
    assert role.detail["after"]["role"] == "analyst"
    assert "password" not in str(_entries(engine, "user_password_reset", name)[0].detail)


def test_only_admins_administer_users(client: TestClient, world: World) -> None:
    name = _new_user(client, world, "officer")
    for who in ("supervisor", "analyst", "officer", "trader"):
        r = client.post(f"/api/users/{name}/disable", headers=auth(world, who))
        assert r.status_code == 403, who
        r = client.put(f"/api/users/{name}/role", headers=auth(world, who), json={"role": "admin"})
        assert r.status_code == 403, who
    assert (
        client.post("/api/users/nobody-here/disable", headers=auth(world, "admin")).status_code
        == 404
    )


def _field_error(r: Any) -> dict[str, str]:
    assert r.status_code == 422, r.text
    return {".".join(map(str, d["loc"])): d["msg"] for d in r.json()["detail"]}


def test_weak_passwords_are_refused_on_every_web_path(client: TestClient, world: World) -> None:
    admin = auth(world, "admin")
    name = _new_user(client, world, "officer")
    for weak, reason in (
        ("eightchr", "at least 12 characters"),
        ("password1234", "too common"),
        (" " * 16, "only spaces"),
    ):
        r = client.post(
            "/api/users",
            headers=admin,
            json={"username": "weakling", "password": weak, "role": "officer", "office": "40"},
        )
        assert reason in _field_error(r)["body.password"]
        r = client.put(f"/api/users/{name}/password", headers=admin, json={"password": weak})
        assert reason in _field_error(r)["body.password"]
    # The admin page's form says which field and why, and changes nothing.
    client.post(
        "/login", data={"username": "admin", "password": "test-password-1"}, follow_redirects=False
    )
    page = client.get("/users")
    assert page.status_code == 200 and name in page.text
    csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = client.post(
        f"/users/{name}",
        data={"action": "password", "password": " " * 14, "confirm": " " * 14, "csrf_token": csrf},
    )
    assert r.status_code == 422 and "password: must not be empty or only spaces" in r.text
    r = client.post(
        f"/users/{name}",
        data={"action": "password", "password": "x1" * 8, "confirm": "x1" * 8, "csrf_token": csrf},
    )
    assert r.status_code == 422 and "password: at least 5 different characters" in r.text
    r = client.post(
        f"/users/{name}",
        data={"action": "disable", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "disabled" in client.get("/users").text
    assert _token_refused(client, name)


def _token_refused(client: TestClient, name: str) -> bool:
    r = client.post("/api/auth/token", json={"username": name, "password": PASSWORD})
    return r.status_code == 401
