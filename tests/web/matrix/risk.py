"""Authorisation entries of scoring, queues, decisions, rules and capacity (API and pages)."""

from __future__ import annotations

from typing import Any

import yaml
from fastapi.testclient import TestClient

from . import (
    Ctx,
    Entry,
    auditor,
    decl,
    office_write,
    rule,
    staff,
    staff_read,
    supervise,
)


def owned_rule_id(office: str) -> str:
    """A rule per office, created by the test's fixture, that the update cells edit."""
    return f"MATRIX-OWNED-{office}"


def _update_rule(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
    rid = owned_rule_id(x.office)
    return c.put(f"/api/rules/{rid}", headers=h, json=rule(x.office, rid))


def _save_rule_form(c: TestClient, h: dict[str, str], x: Ctx) -> Any:
    text = yaml.safe_dump(rule(x.office), sort_keys=False)
    return c.post("/rules", headers=h, data={"rule_yaml": text}, params={"format": "json"})


def _json(path: str) -> Any:
    return lambda c, h, x: c.get(path.format(x=x), headers=h, params={"format": "json"})


ENTRIES = {
    "POST /api/risk/score": Entry(
        lambda c, h, x: c.post("/api/risk/score", headers=h, json=decl("MS", x.office)), staff
    ),
    "POST /api/risk/score-batch": Entry(
        lambda c, h, x: c.post(
            "/api/risk/score-batch", headers=h, json={"declarations": [decl("MB", x.office)]}
        ),
        staff,
    ),
    "GET /api/risk/metrics": Entry(lambda c, h, x: c.get("/api/risk/metrics", headers=h), staff),
    # With the "assigned to me" filter, the branch that joins the assignments: the office
    # is checked before any filter (the plain queue's cells are the /queue page's).
    "GET /api/offices/{office}/queue": Entry(
        lambda c, h, x: c.get(
            f"/api/offices/{x.office}/queue", headers=h, params={"assigned": "me"}
        ),
        staff_read,
    ),
    "GET /api/risk/drift": Entry(
        lambda c, h, x: c.get("/api/risk/drift", headers=h, params={"office": x.office}),
        staff_read,
    ),
    "GET /drift": Entry(
        lambda c, h, x: c.get("/drift", headers=h, params={"office": x.office, "format": "json"}),
        staff_read,
    ),
    "GET /api/dashboard": Entry(
        lambda c, h, x: c.get("/api/dashboard", headers=h, params={"office": x.office}),
        staff_read,
    ),
    "GET /api/declarations/{declaration_id}": Entry(
        lambda c, h, x: c.get(f"/api/declarations/{x.decl}", headers=h), staff_read
    ),
    "POST /api/declarations/{declaration_id}/inspection": Entry(
        lambda c, h, x: c.post(
            f"/api/declarations/{x.decl}/inspection", headers=h, json={"fraud": False}
        ),
        office_write,
    ),
    "POST /api/declarations/{declaration_id}/lane": Entry(
        lambda c, h, x: c.post(
            f"/api/declarations/{x.decl}/lane",
            headers=h,
            json={"lane": "yellow", "reason": "matrix check"},
        ),
        supervise,
    ),
    "GET /api/offices/{office}/capacity": Entry(
        lambda c, h, x: c.get(f"/api/offices/{x.office}/capacity", headers=h), staff_read
    ),
    "PUT /api/offices/{office}/capacity": Entry(
        lambda c, h, x: c.put(
            f"/api/offices/{x.office}/capacity", headers=h, json={"red": 2, "yellow": 2, "blue": 1}
        ),
        supervise,
    ),
    "GET /api/rules": Entry(lambda c, h, x: c.get("/api/rules", headers=h), staff),
    "POST /api/rules/validate": Entry(
        lambda c, h, x: c.post("/api/rules/validate", headers=h, json=rule(x.office)), staff
    ),
    "POST /api/rules": Entry(
        lambda c, h, x: c.post("/api/rules", headers=h, json=rule(x.office)), supervise
    ),
    "PUT /api/rules/{rule_id}": Entry(_update_rule, supervise),
    "GET /queue": Entry(
        lambda c, h, x: c.get("/queue", headers=h, params={"office": x.office, "format": "json"}),
        staff_read,
        page=True,
    ),
    "GET /dashboard": Entry(
        lambda c, h, x: c.get(
            "/dashboard", headers=h, params={"office": x.office, "format": "json"}
        ),
        staff_read,
        page=True,
    ),
    # Headquarters only: per-office figures, national totals and the ranking of offices
    # would all tell an officer about other offices, so one-office roles get 403.
    "GET /overview": Entry(_json("/overview"), auditor, page=True),
    "GET /declarations/{declaration_id}": Entry(
        _json("/declarations/{x.decl}"), staff_read, page=True
    ),
    "POST /declarations/{declaration_id}/inspection": Entry(
        lambda c, h, x: c.post(
            f"/declarations/{x.decl}/inspection",
            headers=h,
            data={"fraud": "false"},
            follow_redirects=False,
        ),
        office_write,
        page=True,
    ),
    "POST /declarations/{declaration_id}/lane": Entry(
        lambda c, h, x: c.post(
            f"/declarations/{x.decl}/lane",
            headers=h,
            data={"lane": "yellow", "reason": "matrix check"},
            follow_redirects=False,
        ),
        supervise,
        page=True,
    ),
    "GET /rules": Entry(_json("/rules"), staff, page=True),
    "POST /rules/validate": Entry(
        lambda c, h, x: c.post(
            "/rules/validate", headers=h, data={"rule_yaml": yaml.safe_dump(rule(x.office))}
        ),
        staff,
        page=True,
    ),
    "POST /rules": Entry(_save_rule_form, supervise, page=True),
}
