"""Issue 19 over HTTP: the queue page (open by default, declaration search, lane logic
and causes, revenue at risk), the dashboard (one "selected", office names, hit rates
with counts and interval), the national overview and its side channels, and error
pages (HTML for browsers, JSON for API clients, every field error listed)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from .conftest import OTHER, OWN, World, auth

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}


def _page(client: TestClient, world: World, who: str, url: str) -> str:
    r = client.get(url, headers={**auth(world, who), **HTML})
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return r.text


def test_queue_defaults_to_open_items_and_explains_lanes(client: TestClient, world: World) -> None:
    text = _page(client, world, "officer", "/queue")
    status = re.search(r'<select name="status">(.*?)</select>', text, re.S)
    assert status and re.search(r'value="open" selected', status.group(1))
    assert 'id="lane-logic"' in text and "per capacity pool" in text
    assert 'id="cutoffs"' in text and "Red cut-off" in text
    assert "Revenue at risk (KRW)" in text and 'name="declaration"' in text
    body = client.get("/queue", headers=auth(world, "officer"), params={"format": "json"}).json()
    assert body["filters"]["status"] == "open"
    items = body["page"]["items"]
    assert items and all(not i["inspected"] for i in items)
    assert all(i["cause"] for i in items)
    days = {c["day"] for c in body["day_cutoffs"]}
    assert {i["declaration_date"] for i in items} == days


def test_queue_and_declaration_page_show_the_same_cutoffs(client: TestClient, world: World) -> None:
    """Both pages read risk.cutoffs.day_cutoffs: the same pool, slots and cut-offs for the
    day of every item on the queue's first page (tests/risk/test_cutoffs.py has a pool
    with a support centre's items)."""
    h = auth(world, "officer")
    body = client.get("/queue", headers=h, params={"format": "json", "status": "all"}).json()
    by_day = {c["day"]: c for c in body["day_cutoffs"]}
    for item in body["page"]["items"][:3]:
        cut = by_day[item["declaration_date"]]
        decl = client.get(f"/declarations/{item['declaration_id']}", headers=h,
                          params={"format": "json"}).json()  # fmt: skip
        day = decl["items"][item["item_no"] - 1]["why"]["day"]
        assert day["date"] == cut["day"] and day["pool"] == cut["pool"] == OWN
        assert day["cutoff"] == {"red": cut["red_cutoff"], "yellow": cut["yellow_cutoff"]}
        assert day["taken"] == {"red": cut["red"], "yellow": cut["yellow"]}
        assert day["offices"] == cut["offices"] and OWN in cut["offices"]
        assert cut["seen_red"] <= cut["red"] and cut["seen_yellow"] <= cut["yellow"]


def test_queue_declaration_search(client: TestClient, world: World) -> None:
    target = world.own_ids[0]
    body = client.get(
        "/queue",
        headers=auth(world, "officer"),
        params={"format": "json", "declaration": target, "lane": "all", "status": "all"},
    ).json()
    assert {i["declaration_id"] for i in body["page"]["items"]} == {target}
    # another office's declaration is not found through the search of one's own queue
    other = world.other_ids[0]
    body = client.get(
        "/queue",
        headers=auth(world, "officer"),
        params={"format": "json", "declaration": other, "lane": "all", "status": "all"},
    ).json()
    assert body["page"]["total"] == 0


def test_queue_sorts_by_revenue_at_risk(client: TestClient, world: World) -> None:
    body = client.get(
        "/queue",
        headers=auth(world, "officer"),
        params={"format": "json", "sort": "revenue_at_risk", "order": "asc", "status": "all"},
    ).json()
    values = [i["revenue_at_risk"] for i in body["page"]["items"]]
    assert values == sorted(values)


def test_queue_pages_hold_25_rows_unless_asked(client: TestClient, world: World) -> None:
    def page(**params: str) -> dict:
        return client.get(
            "/queue",
            headers=auth(world, "officer"),
            params={"format": "json", "status": "all", "lane": "all", **params},
        ).json()

    default, fifty = page(), page(per_page="50")
    assert default["page"]["total"] > 25, "the test world needs more than a page"
    assert len(default["page"]["items"]) == 25 and default["filters"]["per_page"] == 25
    assert len(fifty["page"]["items"]) == min(50, fifty["page"]["total"])
    assert [i["declaration_id"] for i in fifty["page"]["items"][:25]] == [
        i["declaration_id"] for i in default["page"]["items"]
    ]
    # the pager and sort links keep the chosen size
    text = _page(client, world, "officer", "/queue?per_page=50&status=all&lane=all")
    assert re.search(r'<option value="50" selected>50</option>', text)
    links = re.findall(r'href="(/queue\?[^"]*sort=[^"]*)"', text)
    assert links and all("per_page=50" in link for link in links), links


def test_bad_queue_parameters_list_every_field(client: TestClient, world: World) -> None:
    url = "/queue?page=abc&sort=nope&min_score=x&lane=purple&declaration=a%20b&per_page=30"
    r = client.get(url, headers={**auth(world, "officer"), **JSON})
    assert r.status_code == 422
    fields = {e["loc"][-1] for e in r.json()["detail"]}
    assert fields >= {"page", "sort", "min_score", "lane", "declaration", "per_page"}, fields
    r = client.get(url, headers={**auth(world, "officer"), **HTML})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    listed = re.findall(r"<li><b>([^<]+)</b>", r.text)
    assert set(listed) >= {"page", "sort", "min_score", "lane", "declaration"}, listed
    assert "officer" in r.text  # the page keeps the signed-in header


def test_error_pages_are_html_for_browsers_and_json_for_api(
    client: TestClient, world: World
) -> None:
    h = auth(world, "officer")
    r = client.get("/declarations/NO-SUCH-DECLARATION", headers={**h, **HTML})
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert 'data-status="404"' in r.text
    r = client.get("/declarations/NO-SUCH-DECLARATION", headers={**h, **JSON})
    assert r.status_code == 404 and r.json()["detail"]
    r = client.get("/overview", headers={**h, **HTML})
    assert r.status_code == 403 and 'data-status="403"' in r.text
    r = client.get("/overview", headers={**h, **JSON})
    assert r.status_code == 403 and r.headers["content-type"].startswith("application/json")
    # API paths stay JSON even for a browser
    r = client.get("/api/offices/NOPE/queue", headers={**h, **HTML})
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    r = client.get("/api/offices/40/queue?date_from=2021-13-45&page=abc", headers={**h, **HTML})
    assert r.status_code == 422 and {e["loc"][-1] for e in r.json()["detail"]} >= {
        "date_from",
        "page",
    }


def test_dashboard_office_names_and_hit_rate_counts(client: TestClient, world: World) -> None:
    body = client.get(
        "/dashboard", headers=auth(world, "analyst"), params={"format": "json"}
    ).json()
    assert body["selected_lanes"] == ["red", "yellow", "blue"]
    names = {r["office"]: r["office_name"] for r in body["by_office"]}
    assert names[OWN].startswith("Incheon Airport Main Customs")
    assert "인천공항본부세관" in names[OWN]
    for r in body["by_office"]:
        rate = r["hit_rate"]
        assert rate["inspected"] == r["inspected"] and rate["hits"] == r["hits"]
        if r["inspected"] < body["min_inspections_for_rate"]:
            assert rate["rate"] is None  # no 100 % from one inspection
    text = _page(client, world, "analyst", "/dashboard")
    assert "Incheon Airport Main Customs" in text and 'id="chart-offices"' in text


def test_dashboard_selected_matches_the_queue(client: TestClient, world: World) -> None:
    h = auth(world, "supervisor")
    dash = client.get("/dashboard", headers=h, params={"format": "json"}).json()
    q = client.get(
        "/queue", headers=h, params={"format": "json", "lane": "selected", "status": "all"}
    ).json()
    assert dash["totals"]["selected"] == q["page"]["total"]


def test_officers_see_no_other_office_figures(client: TestClient, world: World) -> None:
    h = auth(world, "officer")
    body = client.get("/dashboard", headers=h, params={"format": "json"}).json()
    assert {r["office"] for r in body["by_office"]} == {OWN}
    assert {r["office"] for r in body["rows"]} == {OWN}
    assert body["series"]["office_labels"] == [f"{OWN} {body['by_office'][0]['office_name']}"]
    r = client.get("/dashboard", headers=h, params={"format": "json", "office": OTHER})
    assert r.status_code == 404
    r = client.get("/api/dashboard", headers=h, params={"office": OTHER})
    assert r.status_code == 404
    for who in ("officer", "supervisor", "officer_other", "supervisor_other", "trader"):
        r = client.get("/overview", headers=auth(world, who), params={"format": "json"})
        assert r.status_code == 403, who


def test_overview_for_headquarters(client: TestClient, world: World) -> None:
    body = client.get("/overview", headers=auth(world, "analyst"), params={"format": "json"}).json()
    known = [o for o in body["offices"] if o["known"]]
    assert len(known) == 34
    by_code = {o["office"]: o for o in body["offices"]}
    assert by_code[OWN]["declarations"] > 0 and by_code[OTHER]["declarations"] > 0
    assert body["totals"]["declarations"] == sum(o["declarations"] for o in body["offices"])
    for o in body["offices"]:
        assert o["backlog"] == sum(o["backlog_by_age"].values())
        assert o["backlog"] <= o["selected"]
    text = _page(client, world, "admin", "/overview")
    assert 'id="overview"' in text and "인천공항본부세관" in text
