"""API tests: health, OpenAPI, tokens, users, offices, tariff, HS, ingest and uploads."""

from __future__ import annotations

import io
import json

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from .conftest import PASSWORD, World, auth


def _errors(resp) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """field path -> message of a 422 body."""
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in resp.json()["detail"]}


def test_health_and_openapi(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/auth/token",
        "/api/risk/score",
        "/api/offices/{office}/queue",
        "/api/declarations",
        "/api/declarations/upload",
        "/api/tariff/calc",
        "/api/hs/suggest",
        "/api/rules",
        "/api/risk/metrics",
    ):
        assert path in paths, path
    for path in ("/api/tariff/calc", "/api/risk/score", "/api/declarations", "/api/rules"):
        body = paths[path]["post"]["requestBody"]["content"]["application/json"]
        assert body["schema"]["examples"], path


def test_token_login_and_failures_are_audited(client: TestClient, world: World) -> None:
    r = client.post("/api/auth/token", json={"username": "officer", "password": PASSWORD})
    assert r.status_code == 200
    token = r.json()["access_token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["username"] == "officer" and me["office"] == "40"
    bad = client.post("/api/auth/token", json={"username": "officer", "password": "nope"})
    assert bad.status_code == 401
    missing = client.post("/api/auth/token", json={"username": "officer"})
    assert missing.status_code == 422 and "body.password" in _errors(missing)
    log = client.get(
        "/api/audit", headers=auth(world, "admin"), params={"object_id": "officer"}
    ).json()["items"]
    actions = [e["action"] for e in log]
    assert "login" in actions and "login_failed" in actions


def test_bad_tokens_are_401(client: TestClient) -> None:
    assert client.get("/api/me").status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/me", headers={"Authorization": "Basic eDp5"}).status_code == 401


def test_offices_are_seeded(client: TestClient, world: World) -> None:
    offices = client.get("/api/offices", headers=auth(world, "officer")).json()
    kinds = [o["kind"] for o in offices]
    assert kinds.count("customs_office") == 34 and kinds.count("support_centre") == 16


def test_user_creation_field_errors(client: TestClient, world: World) -> None:
    h = auth(world, "admin")
    r = client.post(
        "/api/users",
        headers=h,
        json={"username": "x", "password": "short", "role": "chief", "office": "40"},
    )
    assert r.status_code == 422
    errs = _errors(r)
    assert {"body.username", "body.password", "body.role"} <= set(errs)
    r = client.post(
        "/api/users",
        headers=h,
        json={
            "username": "newbie",
            "password": "long enough 1",
            "role": "officer",
            "office": "999",
        },
    )
    assert r.status_code == 422 and "unknown office" in _errors(r)["body.office"]
    r = client.post(
        "/api/users",
        headers=h,
        json={"username": "trader2", "password": "long enough 1", "role": "trader", "office": "40"},
    )
    assert r.status_code == 422 and "body.trader_id" in _errors(r)
    r = client.post(
        "/api/users",
        headers=h,
        json={
            "username": "officer",
            "password": "long enough 1",
            "role": "officer",
            "office": "40",
        },
    )
    assert r.status_code == 422 and "already exists" in _errors(r)["body.username"]
    users = client.get("/api/users", headers=h, params={"page_size": 2}).json()
    assert users["page_size"] == 2 and len(users["items"]) == 2 and users["total"] >= 7


def test_tariff_calc_and_errors(client: TestClient, world: World) -> None:
    h = auth(world, "trader")
    r = client.post(
        "/api/tariff/calc",
        headers=h,
        json={
            "hs_code": "420221",
            "origin": "FR",
            "value": 3000000,
            "currency": "KRW",
            "date": "2021-03-02",
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == 918640.0
    assert all(line["tier"] and line["reference"] for line in body["lines"])
    r = client.post(
        "/api/tariff/calc",
        headers=h,
        json={
            "hs_code": "42",
            "origin": "QQ",
            "value": -1,
            "currency": "ZZZ",
            "date": "2021-13-01",
        },
    )
    assert r.status_code == 422
    assert {"body.origin", "body.value", "body.currency", "body.date"} <= set(_errors(r))
    r = client.post(
        "/api/tariff/calc",
        headers=h,
        json={
            "hs_code": "999999",
            "origin": "FR",
            "value": 10,
            "currency": "KRW",
            "date": "2021-03-02",
        },
    )
    assert r.status_code == 422 and "body.hs_code" in _errors(r)


def test_hs_suggest_and_errors(client: TestClient, world: World) -> None:
    h = auth(world, "trader")
    r = client.post("/api/hs/suggest", headers=h, json={"text": "fresh boneless beef", "top": 3})
    assert r.status_code == 200, r.text
    cands = r.json()["candidates"]
    assert len(cands) == 3 and cands[0]["hs6"].startswith("0201")
    r = client.post("/api/hs/suggest", headers=h, json={"text": "", "top": 0})
    assert r.status_code == 422 and {"body.text", "body.top"} <= set(_errors(r))
    r = client.post("/api/hs/suggest", headers=h, json={"text": "!!!"})
    assert r.status_code == 422 and "body.text" in _errors(r)
    officer = auth(world, "officer")
    r = client.post(
        "/api/hs/feedback",
        headers=officer,
        json={"text": "fresh boneless beef", "hs_code": "020130", "confirmed": True},
    )
    assert r.status_code == 201, r.text
    assert r.json()["hs6"] == "020130" and r.json()["user"] == "officer"
    r = client.post(
        "/api/hs/feedback",
        headers=officer,
        json={"text": "fresh boneless beef", "hs_code": "999999", "confirmed": False},
    )
    assert r.status_code == 422 and "body.hs_code" in _errors(r)
    assert (
        client.post(
            "/api/hs/feedback",
            headers=h,
            json={"text": "beef", "hs_code": "020130", "confirmed": True},
        ).status_code
        == 403
    )


def _record(decl_id: str, office: str = "40", **extra: object) -> dict[str, object]:
    return {
        "declaration_id": decl_id,
        "declaration_date": "2021-03-02",
        "office_id": office,
        "hs_code": "420221",
        "importer_id": "IMPX",
        "origin_country": "CN",
        "net_mass_kg": 2.0,
        "item_price_krw": 500000,
        **extra,
    }


def test_ingest_batch_is_loss_free(client: TestClient, world: World) -> None:
    rows = [
        _record("API1"),
        _record("API1"),
        _record("API2", hs_code="7705"),
        _record("API3", origin_country="XX", colour="red"),
    ]
    r = client.post("/api/declarations", headers=auth(world, "officer"), json={"records": rows})
    assert r.status_code == 200, r.text
    s = r.json()["summary"]
    assert (s["input"], s["stored"], s["duplicates"], s["quarantined"]) == (4, 1, 1, 2)
    quarantined = {
        q["row_number"]: {x["field"] for x in q["reasons"]} for q in r.json()["quarantined_rows"]
    }
    assert "hs_code" in quarantined[3]
    assert {"origin_country", "colour"} <= quarantined[4]


def test_ingest_other_office_is_refused_and_nothing_stored(
    client: TestClient, world: World
) -> None:
    from opencustoms.db import get_engine
    from opencustoms.declarations.models import declarations

    r = client.post(
        "/api/declarations",
        headers=auth(world, "officer"),
        json={"records": [_record("OTH1"), _record("OTH2", office="20")]},
    )
    assert r.status_code == 403
    assert r.json()["detail"][0]["loc"] == ["records", 1, "office_id"]
    with get_engine().connect() as conn:
        n = conn.execute(
            select(func.count())
            .select_from(declarations)
            .where(declarations.c.declaration_id.in_(["OTH1", "OTH2"]))
        ).scalar_one()
    assert n == 0
    r = client.post("/api/declarations", headers=auth(world, "officer"), json={"records": []})
    assert r.status_code == 422 and "body.records" in _errors(r)


def _ingest_runs() -> int:
    from opencustoms.db import get_engine
    from opencustoms.declarations.models import declarations

    with get_engine().connect() as conn:
        return conn.execute(select(func.count()).select_from(declarations)).scalar_one()


def test_malformed_uploads_are_4xx_and_store_nothing(client: TestClient, world: World) -> None:
    h = auth(world, "admin")
    before = _ingest_runs()
    cases = {
        "notes.txt": b"hello",
        "empty.csv": b"",
        "garbage.parquet": b"PAR1 this is not parquet",
        "missing_columns.csv": b"Declaration ID,Date\n1,2021-01-01\n",
        "binary.csv": bytes(range(256)) * 10,
        "bad.jsonl.gz": b"\x1f\x8b not really gzip",
        "broken.jsonl": b'{"declaration_id": "J1", \n{{{',
    }
    for name, content in cases.items():
        r = client.post(
            "/api/declarations/upload",
            headers=h,
            data={"profile": "kcs"},
            files={"file": (name, io.BytesIO(content), "application/octet-stream")},
        )
        assert 400 <= r.status_code < 500, (name, r.status_code, r.text)
        detail = r.json()["detail"]
        assert detail and (isinstance(detail, str) or detail[0]["msg"]), name
    r = client.post(
        "/api/declarations/upload",
        headers=h,
        data={"profile": "nope"},
        files={"file": ("a.csv", io.BytesIO(b"x"), "text/csv")},
    )
    assert r.status_code == 422 and "body.profile" in _errors(r)
    assert _ingest_runs() == before


def test_good_upload_with_bad_rows(client: TestClient, world: World) -> None:
    content = (
        b"declaration_id,declaration_date,office_id,hs_code,importer_id\n"
        b"UP1,2021-03-01,40,420221,IMPU\n"
        b"UP2,2021-02-30,40,420221,IMPU\n"
        b"UP3,2021-03-01,40,7705,IMPU\n"
    )
    r = client.post(
        "/api/declarations/upload",
        headers=auth(world, "officer"),
        data={"profile": "canonical"},
        files={"file": ("batch.csv", io.BytesIO(content), "text/csv")},
    )
    assert r.status_code == 200, r.text
    s = r.json()["summary"]
    assert (s["input"], s["stored"], s["quarantined"]) == (3, 1, 2)
    fields = {x["field"] for q in r.json()["quarantined_rows"] for x in q["reasons"]}
    assert {"declaration_date", "hs_code"} <= fields
    # A malformed row of another office is refused too (it would sit in quarantine).
    other = content.replace(b"UP3,2021-03-01,40,", b"UP3,2021-02-30,20,")
    r = client.post(
        "/api/declarations/upload",
        headers=auth(world, "officer"),
        data={"profile": "canonical"},
        files={"file": ("other.csv", io.BytesIO(other), "text/csv")},
    )
    assert r.status_code == 403
    assert json.dumps(r.json()).count("not your office") >= 1


def test_security_headers_and_queue_views_are_audited(client: TestClient, world: World) -> None:
    r = client.get("/api/offices/40/queue", headers=auth(world, "officer"), params={"page_size": 3})
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    shown = [i["declaration_id"] for i in r.json()["items"]]
    log = client.get(
        "/api/audit", headers=auth(world, "admin"), params={"object_id": "40", "page_size": 5}
    ).json()["items"]
    views = [e for e in log if e["action"] == "view_queue" and e["actor"] == "officer"]
    assert views and views[0]["detail"]["declarations"] == shown


def test_officer_teaches_the_classifier_from_the_tools_page(
    client: TestClient, world: World
) -> None:
    client.post("/login", data={"username": "officer", "password": PASSWORD})
    page = client.get("/tools")
    token = page.text.split('"X-CSRF-Token": "', 1)[1].split('"', 1)[0]
    h = {"X-CSRF-Token": token, "HX-Request": "true"}
    shown = client.post("/tools/hs", headers=h, data={"text": "frozen boneless beef"})
    assert shown.status_code == 200 and "Confirm" in shown.text and "Teach" in shown.text
    ok = client.post(
        "/tools/hs/feedback",
        headers=h,
        data={"text": "frozen boneless beef", "hs_code": "020230", "confirmed": "1"},
    )
    assert ok.status_code == 200 and "Recorded: 020230" in ok.text
    bad = client.post(
        "/tools/hs/feedback",
        headers=h,
        data={"text": "frozen boneless beef", "hs_code": "12", "confirmed": "0"},
    )
    assert bad.status_code == 422 and "hs_code" in bad.text
    log = client.get("/api/audit", headers=auth(world, "admin")).json()["items"]
    assert any(e["action"] == "hs_feedback" and e["actor"] == "officer" for e in log)
