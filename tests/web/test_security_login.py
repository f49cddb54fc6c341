"""Issue 18, finding 6: login throttling per account and per client address.

Before the fix a client could try passwords without limit on both the UI form and the
token endpoint, and every failure wrote one audit entry."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from opencustoms.db import get_engine
from opencustoms.settings import Settings
from opencustoms.workspace.models import AuditRow

from .conftest import PASSWORD


def _audit_count(settings: Settings, action: str) -> int:
    engine = get_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        q = select(func.count()).select_from(AuditRow).where(AuditRow.action == action)
        return int(conn.execute(q).scalar_one())


def test_token_endpoint_is_throttled_per_account(client: TestClient, settings: Settings) -> None:
    failed = _audit_count(settings, "login_failed")
    codes = []
    for _ in range(40):
        r = client.post("/api/auth/token", json={"username": "analyst", "password": "guess"})
        codes.append(r.status_code)
    assert 429 in codes, codes
    r = client.post("/api/auth/token", json={"username": "analyst", "password": "guess"})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
    # The right password is refused too while throttled (no oracle for the guesser).
    r = client.post("/api/auth/token", json={"username": "analyst", "password": PASSWORD})
    assert r.status_code == 429
    # The audit trail got the failures within the limits and few throttling entries.
    assert _audit_count(settings, "login_failed") - failed == codes.index(429)
    assert _audit_count(settings, "login_throttled") <= 2


def test_ui_form_is_throttled_per_address(client: TestClient) -> None:
    codes = []
    for i in range(40):  # a different account each time: the address limit applies
        r = client.post(
            "/login", data={"username": f"nobody{i}", "password": "x"}, follow_redirects=False
        )
        codes.append(r.status_code)
    assert codes[0] == 401 and codes[-1] == 429, codes
    assert "Retry-After" in r.headers and "Too many" in r.text
