"""Issue 18, finding 11: bad query parameters answer 422 naming the field, never 500."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from opencustoms.settings import Settings

from .conftest import OWN, World, auth
from .test_api_risk import DECL


@pytest.fixture
def lenient(settings: Settings) -> Iterator[TestClient]:
    from opencustoms.web.app import create_app

    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/queue?sort=x", "sort"),
        ("/queue?min_score=abc", "min_score"),
        ("/queue?page=1e23", "page"),
        ("/queue?page=100000000000000000000000", "page"),
        ("/audit?page=1e23", "page"),
        ("/audit?page=100000000000000000000000", "page"),
        (f"/api/offices/{OWN}/queue?date_from=2021-02-30", "date_from"),
    ],
)
def test_bad_query_parameters_are_422(
    lenient: TestClient, world: World, path: str, field: str
) -> None:
    who = "admin" if path.startswith("/audit") else "officer"
    r = lenient.get(path, headers={**auth(world, who), "Accept": "application/json"})
    assert r.status_code == 422, (path, r.status_code, r.text[:300])
    assert field in r.text


@pytest.mark.parametrize("value", [1e308, -1e308, 1.7976931348623157e308])
def test_extreme_floats_on_score_are_422(lenient: TestClient, world: World, value: float) -> None:
    r = lenient.post(
        "/api/risk/score", headers=auth(world, "officer"), json={**DECL, "item_price_krw": value}
    )
    assert r.status_code in (200, 422), (r.status_code, r.text[:300])


def test_json_nan_is_quarantined_like_inf(client: TestClient, world: World) -> None:
    from opencustoms.web.routes.declarations import EXAMPLE_RECORD

    base = {**EXAMPLE_RECORD, "office_id": OWN}
    body = (
        '{"records": ['
        + ",".join(
            __import__("json")
            .dumps({**base, "declaration_id": f"NAN-18-{i}"})
            .replace('"net_mass_kg": 12.5', f'"net_mass_kg": {v}')
            for i, v in enumerate(["NaN", "Infinity"])
        )
        + "]}"
    )
    r = client.post(
        "/api/declarations",
        content=body,
        headers={**auth(world, "officer"), "Content-Type": "application/json"},
    )
    assert r.status_code == 200, r.text
    summary = r.json()["summary"]
    assert summary["stored"] == 0 and summary["quarantined"] == 2, summary


def test_ids_beyond_64_bits_are_422(lenient: TestClient, world: World) -> None:
    # found by schemathesis on /screening/matches/{id}: the driver's OverflowError was a 500
    r = lenient.get("/screening/matches/9223372036854775808", headers=auth(world, "analyst"))
    assert r.status_code in (404, 422), (r.status_code, r.text[:200])


def test_security_headers(client: TestClient) -> None:
    r = client.get("/login")
    csp = r.headers["content-security-policy"]
    assert "object-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cross-origin-opener-policy"] == "same-origin"
