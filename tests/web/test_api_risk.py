"""API tests of the risk endpoints against the real risk engine and a scored store."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .conftest import OTHER, OWN, World, auth


def _errors(resp: Any) -> dict[str, str]:
    return {".".join(str(p) for p in e["loc"]): e["msg"] for e in resp.json()["detail"]}


DECL = {
    "declaration_id": "S1",
    "declaration_date": "2021-03-02",
    "office_id": OWN,
    "importer_id": "NEVER-SEEN-1",
    "declarant_id": "D1",
    "hs_code": "420221",
    "origin_country": "CN",
    "departure_country": "CN",
    "net_mass_kg": 2.0,
    "item_price_krw": 500000,
    "tax_rate": 8.0,
    "tax_type": "A",
}


def test_score_one(client: TestClient, world: World) -> None:
    r = client.post("/api/risk/score", headers=auth(world, "officer"), json=DECL)
    assert r.status_code == 200, r.text
    body = r.json()
    assert 0 <= body["score"] <= 1 and body["lane"] in ("green", "yellow", "red", "blue")
    assert body["model_version"] and isinstance(body["reasons"], list)
    assert any("first declaration of this importer" in t for t in body["reasons"])


def test_single_score_equals_the_batch_answer_and_is_documented(
    client: TestClient, world: World
) -> None:
    """The single score (one-row path, written out by the route) answers what the batch
    route (score_records, FastAPI's response model) answers for the same declaration."""
    h = auth(world, "officer")
    one = client.post("/api/risk/score", headers=h, json=DECL)
    assert one.headers["content-type"] == "application/json"
    batch = client.post(
        "/api/risk/score-batch", headers=h, json={"declarations": [DECL, {**DECL, "item_no": 2}]}
    )
    assert one.json() == batch.json()[0]
    op = client.get("/openapi.json").json()["paths"]["/api/risk/score"]["post"]
    schema = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/ScoreOut"}


def test_score_validation_errors_name_fields(client: TestClient, world: World) -> None:
    bad = {
        **DECL,
        "hs_code": "7705",
        "declaration_date": "2021-02-30",
        "net_mass_kg": -1,
        "colour": "red",
    }
    del bad["office_id"]
    r = client.post("/api/risk/score", headers=auth(world, "officer"), json=bad)
    assert r.status_code == 422
    assert {
        "body.hs_code",
        "body.declaration_date",
        "body.net_mass_kg",
        "body.office_id",
        "body.colour",
    } <= set(_errors(r))


def test_score_batch(client: TestClient, world: World) -> None:
    decls = [{**DECL, "declaration_id": f"S{i}"} for i in range(3)]
    r = client.post(
        "/api/risk/score-batch", headers=auth(world, "analyst"), json={"declarations": decls}
    )
    assert r.status_code == 200 and [x["declaration_id"] for x in r.json()] == ["S0", "S1", "S2"]
    r = client.post(
        "/api/risk/score-batch", headers=auth(world, "analyst"), json={"declarations": []}
    )
    assert r.status_code == 422 and "body.declarations" in _errors(r)


def test_queue_sorting_filters_and_pages(client: TestClient, world: World) -> None:
    h = auth(world, "officer")
    r = client.get(f"/api/offices/{OWN}/queue", headers=h, params={"lane": "all", "page_size": 10})
    assert r.status_code == 200
    page = r.json()
    assert page["total"] == len(world.own_ids) and len(page["items"]) == 10
    scores = [i["score"] for i in page["items"]]
    assert scores == sorted(scores, reverse=True)
    assert all(i["office_id"] == OWN and i["reasons"] is not None for i in page["items"])
    page2 = client.get(
        f"/api/offices/{OWN}/queue", headers=h, params={"lane": "all", "page_size": 10, "page": 2}
    ).json()
    assert not {i["declaration_id"] for i in page2["items"]} & {
        i["declaration_id"] for i in page["items"]
    }
    red = client.get(f"/api/offices/{OWN}/queue", headers=h, params={"lane": "red"}).json()
    assert red["items"] and all(i["lane"] == "red" for i in red["items"])
    sel = client.get(f"/api/offices/{OWN}/queue", headers=h).json()
    assert all(i["lane"] in ("red", "yellow", "blue") for i in sel["items"])
    by_date = client.get(
        f"/api/offices/{OWN}/queue",
        headers=h,
        params={"lane": "all", "sort": "date", "order": "asc"},
    ).json()
    dates = [i["declaration_date"] for i in by_date["items"]]
    assert dates == sorted(dates)
    high = client.get(
        f"/api/offices/{OWN}/queue", headers=h, params={"lane": "all", "min_score": 0.5}
    ).json()
    assert all(i["score"] >= 0.5 for i in high["items"])
    r = client.get(
        f"/api/offices/{OWN}/queue",
        headers=h,
        params={"sort": "colour", "page_size": 0, "min_score": 2},
    )
    assert r.status_code == 422
    assert {"query.sort", "query.page_size", "query.min_score"} <= set(_errors(r))
    assert client.get("/api/offices/999/queue", headers=auth(world, "admin")).status_code == 404


def test_detail_is_audited(client: TestClient, world: World) -> None:
    decl = world.own_ids[0]
    r = client.get(f"/api/declarations/{decl}", headers=auth(world, "officer"))
    assert r.status_code == 200, r.text
    item = r.json()["items"][0]
    assert item["assessment"]["lane"] and item["assessment"]["reasons"] is not None
    assert "fraud" not in item["declaration"]  # labels are not shown as declared facts
    assert item["benchmark"]["hs6"] == item["declaration"]["hs_code"][:6]
    log = client.get("/api/audit", headers=auth(world, "admin"), params={"object_id": decl}).json()[
        "items"
    ]
    assert any(e["action"] == "view_risk_detail" and e["actor"] == "officer" for e in log)
    assert client.get("/api/declarations/NOPE", headers=auth(world, "admin")).status_code == 404


def test_inspection_result(client: TestClient, world: World) -> None:
    decl, h = world.own_ids[1], auth(world, "officer")
    r = client.post(
        f"/api/declarations/{decl}/inspection",
        headers=h,
        json={"fraud": True, "critical": False, "additional_duty": 54321},
    )
    assert r.status_code == 201, r.text
    assert r.json()["recorded_by"] == "officer"
    detail = client.get(f"/api/declarations/{decl}", headers=h).json()
    assert detail["items"][0]["inspection"]["additional_duty"] == 54321
    r = client.post(
        f"/api/declarations/{decl}/inspection", headers=h, json={"fraud": False, "critical": True}
    )
    assert r.status_code == 422 and "body.critical" in _errors(r)
    r = client.post(
        f"/api/declarations/{decl}/inspection",
        headers=h,
        json={"fraud": "maybe", "additional_duty": -5, "item_no": 0},
    )
    assert r.status_code == 422
    assert {"body.fraud", "body.additional_duty", "body.item_no"} <= set(_errors(r))
    r = client.post("/api/declarations/NOPE/inspection", headers=h, json={"fraud": True})
    assert r.status_code == 404
    log = client.get("/api/audit", headers=auth(world, "admin"), params={"object_id": decl}).json()[
        "items"
    ]
    assert any(e["action"] == "inspection_result" for e in log)


def test_lane_override(client: TestClient, world: World) -> None:
    decl = world.own_ids[2]
    r = client.post(
        f"/api/declarations/{decl}/lane",
        headers=auth(world, "supervisor"),
        json={"lane": "red", "reason": "Intelligence tip-off"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["lane"] == "red" and r.json()["overridden_by"] == "supervisor"
    a = client.get(f"/api/declarations/{decl}", headers=auth(world, "officer")).json()
    assert a["items"][0]["assessment"]["lane"] == "red"
    r = client.post(
        f"/api/declarations/{decl}/lane",
        headers=auth(world, "officer"),
        json={"lane": "green", "reason": "I would like it released"},
    )
    assert r.status_code == 403
    r = client.post(
        f"/api/declarations/{decl}/lane",
        headers=auth(world, "supervisor"),
        json={"lane": "purple", "reason": "no"},
    )
    assert r.status_code == 422 and {"body.lane", "body.reason"} <= set(_errors(r))
    log = client.get("/api/audit", headers=auth(world, "admin"), params={"object_id": decl}).json()[
        "items"
    ]
    assert any(e["action"] == "lane_override" and e["detail"]["lane"] == "red" for e in log)


RULE = {
    "id": "R40-TEST-BAGS",
    "office": OWN,
    "valid_from": "2021-01-01",
    "when": [{"field": "hs6", "op": "eq", "value": "420221"}],
    "action": {"lane": "yellow"},
    "reason": "Handbags need a document check",
    "instructions": "Check the invoice",
    "reference": "Test circular 1",
}


def test_rules_validate_create_update(client: TestClient, world: World) -> None:
    sup, h = auth(world, "supervisor"), auth(world, "officer")
    listed = client.get("/api/rules", headers=h).json()
    assert listed["rules"]
    bad = {**RULE, "when": [{"field": "hs_cod", "op": "equals"}], "reason": "x", "action": {}}
    r = client.post("/api/rules/validate", headers=h, json=bad)
    assert r.status_code == 200 and not r.json()["valid"]
    fields = {e["field"] for e in r.json()["errors"]}
    assert "reason" in fields and any(f.startswith("when.0") for f in fields)
    r = client.post("/api/rules", headers=sup, json=bad)
    assert r.status_code == 422 and "body.reason" in _errors(r)
    assert client.post("/api/rules", headers=h, json=RULE).status_code == 403
    other = {**RULE, "id": "R20-X", "office": OTHER}
    assert client.post("/api/rules", headers=sup, json=other).status_code == 403
    r = client.post("/api/rules", headers=sup, json=RULE)
    assert r.status_code == 201, r.text
    ids = [x["id"] for x in client.get("/api/rules", headers=h).json()["rules"]]
    assert RULE["id"] in ids
    r = client.post("/api/rules", headers=sup, json=RULE)
    assert r.status_code == 422 and "body.id" in _errors(r)
    r = client.put(
        f"/api/rules/{RULE['id']}", headers=sup, json={**RULE, "action": {"lane": "red"}}
    )
    assert r.status_code == 200, r.text
    rules = {x["id"]: x for x in client.get("/api/rules", headers=h).json()["rules"]}
    assert rules[RULE["id"]]["action"]["lane"] == "red"
    r = client.put(f"/api/rules/{RULE['id']}", headers=sup, json={**RULE, "valid_to": "2020-01-01"})
    assert r.status_code == 422 and _errors(r)
    assert (
        client.put("/api/rules/NOPE", headers=sup, json={**RULE, "id": "NOPE"}).status_code == 404
    )
    r = client.put(f"/api/rules/{RULE['id']}", headers=sup, json={**RULE, "id": "OTHER"})
    assert r.status_code == 422 and "body.id" in _errors(r)
    # Scoring picks the rule up: a handbag now fires it.
    scored = client.post("/api/risk/score", headers=h, json=DECL).json()
    assert RULE["id"] in scored["rules_fired"]
    log = client.get(
        "/api/audit", headers=auth(world, "admin"), params={"object_id": RULE["id"]}
    ).json()["items"]
    assert {"rule_create", "rule_update"} <= {e["action"] for e in log}


def test_metrics(client: TestClient, world: World) -> None:
    m = client.get("/api/risk/metrics", headers=auth(world, "analyst")).json()
    assert m["version"] and "metrics" in m


def test_dashboard_reflects_inspections(client: TestClient, world: World) -> None:
    h = auth(world, "supervisor")
    before = client.get("/api/dashboard", headers=h).json()["totals"]
    decl = world.own_ids[3]
    r = client.post(
        f"/api/declarations/{decl}/inspection",
        headers=h,
        json={"fraud": True, "additional_duty": 1000},
    )
    assert r.status_code == 201
    after = client.get("/api/dashboard", headers=h).json()
    assert after["office"] == OWN
    assert after["totals"]["inspected"] == before["inspected"] + 1
    assert after["totals"]["revenue"] == before["revenue"] + 1000
    assert after["rows"] and after["series"]["weeks"]


def test_trader_sees_status_only(client: TestClient, world: World) -> None:
    h = auth(world, "trader")
    mine = client.get("/api/my/declarations", headers=h).json()
    assert mine["total"] == len(world.trader_ids)
    text = str(mine)
    for leak in ("score", "reason", "lane", "fraud", "importer_id"):
        assert leak not in text
    r = client.get(f"/api/declarations/{world.trader_ids[0]}/status", headers=h)
    assert r.status_code == 200 and r.json()[0]["status"]
    not_mine = next(d for d in world.own_ids if d not in world.trader_ids)
    assert client.get(f"/api/declarations/{not_mine}/status", headers=h).status_code == 404


def test_pages_as_json(client: TestClient, world: World) -> None:
    h = auth(world, "officer")
    q = client.get("/queue", headers=h, params={"format": "json"})
    assert q.status_code == 200 and q.json()["page"]["items"]
    d = client.get(f"/declarations/{world.own_ids[0]}", headers={**h, "Accept": "application/json"})
    assert d.status_code == 200 and d.json()["items"][0]["assessment"]
    dash = client.get("/dashboard", headers=h, params={"format": "json"}).json()
    assert "totals" in dash and "series" in dash
    rules = client.get("/rules", headers=h, params={"format": "json"}).json()
    assert rules["rules"]
    html = client.get("/queue", headers={**h, "Accept": "text/html"})
    assert html.headers["content-type"].startswith("text/html") and "<table" in html.text


def test_capacity_read_and_set(client: TestClient, world: World) -> None:
    from pathlib import Path

    r = client.get(f"/api/offices/{OWN}/capacity", headers=auth(world, "officer"))
    assert r.status_code == 200 and r.json()["explicit"]
    before = r.json()
    text_before = Path(world.env["OPENCUSTOMS_RISK_CAPACITY_FILE"]).read_text()
    r = client.put(
        f"/api/offices/{OWN}/capacity",
        headers=auth(world, "supervisor"),
        json={"red": before["red"] + 1, "yellow": 0, "blue": 1},
    )
    assert r.status_code == 200, r.text
    after = client.get(f"/api/offices/{OWN}/capacity", headers=auth(world, "officer")).json()
    assert (after["red"], after["yellow"]) == (before["red"] + 1, 0)
    text = Path(world.env["OPENCUSTOMS_RISK_CAPACITY_FILE"]).read_text()
    # Only that office's numbers changed: comments and references are kept.
    assert text.count("#") == text_before.count("#") and "reference:" in text
    r = client.put(
        f"/api/offices/{OWN}/capacity",
        headers=auth(world, "supervisor"),
        json={"red": -1, "yellow": "many"},
    )
    assert r.status_code == 422 and {"body.red", "body.yellow", "body.blue"} <= set(_errors(r))
    assert (
        client.put(
            f"/api/offices/{OWN}/capacity",
            headers=auth(world, "officer"),
            json={"red": 1, "yellow": 1, "blue": 1},
        ).status_code
        == 403
    )
    log = client.get("/api/audit", headers=auth(world, "admin"), params={"object_id": OWN}).json()[
        "items"
    ]
    assert any(e["action"] == "capacity_change" for e in log)


def test_tool_pages_for_traders(client: TestClient, world: World) -> None:
    from .conftest import PASSWORD

    client.post("/login", data={"username": "trader", "password": PASSWORD})
    page = client.get("/tools")
    assert page.status_code == 200 and "Tariff calculator" in page.text
    token = page.text.split('"X-CSRF-Token": "', 1)[1].split('"', 1)[0]
    h = {"X-CSRF-Token": token, "HX-Request": "true"}
    ok = client.post(
        "/tools/tariff",
        headers=h,
        data={
            "hs_code": "420221",
            "origin": "FR",
            "value": "3000000",
            "currency": "KRW",
            "date": "2021-03-02",
        },
    )
    assert ok.status_code == 200 and "918,640" in ok.text
    bad = client.post(
        "/tools/tariff",
        headers=h,
        data={
            "hs_code": "420221",
            "origin": "QQ",
            "value": "-3",
            "currency": "KRW",
            "date": "2021-03-02",
        },
    )
    assert bad.status_code == 422 and "origin" in bad.text and "value" in bad.text
    assert client.get("/my").status_code == 200
    assert client.get("/queue").status_code == 403
