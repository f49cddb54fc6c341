"""The officer's declaration page (issue 19 items 1, 3, 4), HTML and JSON of one route:
the decision first with what put the item in its lane, declared data decoded in reading
order, the price benchmark or the sentence saying there are too few peers, an inspection
form with no default outcome that is submitted once, and a lane override that survives a
validation error and updates the decision card without a reload."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from .conftest import World, auth

HX = {"HX-Request": "true"}


def _page(client: TestClient, world: World, decl: str, user: str = "officer") -> str:
    r = client.get(f"/declarations/{decl}", headers={**auth(world, user), "Accept": "text/html"})
    assert r.status_code == 200, r.text
    return r.text


def _json(client: TestClient, world: World, decl: str, user: str = "officer") -> dict:
    r = client.get(f"/declarations/{decl}", headers=auth(world, user), params={"format": "json"})
    assert r.status_code == 200, r.text
    return r.json()


def test_decision_leads_the_page(client: TestClient, world: World) -> None:
    decl = world.own_ids[5]
    item = _json(client, world, decl)["items"][0]
    why = item["why"]
    assert why["lane"] == item["assessment"]["lane"]
    assert why["headline"].startswith(why["lane"] + ":")
    assert why["cause"] in ("rule", "capacity", "exploration", "score", "revenue", "below")
    day = why["day"]
    assert day["office_id"] == "40" and day["decisions"] >= 1 and 0 <= day["percentile"] <= 1
    assert set(day["cutoff"]) == {"red", "yellow"}  # blue goes by revenue, not by score
    html = _page(client, world, decl)
    # The decision card comes before the declared data, and its lane cause is written out.
    assert html.index('id="decision-1"') < html.index('id="declared-title-1"')
    assert why["headline"].split(":")[0] in html
    assert f"office {day['office_id']} on {day['date']}" in html


def test_factors_show_direction_and_size(client: TestClient, world: World) -> None:
    # An item the engine explained (red/yellow/blue items always are).
    for decl in world.own_ids:
        item = _json(client, world, decl)["items"][0]
        if item["why"] and item["why"]["factors"]:
            break
    else:
        raise AssertionError("no explained item in the test world")
    html = _page(client, world, decl)
    for f in item["why"]["factors"]:
        assert f["direction"] in ("raises", "lowers")
        assert f["strength"] in ("strongly", "moderately", "slightly")
        assert f"{f['direction']} risk {f['strength']}" in html
    assert html.count('class="factor raises"') + html.count('class="factor lowers"') == len(
        item["why"]["factors"]
    )


def test_declared_data_is_decoded_in_reading_order(client: TestClient, world: World) -> None:
    decl = world.own_ids[5]
    item = _json(client, world, decl)["items"][0]
    titles = [s["title"] for s in item["sections"]]
    order = ["Declaration", "Parties", "Goods", "Origin and route", "Values and duty"]
    assert titles == [t for t in order if t in titles] and "Goods" in titles
    fields = {f["name"]: f for s in item["sections"] for f in s["fields"]}
    assert fields["office_id"]["text"] == "Incheon Airport Main Customs (40)"
    price = item["declaration"]["item_price_krw"]
    assert fields["item_price_krw"]["text"] == f"{price:,.0f} KRW"
    assert re.fullmatch(r"[\w ]+ \(code \d+\)", fields["transport_mode"]["text"])
    assert fields["hs_code"]["meaning"]  # HS 2022 description
    html = _page(client, world, decl)
    declared = html[html.index('id="declared-title-1"') : html.index('id="bench-title-1"')]
    shown = re.sub(r'data-field="\w+"', "", declared)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", shown)  # no snake_case field names
    assert "Country of origin" in declared and "KRW" in declared


def test_benchmark_chart_or_too_few_peers(client: TestClient, world: World) -> None:
    seen = set()
    for decl in world.own_ids[:60]:
        item = _json(client, world, decl)["items"][0]
        b = item["benchmark"]
        html = _page(client, world, decl) if len(seen) < 2 else ""
        if b["n"] >= b["min_peers"] and b["counts"]:
            assert sum(b["counts"]) == b["n"] and b["unit"] == "KRW/kg"
            if html:
                assert 'class="chart benchmark-chart"' in html and "comparable declarations" in html
            seen.add("chart")
        elif b["value"] is not None:
            if html:
                assert "Too few comparable declarations" in html
                assert "benchmark-chart" not in html
            seen.add("few")
        if seen == {"chart", "few"}:
            break
    assert "chart" in seen


def _form(client: TestClient, world: World, decl: str, data: dict, user: str = "officer"):
    return client.post(
        f"/declarations/{decl}/inspection", headers={**auth(world, user), **HX}, data=data
    )


def test_inspection_form_has_no_default_and_speaks_in_words(
    client: TestClient, world: World
) -> None:
    decl = world.own_ids[6]
    html = _page(client, world, decl)
    form = html[html.index('id="inspection-1"') :]
    assert 'name="fraud" value="0">' in form and 'name="fraud" value="1">' in form  # unchecked
    r = _form(client, world, decl, {"additional_duty": "12,500", "note": "seal broken"})
    assert r.status_code == 422
    assert "Choose an outcome" in r.text
    assert 'value="12,500"' in r.text and "seal broken</textarea>" in r.text  # values kept
    r = _form(client, world, decl, {"fraud": "0", "additional_duty": "5000", "critical": "1"})
    assert r.status_code == 422
    assert "Additional duty can only be recorded with &#39;fraud found&#39;" in r.text
    assert "A critical fraud must also be recorded" in r.text
    assert 'value="0" checked' in r.text and 'value="5000"' in r.text
    r = _form(client, world, decl, {"fraud": "1", "additional_duty": "abc"})
    assert r.status_code == 422 and "&#39;abc&#39; is not a number" in r.text


def test_inspection_is_recorded_once(client: TestClient, world: World, settings) -> None:
    from opencustoms.db import get_engine
    from opencustoms.risk.models import risk_inspections

    decl = world.own_ids[7]
    r = _form(client, world, decl, {"fraud": "1", "additional_duty": "250000", "note": "cartons"})
    assert r.status_code == 200, r.text
    # The form turned into the stored result: outcome, duty, note, officer and time.
    assert "<form" not in r.text and 'id="inspection-result-1"' in r.text
    assert "fraud found" in r.text and "250,000 KRW" in r.text and "cartons" in r.text
    assert re.search(r"officer, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", r.text)
    again = _form(client, world, decl, {"fraud": "0"})
    assert again.status_code == 200 and "it was not changed" in again.text
    engine = get_engine(settings.resolved_database_url)
    with engine.connect() as conn:
        n = conn.execute(
            select(func.count()).where(risk_inspections.c.declaration_id == decl)
        ).scalar_one()
    assert n == 1
    # Analysts read the result; they get no form and may not post one.
    html = _page(client, world, decl, "analyst")
    assert 'id="inspection-result-1"' in html and "Record result" not in html
    assert _form(client, world, decl, {"fraud": "1"}, user="analyst").status_code == 403


def test_analyst_sees_no_form_before_a_result(client: TestClient, world: World) -> None:
    html = _page(client, world, world.own_ids[8], "analyst")
    assert (
        "No inspection result recorded yet" in html
        and "<form hx-post" not in html.split('id="inspection-1"')[1].split("</section>")[0]
    )


def test_lane_override_survives_errors_and_updates_the_card(
    client: TestClient, world: World
) -> None:
    decl = world.own_ids[9]
    lane = _json(client, world, decl, "supervisor")["items"][0]["assessment"]["lane"]
    html = _page(client, world, decl, "supervisor")
    assert f'<option value="{lane}" selected>{lane} (current)</option>' in html
    new = "red" if lane != "red" else "yellow"
    h = {**auth(world, "supervisor"), **HX}
    r = client.post(f"/declarations/{decl}/lane", headers=h, data={"lane": new, "reason": "tip"})
    assert r.status_code == 422
    assert "at least 5 characters" in r.text and 'value="tip"' in r.text
    assert f'<option value="{new}" selected>' in r.text and "<form" in r.text
    r = client.post(
        f"/declarations/{decl}/lane", headers=h, data={"lane": new, "reason": "Intelligence tip"}
    )
    assert r.status_code == 200
    assert f"Lane set to {new} (was {lane})" in r.text
    assert 'id="decision-1" hx-swap-oob="true"' in r.text
    assert f'<span class="lane lane-{new}" id="lane-1">{new}</span>' in r.text
    assert "set by supervisor supervisor" in r.text
    assert f'<option value="{new}" selected>{new} (current)</option>' in r.text
    # Without HTMX a bad form is the whole page again, with the entered values.
    r = client.post(
        f"/declarations/{decl}/lane",
        headers={**auth(world, "supervisor"), "Accept": "text/html"},
        data={"lane": "purple", "reason": "Intelligence tip"},
    )
    assert (
        r.status_code == 422 and "Choose a lane" in r.text and 'value="Intelligence tip"' in r.text
    )
