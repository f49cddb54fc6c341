"""Authorisation entries of the public and trader portal (``/portal/...``).

Public pages and forms need no login (their calls fetch the form first, as a browser
does, for the session cookie and its CSRF token). Own-data pages are for portal accounts
and traders only: customs staff get 403, and a trader sees only their own rows (checked
in tests/portal/web). Officers' pages follow the office of the feedback or the role.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from opencustoms.portal import accounts as acc
from opencustoms.portal import feedback as fb
from opencustoms.portal.models import FeedbackRow
from opencustoms.portal.rulings import submit_ruling

from . import Ctx, Entry, counter, office_write, public, role_of, staff, trader_only, writer


def _token(c: TestClient, h: dict[str, str], path: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]*)"', c.get(path, headers=h).text)
    return found.group(1) if found else ""


def _post_form(path: str, form: str, data: dict[str, Any]) -> Any:
    def call(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
        return c.post(path, headers=h, data={**data, "csrf_token": _token(c, h, form)})

    return call


def _engine(c: TestClient) -> Any:
    return c.app.state.ws.engine  # type: ignore[attr-defined]


def _feedback_in(c: TestClient, office: str) -> str:
    """A feedback item of ``office`` (routed by topic, then moved: the office is the cell's)."""
    done = fb.submit(
        engine=_engine(c),
        kind="question",
        topic="other",
        text="Matrix question about a parcel",
        language="en",
        client_ip=f"matrix-{next(counter)}",
        contact_email="m@example.org",
    )
    with _engine(c).begin() as conn:
        conn.execute(
            sa.update(FeedbackRow)
            .where(FeedbackRow.reference == done.reference)
            .values(office=office)
        )
    return done.reference


def _ruling(c: TestClient) -> str:
    r = submit_ruling(
        engine=_engine(c),
        applicant="Matrix",
        contact_email="m@example.org",
        description="Matrix goods: plastic toy building bricks for children",
        client_ip=f"matrix-{next(counter)}",
    )
    return str(r["reference"])


def _identity(c: TestClient) -> int:
    n = next(counter)
    from opencustoms.db import session_scope
    from opencustoms.portal.models import AccountRow

    with session_scope(_engine(c)) as s:
        row = AccountRow(
            email=f"matrix{n}@example.org",
            password_hash="x",
            display_name="M",
            language="en",
            status="active",
            created_at=dt.datetime.now(dt.UTC),
        )
        s.add(row)
        s.flush()
        account_id = row.id
    return acc.request_identity(
        engine=_engine(c), account_id=account_id, kind="pccc", value=f"P{n:012d}"
    )


def stats_reader(u: str, x: Ctx) -> bool:
    return role_of(u) in ("supervisor", "analyst", "admin")


def _get(path: str, **params: Any) -> Any:
    return lambda c, h, x: c.get(path, headers=h, params={"format": "json", **params})


FEEDBACK = {
    "kind": "question",
    "topic": "other",
    "text": "Matrix: where is my parcel?",
    "contact_email": "m@example.org",
}
CSV = b"hs_code,value_usd\n330499,1000\n"

ENTRIES = {
    "GET /portal": public(_get("/portal")),
    "GET /portal/estimate": public(
        _get(
            "/portal/estimate",
            hs="420221",
            origin="US",
            value="180",
            currency="USD",
            date="2024-06-01",
        )
    ),
    "GET /portal/hs": public(_get("/portal/hs")),
    "POST /portal/rulings": public(
        _post_form(
            "/portal/rulings",
            "/portal/hs",
            {
                "applicant": "Matrix",
                "contact_email": "m@example.org",
                "description": "Matrix goods: plastic toy building bricks",
            },
        )
    ),
    "GET /portal/feedback": public(_get("/portal/feedback")),
    "POST /portal/feedback": public(_post_form("/portal/feedback", "/portal/feedback", FEEDBACK)),
    "GET /portal/feedback/status": public(_get("/portal/feedback/status")),
    "POST /portal/feedback/rate": public(
        _post_form(
            "/portal/feedback/rate",
            "/portal/feedback",
            {"reference": "FB-2026-000000-0", "satisfaction": 5},
        )
    ),
    "GET /portal/register": public(_get("/portal/register")),
    "POST /portal/register": public(
        _post_form(
            "/portal/register",
            "/portal/register",
            {"email": "not-an-address", "password": "x", "display_name": "M"},
        )
    ),
    "GET /portal/verify": public(_get("/portal/verify", token="unknown")),
    "GET /portal/login": public(_get("/portal/login")),
    # Without a password: refused as a form error (422), never 401/403 (a wrong password
    # is 401 by design and is covered in tests/portal/web).
    "POST /portal/login": public(
        _post_form("/portal/login", "/portal/login", {"email": "nobody@example.org"})
    ),
    "POST /portal/logout": public(_post_form("/portal/logout", "/portal/login", {})),
    "GET /portal/my": Entry(_get("/portal/my"), trader_only, page=True),
    "POST /portal/my/identity": Entry(
        _post_form(
            "/portal/my/identity", "/portal/feedback", {"kind": "pccc", "value": "P100000000001"}
        ),
        trader_only,
        page=True,
    ),
    "POST /portal/my/misuse": Entry(
        _post_form("/portal/my/misuse", "/portal/feedback", {"parcel_id": ""}),
        trader_only,
        page=True,
    ),
    "GET /portal/exports": Entry(_get("/portal/exports"), trader_only, page=True),
    "POST /portal/exports": Entry(
        lambda c, h, x: c.post(
            "/portal/exports",
            headers=h,
            data={
                "date_from": "2025-01-01",
                "date_to": "2025-09-01",
                "source": "upload",
                "csrf_token": _token(c, h, "/portal/feedback"),
            },
            files={"file": ("l.csv", CSV, "text/csv")},
        ),
        trader_only,
        page=True,
    ),
    "GET /portal/office/feedback": Entry(_get("/portal/office/feedback"), staff, page=True),
    "GET /portal/office/feedback/{reference}": Entry(
        lambda c, h, x: c.get(
            f"/portal/office/feedback/{_feedback_in(c, x.office)}",
            headers=h,
            params={"format": "json"},
        ),
        lambda u, x: (
            role_of(u) in ("analyst", "admin")
            or (role_of(u) in ("officer", "supervisor") and x.side == "own")
        ),
        page=True,
    ),
    "POST /portal/office/feedback/{reference}/reply": Entry(
        lambda c, h, x: c.post(
            f"/portal/office/feedback/{_feedback_in(c, x.office)}/reply",
            headers=h,
            data={"text": "Matrix answer"},
            follow_redirects=False,
        ),
        office_write,
        page=True,
    ),
    "GET /portal/office/stats": Entry(_get("/portal/office/stats"), stats_reader, page=True),
    "GET /portal/office/rulings": Entry(_get("/portal/office/rulings"), staff, page=True),
    "POST /portal/office/rulings/{reference}": Entry(
        lambda c, h, x: c.post(
            f"/portal/office/rulings/{_ruling(c)}",
            headers=h,
            data={"ruling_hs": "950300", "text": "GRI 1"},
            follow_redirects=False,
        ),
        writer,
        page=True,
    ),
    "GET /portal/office/identities": Entry(_get("/portal/office/identities"), writer, page=True),
    "POST /portal/office/identities/{identity_id}": Entry(
        lambda c, h, x: c.post(
            f"/portal/office/identities/{_identity(c)}",
            headers=h,
            data={"decision": "reject"},
            follow_redirects=False,
        ),
        writer,
        page=True,
    ),
}
