"""The web face of cases: the issue's API (POST /cases, GET /cases/{id}, POST
/cases/{id}/decision, GET /alerts?typology=&office=&state=), pages and forms with CSRF,
attachments, network JSON, case file, who sees what, and the audit chain afterwards."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from opencustoms.cases.history import verify_cases
from opencustoms.settings import Settings

from .web_world import PASSWORD, CaseWorld, build


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> CaseWorld:
    # One world for the module (users' password hashing dominates its cost); each test
    # works on alerts the others leave alone.
    return build(tmp_path_factory.mktemp("cases-web"))


@pytest.fixture
def client(world: CaseWorld) -> Iterator[TestClient]:
    from opencustoms.web.app import create_app

    settings = Settings(
        database_url=world.url, var_dir=world.root / "var", secret_key="cases-test-key"
    )
    with TestClient(create_app(settings)) as c:
        yield c


def _token(client: TestClient, name: str) -> dict[str, str]:
    r = client.post("/api/auth/token", json={"username": name, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def test_api_alerts_case_decision(client: TestClient, world: CaseWorld) -> None:
    kim = _token(client, "kim")
    r = client.get("/alerts", headers=kim, params={"format": "json", "state": "new"})
    assert r.status_code == 200
    items = r.json()["page"]["items"]
    assert {i["source"] for i in items} == {"risk", "tradecrime"}
    r = client.get("/alerts", headers=kim,
                   params={"format": "json", "typology": "hwanchigi", "office": "40"})  # fmt: skip
    tc = r.json()["page"]["items"]
    assert [i["subject_id"] for i in tc] == ["C1", "C2"]
    r = client.post("/cases", headers=kim, json={"alert_ids": [tc[0]["id"]], "title": "C1 crypto"})
    assert r.status_code == 201, r.text
    case = r.json()
    assert (case["status"], case["assignee"], case["office"]) == ("open", "kim", "40")
    r = client.get(f"/cases/{case['id']}", headers=kim, params={"format": "json"})
    detail = r.json()["case"]
    assert detail["evidence"]["va_transfers"] == ["T1", "T2", "T3"]
    assert [h["action"] for h in r.json()["history"]] == ["case_opened"]
    r = client.post(f"/cases/{case['id']}/decision", headers=kim,
                    json={"status": "closed", "outcome": "maybe"})  # fmt: skip
    assert r.status_code == 422 and r.json()["detail"][0]["loc"] == ["body", "outcome"]
    r = client.post(f"/cases/{case['id']}/decision", headers=kim,
                    json={"status": "closed", "outcome": "confirmed",
                          "amount_recovered_krw": 12_000_000})  # fmt: skip
    assert r.status_code == 200 and r.json()["outcome"] == "confirmed"
    r = client.get("/precision", headers=kim, params={"format": "json"})
    totals = {t["source"]: t["precision"] for t in r.json()["totals"]}
    assert totals["tradecrime"] == 1.0
    r = client.post(f"/cases/{case['id']}/decision", headers=kim,
                    json={"status": "closed", "outcome": "confirmed"})  # fmt: skip
    assert r.status_code == 409
    assert verify_cases(engine=world.engine).ok


def test_who_sees_what(client: TestClient) -> None:
    kim, lee, ana, acme = (_token(client, n) for n in ("kim", "lee", "ana", "acme"))
    alerts = client.get("/alerts", headers=kim, params={"format": "json", "state": "new"}).json()[
        "page"
    ]["items"]
    mine = next(a for a in alerts if a["subject_id"] == "C2")
    case = client.post("/cases", headers=kim, json={"alert_ids": [mine["id"]]}).json()
    path = f"/cases/{case['id']}"
    assert client.get(path, headers=lee, params={"format": "json"}).status_code == 404
    assert client.get(path, headers=ana, params={"format": "json"}).status_code == 200
    assert client.get(path, headers=acme, params={"format": "json"}).status_code == 403
    assert client.get("/alerts", headers=acme, params={"format": "json"}).status_code == 403
    assert (
        client.get("/alerts", headers=lee, params={"format": "json"}).json()["page"]["total"] == 0
    )
    r = client.post(
        f"{path}/decision", headers=ana, json={"status": "closed", "outcome": "confirmed"}
    )
    assert r.status_code == 403
    assert client.get(path, headers={}).status_code == 401


def test_forms_network_attachments_and_case_file(client: TestClient) -> None:
    r = client.post("/login", data={"username": "kim", "password": PASSWORD},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    page = client.get("/alerts")
    assert page.status_code == 200 and "Triage queue" in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    ids = [i["id"] for i in client.get("/alerts", params={"format": "json", "source": "risk"})
           .json()["page"]["items"]]  # fmt: skip
    r = client.post("/cases", data={"alert_ids": ids[:2]}, follow_redirects=False)
    assert r.status_code == 403  # no CSRF token
    r = client.post("/cases", data={"csrf_token": token, "alert_ids": [str(i) for i in ids[:2]]},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    case_path = r.headers["location"]
    html = client.get(case_path).text
    assert "Record decision" in html and "risk_lane_red" in html
    r = client.post(f"{case_path}/attachments", data={"csrf_token": token},
                    files={"file": ("invoice.pdf", b"%PDF-1.4 test", "application/pdf")},
                    follow_redirects=False)  # fmt: skip
    assert r.status_code == 303
    r = client.post(f"{case_path}/attachments", data={"csrf_token": token},
                    files={"file": ("x.pdf", b"MZ\x90\x00", "application/pdf")})  # fmt: skip
    assert r.status_code == 422
    net = client.get(f"{case_path}/network", params={"format": "json", "hops": 2}).json()
    ids_in_net = {e["data"]["id"] for e in net["elements"]}
    assert {"D0", "C1"} <= ids_in_net and net["nodes"] == len(
        [e for e in net["elements"] if "source" not in e["data"]]
    )
    page = client.get(f"{case_path}/network")
    assert "cytoscape.min.js" in page.text and 'id="network-data"' in page.text
    report = client.get(f"{case_path}/export")
    assert report.status_code == 200 and "<h2>Evidence</h2>" in report.text
    evidence = client.get(f"{case_path}/export", params={"format": "json"}).json()
    assert evidence["case"]["attachments"][0]["filename"] == "invoice.pdf"
    r = client.post(f"{case_path}/decision", follow_redirects=False,
                    data={"csrf_token": token, "status": "closed", "outcome": "false_positive",
                          "referral": "", "amount_recovered_krw": "0"})  # fmt: skip
    assert r.status_code == 303
    totals = client.get("/precision", params={"format": "json"}).json()["totals"]
    risk = next(t for t in totals if t["source"] == "risk")
    assert (risk["precision"], risk["decided"]) == (0.0, 2)
