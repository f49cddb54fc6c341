"""The drift watch in the web face: API (JSON) and page (HTML)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from .conftest import World, auth


def test_drift_api_and_page(client: TestClient, world: World) -> None:
    res = client.get("/api/risk/drift", headers=auth(world, "admin"), params={"weeks": 4})
    assert res.status_code == 200, res.text
    report = res.json()
    assert set(report) == {"model_version", "reference", "weeks", "alerts"}
    for row in report["weeks"]:
        assert {"week", "office", "psi", "found", "inspected", "alert"} <= set(row)
    assert all(a["alert"] in ("retrain", "review") for a in report["alerts"])
    page = client.get("/drift", headers=auth(world, "admin"))
    assert page.status_code == 200 and "Drift watch" in page.text
    assert (
        client.get("/api/risk/drift", headers=auth(world, "admin"), params={"weeks": 0}).status_code
        == 422
    )
