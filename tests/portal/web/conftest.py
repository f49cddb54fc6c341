"""Fixtures of the portal's web tests: an app on a seeded database with workspace users of
each role, a memory mail sink, and helpers to get a verified portal account."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from opencustoms.portal import accounts as acc
from opencustoms.portal.mail import MemoryMailer
from opencustoms.portal.ratelimit import default_limiter
from opencustoms.settings import Settings
from opencustoms.workspace.models import Role, UserCreate
from opencustoms.workspace.users import create_user

from ..conftest import PCCC_A, seed

PASSWORD = "portal-test-password"
USERS = {
    "officer": (Role.OFFICER, "40", None),
    "officer20": (Role.OFFICER, "20", None),
    "supervisor": (Role.SUPERVISOR, "40", None),
    "analyst": (Role.ANALYST, "10", None),
    "admin": (Role.ADMIN, "10", None),
    "acme": (Role.TRADER, "30", "ACME"),
}


@dataclass
class Site:
    client: TestClient
    engine: Engine
    mailer: MemoryMailer
    settings: Settings


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    from opencustoms.web.app import create_app

    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'web.sqlite'}",
        var_dir=tmp_path,
        secret_key="portal-test-secret",
        portal_base_url="http://testserver",
    )
    app = create_app(settings)
    ws = app.state.ws
    mailer = MemoryMailer()
    ws.extras["mailer"] = mailer
    seed(ws.engine)
    for name, (role, office, trader) in USERS.items():
        create_user(
            engine=ws.engine,
            data=UserCreate(
                username=name, password=PASSWORD, role=role, office=office, trader_id=trader
            ),
        )
    # Each test starts with full rate-limit buckets (the limiter is per process).
    default_limiter()._tat.clear()
    with TestClient(app) as client:
        yield Site(client, ws.engine, mailer, settings)


def csrf(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "form without CSRF token"
    return found.group(1)


def portal_account(
    site: Site, email: str = "minji@example.org", *, pccc: str | None = PCCC_A, lang: str = "ko"
) -> TestClient:
    """Register through the pages, follow the e-mailed link, log in; the PCCC link is
    approved by an officer (domain call). Returns the logged-in client."""
    c = site.client
    page = c.get(f"/portal/register?lang={lang}")
    r = c.post(
        "/portal/register",
        data={
            "email": email,
            "password": "correct horse battery",
            "display_name": "Kim Minji",
            "csrf_token": csrf(page.text),
        },
    )
    assert r.status_code == 200, r.text
    link = site.mailer.last_link(email)
    assert link and link.startswith("http://testserver/portal/verify?token=")
    assert c.get(link.replace("http://testserver", "")).status_code == 200
    page = c.get("/portal/login")
    r = c.post(
        "/portal/login",
        data={"email": email, "password": "correct horse battery", "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    if pccc:
        account = acc.authenticate(
            engine=site.engine, email=email, password="correct horse battery", client_ip="setup"
        )
        ident = acc.request_identity(
            engine=site.engine, account_id=account.id, kind="pccc", value=pccc
        )
        acc.decide_identity(
            engine=site.engine, identity_id=ident, approve=True, officer="officer", role="officer"
        )
    return c


def workspace_login(site: Site, username: str) -> TestClient:
    c = site.client
    r = c.post(
        "/login",
        data={"username": username, "password": PASSWORD, "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return c
