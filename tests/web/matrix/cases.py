"""Authorisation entries of alerts, cases, the network view and the precision dashboard.

Each call builds what it needs in the world's database through the cases domain (an alert
or a case of the office the request is about), so every cell acts on a real object of the
right office: allowed users must get through (a 409 for a case already decided by an
earlier cell is fine), denied ones must get 403/404."""

from __future__ import annotations

import datetime as dt
import itertools
from functools import cache
from typing import Any

from sqlalchemy import Engine, select

from opencustoms.cases.access import Actor
from opencustoms.cases.alerts import IncomingAlert, import_alerts
from opencustoms.cases.attachments import add_attachment
from opencustoms.cases.models import AlertRefRow
from opencustoms.cases.service import create_case
from opencustoms.db import make_engine, session_scope

from . import Ctx, Entry, office_write, staff, staff_read

ROOT = Actor(username="matrix", role="admin", office="10")
_serial = itertools.count()


@cache
def _engine(url: str) -> Engine:
    return make_engine(url)


def _db(x: Ctx) -> Engine:
    return _engine(x.world.env["OPENCUSTOMS_DATABASE_URL"])


def fresh_alert(x: Ctx) -> int:
    """A new alert of the request's office (a matter of its own: unique subject)."""
    engine, n = _db(x), next(_serial)
    external = f"MATRIX-{x.office}-{n}"
    alert = IncomingAlert(
        external_id=external, typology="matrix", subject_id=f"MX{x.office}-{n}", score=0.5,
        period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31), amount_krw=1.0,
        evidence={"declarations": [x.decl]}, explanation="matrix fixture", office=x.office,
    )  # fmt: skip
    import_alerts(engine=engine, alerts=[alert], source="matrix", actor=ROOT)
    with session_scope(engine) as s:
        return int(
            s.scalars(
                select(AlertRefRow.alert_id).where(
                    AlertRefRow.source == "matrix", AlertRefRow.external_id == external
                )
            ).one()
        )


def fresh_case(x: Ctx) -> int:
    return create_case(engine=_db(x), actor=ROOT, alert_ids=[fresh_alert(x)]).id


_standing: dict[tuple[str, str], tuple[int, int]] = {}


def standing_case(x: Ctx) -> tuple[int, int]:
    """One case per office that reads keep using, with one attachment: (case, attachment)."""
    key = (x.world.env["OPENCUSTOMS_DATABASE_URL"], x.office)
    if key not in _standing:
        case_id = fresh_case(x)
        att = add_attachment(
            engine=_db(x), actor=ROOT, case_id=case_id, filename="note.txt", content=b"matrix\n"
        )
        _standing[key] = (case_id, att.id)
    return _standing[key]


J = {"format": "json"}


def _get(path: Any) -> Any:
    return lambda c, h, x: c.get(path(x), headers=h, params=J)


def _post(path: Any, body: Any = None) -> Any:
    return lambda c, h, x: c.post(path(x), headers=h, params=J, json=body(x) if body else {})


ENTRIES = {
    "GET /alerts": Entry(_get(lambda x: "/alerts"), staff, page=True),
    "GET /alerts/{alert_id}": Entry(
        _get(lambda x: f"/alerts/{fresh_alert(x)}"), staff_read, page=True
    ),
    "POST /alerts/{alert_id}/triage": Entry(
        _post(lambda x: f"/alerts/{fresh_alert(x)}/triage"), office_write
    ),
    "POST /alerts/{alert_id}/dismiss": Entry(
        _post(lambda x: f"/alerts/{fresh_alert(x)}/dismiss", lambda x: {"reason": "matrix"}),
        office_write,
    ),
    "GET /cases": Entry(_get(lambda x: "/cases"), staff, page=True),
    "POST /cases": Entry(
        _post(lambda x: "/cases", lambda x: {"alert_ids": [fresh_alert(x)]}), office_write
    ),
    "GET /cases/{case_id}": Entry(
        _get(lambda x: f"/cases/{standing_case(x)[0]}"), staff_read, page=True
    ),
    "POST /cases/{case_id}/decision": Entry(
        _post(
            lambda x: f"/cases/{fresh_case(x)}/decision",
            lambda x: {"status": "closed", "outcome": "confirmed"},
        ),
        office_write,
    ),
    "POST /cases/{case_id}/notes": Entry(
        _post(lambda x: f"/cases/{fresh_case(x)}/notes", lambda x: {"body": "matrix"}),
        office_write,
    ),
    "POST /cases/{case_id}/assign": Entry(
        _post(lambda x: f"/cases/{fresh_case(x)}/assign", lambda x: {"assignee": "someone"}),
        office_write,
    ),
    "POST /cases/{case_id}/investigate": Entry(
        _post(lambda x: f"/cases/{fresh_case(x)}/investigate"), office_write
    ),
    "POST /cases/{case_id}/merge": Entry(
        _post(lambda x: f"/cases/{fresh_case(x)}/merge", lambda x: {"other": fresh_case(x)}),
        office_write,
    ),
    "POST /cases/{case_id}/attachments": Entry(
        lambda c, h, x: c.post(
            f"/cases/{fresh_case(x)}/attachments",
            headers=h,
            params=J,
            files={"file": ("a.txt", b"hello\n", "text/plain")},
        ),
        office_write,
    ),
    "GET /cases/{case_id}/attachments/{attachment_id}": Entry(
        lambda c, h, x: c.get("/cases/{}/attachments/{}".format(*standing_case(x)), headers=h),
        staff_read,
    ),
    "GET /cases/{case_id}/network": Entry(
        _get(lambda x: f"/cases/{standing_case(x)[0]}/network"), staff_read, page=True
    ),
    "GET /cases/{case_id}/export": Entry(
        _get(lambda x: f"/cases/{standing_case(x)[0]}/export"), staff_read, page=True
    ),
    "GET /precision": Entry(_get(lambda x: "/precision"), staff, page=True),
}
