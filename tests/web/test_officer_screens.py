"""The officer screens of issue 19 (items 9-11) through the web app: search and the
importer profile within the user's offices, the supervisor console (assign, capacity,
override review), "assigned to me" (a filter of the queue), the watchlist with its alert
on filing, and the model monitoring page. Every route answers HTML and JSON."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from .conftest import OTHER, OWN, World, auth
from .matrix.search import importer_of


def _json(client: TestClient, world: World, user: str, path: str, **params: Any) -> Any:
    r = client.get(path, headers=auth(world, user), params={**params, "format": "json"})
    assert r.status_code == 200, r.text
    return r.json()


class _X:  # the piece of the matrix context importer_of needs
    def __init__(self, world: World, office: str) -> None:
        self.world, self.office = world, office


def test_search_is_bounded_by_the_users_office(client: TestClient, world: World) -> None:
    other = world.other_ids[0]
    assert _json(client, world, "officer", "/search", number=other)["items"] == []
    found = _json(client, world, "analyst", "/search", number=other)["items"]
    assert {h["office_id"] for h in found} == {OTHER}
    everything = _json(client, world, "officer", "/search", page_size=500)
    assert {h["office_id"] for h in everything["items"]} == {OWN}
    assert everything["scope"] == [OWN]
    importer = importer_of(_X(world, OWN))  # type: ignore[arg-type]
    mine = _json(client, world, "officer", "/search", importer_id=importer)["items"]
    assert mine and all(h["importer_id"] == importer for h in mine)
    page = client.get("/search", headers=auth(world, "officer"), params={"importer_id": importer})
    assert page.status_code == 200 and f'href="/importers/{importer}"' in page.text
    bad = client.get("/search", headers=auth(world, "officer"), params={"hs_prefix": "8x"})
    assert bad.status_code == 422 and "hs_prefix" in bad.text
    assert client.get("/search", headers=auth(world, "trader")).status_code == 403


def test_importer_profile_never_leaks_another_office(client: TestClient, world: World) -> None:
    own = importer_of(_X(world, OWN))  # type: ignore[arg-type]
    theirs = importer_of(_X(world, OTHER))  # type: ignore[arg-type]
    p = _json(client, world, "officer", f"/importers/{own}")
    assert p["scope"] == [OWN] and p["items"] >= 1 and p["by_office"][0]["key"] == OWN
    r = client.get(f"/importers/{theirs}", headers=auth(world, "officer"))
    assert r.status_code == 404 and theirs not in r.text
    assert _json(client, world, "analyst", f"/importers/{theirs}")["scope"] is None
    html = client.get(f"/importers/{own}", headers=auth(world, "officer")).text
    for part in ('id="inspections"', 'id="linked"', 'id="rules"', 'id="watch-status"'):
        assert part in html
    assert "built-in method" not in html  # a field named "items" read as dict.items
    assert f"{OWN}: {p['items']}" in html


def test_console_assign_capacity_and_override_review(client: TestClient, world: World) -> None:
    sup = auth(world, "supervisor")
    console = _json(client, world, "supervisor", "/supervision")
    assert console["office"] == OWN and set(console["backlog"]["buckets"]) == {
        "0-1", "2-3", "4-7", ">7"
    }  # fmt: skip
    assert "officer" in console["officers"]
    item = console["open_items"][0]
    key = f"{item['declaration_id']}/{item['item_no']}"
    r = client.post(f"/supervision/{OWN}/assignments", headers=sup,
                    json={"items": [key], "officer": "officer"})  # fmt: skip
    assert r.status_code == 200 and r.json()["assigned"] == 1, r.text
    # "Assigned to me" is a filter of the queue: only the officer's items, with the rest
    # of the queue's filters; links carry "me", never the username.
    mine = _json(client, world, "officer", "/queue", assigned="me")
    keys = {f"{i['declaration_id']}/{i['item_no']}" for i in mine["page"]["items"]}
    assert key in keys and mine["filters"]["assigned"] == "me"
    assert mine["page"]["total"] < _json(client, world, "officer", "/queue")["page"]["total"]
    now = _json(client, world, "supervisor", "/supervision")["open_items"]
    owner = {f"{i['declaration_id']}/{i['item_no']}": i["assigned_to"] for i in now}
    assert all(owner.get(k, "officer") == "officer" for k in keys)
    html = client.get("/queue", headers=auth(world, "officer"), params={"assigned": "me"}).text
    assert 'name="assigned" value="me" id="assigned-filter" checked' in html
    assert 'href="/queue?assigned=me" class="active"' in html  # the navigation's entry
    assert _json(client, world, "officer_other", "/queue", assigned="me")["page"]["items"] == []
    other = client.get("/queue", headers=auth(world, "officer_other"),
                       params={"office": OWN, "assigned": "me", "format": "json"})  # fmt: skip
    assert other.status_code == 404 and key.split("/")[0] not in other.text
    # The API's queue has the same filter, behind the same office check.
    api = client.get(f"/api/offices/{OWN}/queue", headers=auth(world, "officer"),
                     params={"assigned": "me", "status": "all"})  # fmt: skip
    assert api.status_code == 200 and key in {
        f"{i['declaration_id']}/{i['item_no']}" for i in api.json()["items"]
    }
    api = client.get(f"/api/offices/{OWN}/queue", headers=auth(world, "officer_other"),
                     params={"assigned": "me"})  # fmt: skip
    assert api.status_code == 404 and key.split("/")[0] not in api.text
    bad = client.get("/queue", headers=auth(world, "officer"),
                     params={"assigned": "everyone", "format": "json"})  # fmt: skip
    assert bad.status_code == 422 and "assigned" in bad.text and "'me'" in bad.text
    # Old links and bookmarks of /assigned land on the filter.
    moved = client.get("/assigned", headers=auth(world, "officer"),
                       params={"page": "1"}, follow_redirects=False)  # fmt: skip
    assert moved.status_code == 308
    assert moved.headers["location"] == "/queue?page=1&assigned=me"
    bad = client.post(f"/supervision/{OWN}/assignments", headers=sup,
                      json={"items": [key], "officer": "officer_other"})  # fmt: skip
    assert bad.status_code == 422 and "officer" in bad.text
    # Capacity: validated per field, audited, and the console shows the new figures.
    before = console["capacity"]
    for body, field in (({"red": -1, "yellow": 1, "blue": 1}, "red"),
                        ({"red": 1, "yellow": "many", "blue": 1}, "yellow"),
                        ({"red": 1, "yellow": 1}, "blue")):  # fmt: skip
        r = client.post(f"/supervision/{OWN}/capacity", headers=sup, json=body)
        assert r.status_code == 422 and field in r.text, (body, r.text)
    r = client.post(f"/supervision/{OWN}/capacity", headers=sup,
                    json={"red": 7, "yellow": 8, "blue": 9})  # fmt: skip
    assert r.status_code == 200 and (r.json()["red"], r.json()["blue"]) == (7, 9)
    assert _json(client, world, "supervisor", "/supervision")["capacity"]["yellow"] == 8
    client.post(f"/supervision/{OWN}/capacity", headers=sup,
                json={k: before[k] for k in ("red", "yellow", "blue")})  # fmt: skip
    trail = client.get("/api/audit", headers=auth(world, "admin"), params={"object_id": OWN})
    changes = [e for e in trail.json()["items"] if e["action"] == "capacity_change"]
    assert changes and changes[0]["actor"] == "supervisor"
    # Override review: a lane change waits for review; reopening restores the lane.
    decl = item["declaration_id"]
    change = {"item_no": item["item_no"], "lane": "green", "reason": "docs seen ok"}
    r = client.post(f"/api/declarations/{decl}/lane", headers=sup, json=change)
    assert r.status_code in (200, 201), r.text
    pending = _json(client, world, "supervisor", "/supervision")["overrides"]
    mine_ov = next(o for o in pending if o["declaration_id"] == decl)
    r = client.post(f"/supervision/{OWN}/overrides/{mine_ov['override_id']}", headers=sup,
                    json={"decision": "reopened", "note": "inspect as selected"})  # fmt: skip
    assert r.status_code == 200 and r.json()["lane_now"] == item["lane"], r.text
    again = client.post(f"/supervision/{OWN}/overrides/{mine_ov['override_id']}", headers=sup,
                        json={"decision": "accepted"})  # fmt: skip
    assert again.status_code == 409
    # Another office's supervisor: not even the console.
    r = client.get("/supervision", headers=auth(world, "supervisor_other"),
                   params={"office": OWN, "format": "json"})  # fmt: skip
    assert r.status_code == 404


def test_watched_party_filing_raises_an_alert(client: TestClient, world: World) -> None:
    party = "WATCHED-IMP"
    watch = {"kind": "importer_id", "party_id": party, "reason": "tip 19"}
    r = client.post("/watchlist", headers=auth(world, "supervisor"), json=watch)
    assert r.status_code == 201 and r.json()["office"] == OWN, r.text
    listed = _json(client, world, "officer", "/watchlist")["entries"]
    assert party in {e["party_id"] for e in listed}
    assert party not in {
        e["party_id"] for e in _json(client, world, "officer_other", "/watchlist")["entries"]
    }
    rec = {"declaration_id": "WATCH-D1", "declaration_date": "2021-03-03", "office_id": OWN,
           "hs_code": "847130", "importer_id": party, "origin_country": "CN"}  # fmt: skip
    r = client.post("/api/declarations", headers=auth(world, "officer"), json={"records": [rec]})
    assert r.status_code == 200 and r.json()["summary"]["stored"] == 1, r.text
    alerts = _json(client, world, "officer", "/alerts", source="watchlist")["page"]["items"]
    assert [(a["subject_id"], a["typology"]) for a in alerts] == [("WATCH-D1", "watch_importer")]
    theirs = _json(client, world, "officer_other", "/alerts", source="watchlist")["page"]["items"]
    assert theirs == []
    # The profile shows the watch; removal is kept with who and when.
    prof = _json(client, world, "officer", f"/importers/{party}")
    assert [w["reason"] for w in prof["watch"]] == ["tip 19"]
    entry = next(e for e in listed if e["party_id"] == party)
    officer = client.post(f"/watchlist/{entry['id']}/remove", headers=auth(world, "officer"))
    assert officer.status_code == 403
    gone = client.post(f"/watchlist/{entry['id']}/remove", headers=auth(world, "supervisor"),
                       params={"format": "json"})  # fmt: skip
    assert gone.status_code == 200 and gone.json()["removed_by"] == "supervisor"


def test_monitoring_page_shows_the_model(client: TestClient, world: World) -> None:
    data = _json(client, world, "officer", "/drift")
    assert data["model"]["version"] == data["model_version"]
    html = client.get("/drift", headers=auth(world, "officer")).text
    assert 'id="model-card"' in html and "Model monitoring" in html
