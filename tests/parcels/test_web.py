"""Web face of the parcels: upload -> queue -> detail -> inspection result, office
isolation for officers and PCCC isolation for traders."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from opencustoms.parcels.generator import generate
from opencustoms.settings import get_settings

OWN, OTHER = "40", "20"
PASSWORD = "test-password-1"


@dataclass
class Site:
    client: TestClient
    tokens: dict[str, str]
    manifest: bytes
    own_pccc: str

    def h(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def manifest_bytes() -> tuple[bytes, str]:
    """A small generated manifest; half the parcels at office OWN, half at OTHER."""
    m, _ = generate(days=2, parcels_per_day=600, seed=31)
    m = m.astype(object)
    m["office_code"] = [OWN if i % 2 == 0 else OTHER for i in range(len(m))]
    own_pccc = str(m.loc[0, "recipient_pccc"])
    buf = io.StringIO()
    m.to_csv(buf, index=False)
    return buf.getvalue().encode(), own_pccc


@pytest.fixture
def site() -> Iterator[Site]:
    from opencustoms.db import get_engine
    from opencustoms.web.app import create_app
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.sessions import issue_token
    from opencustoms.workspace.users import create_user, prepare_database

    settings = get_settings()
    data, pccc = manifest_bytes()
    with TestClient(create_app(settings)) as client:
        engine = get_engine(settings.resolved_database_url)
        prepare_database(engine)
        tokens = {}
        people = {
            "officer": ("officer", OWN, None),
            "officer_other": ("officer", OTHER, None),
            "trader": ("trader", OWN, pccc),
            "admin": ("admin", "10", None),
        }
        for name, (role, office, trader) in people.items():
            user = create_user(
                engine=engine,
                data=UserCreate(username=name, password=PASSWORD, role=role, office=office,
                                trader_id=trader),  # type: ignore[arg-type]
            )  # fmt: skip
            tokens[name], _ = issue_token(engine=engine, user=user)
        yield Site(client, tokens, data, pccc)


def upload(site: Site, who: str = "officer") -> dict:  # type: ignore[type-arg]
    res = site.client.post(
        "/api/parcels/manifests",
        headers=site.h(who),
        files={"file": ("manifest.csv", site.manifest, "text/csv")},
    )
    assert res.status_code == 200, res.text
    return res.json()


def test_upload_queue_detail_inspection(site: Site) -> None:
    out = upload(site)
    assert out["input"] == out["stored"] + out["quarantined"] + out["duplicates"]
    assert out["screening"]["screened"] == out["stored"]
    queue = site.client.get("/api/parcels/queue", headers=site.h("officer"))
    assert queue.status_code == 200
    items = queue.json()["items"]
    assert items and {i["office_code"] for i in items} == {OWN}
    flagged = site.client.get(
        "/api/parcels/queue", headers=site.h("officer"), params={"decision": "pay_duty"}
    ).json()["items"]
    assert flagged and all(i["decision"] == "pay_duty" for i in flagged)
    pid = items[0]["parcel_id"]
    detail = site.client.get(f"/api/parcels/{pid}", headers=site.h("officer")).json()
    assert detail["decision"]["reasons"] is not None
    res = site.client.post(
        f"/api/parcels/{pid}/inspection",
        headers=site.h("officer"),
        json={"outcome": "confirmed", "typologies": ["split_shipment"], "note": "two boxes"},
    )
    assert res.status_code == 200, res.text
    again = site.client.get(f"/api/parcels/{pid}", headers=site.h("officer")).json()
    assert again["inspections"][0]["typologies"] == "split_shipment"
    bad = site.client.post(
        f"/api/parcels/{pid}/inspection", headers=site.h("officer"), json={"outcome": "maybe"}
    )
    assert bad.status_code == 422


def test_officer_sees_only_own_office(site: Site) -> None:
    upload(site)
    other = site.client.get("/api/parcels/queue", headers=site.h("officer_other")).json()["items"]
    assert other and {i["office_code"] for i in other} == {OTHER}
    denied = site.client.get(
        "/api/parcels/queue", headers=site.h("officer"), params={"office": OTHER}
    )
    assert denied.status_code in (403, 404)
    pid = other[0]["parcel_id"]
    assert site.client.get(f"/api/parcels/{pid}", headers=site.h("officer")).status_code == 404
    write = site.client.post(
        f"/api/parcels/{pid}/inspection", headers=site.h("officer"), json={"outcome": "cleared"}
    )
    assert write.status_code == 404


def test_trader_sees_only_own_pccc(site: Site) -> None:
    upload(site, "admin")
    mine = site.client.get(f"/api/parcels/pccc/{site.own_pccc}/history", headers=site.h("trader"))
    assert mine.status_code == 200 and mine.json()["parcels"]
    other = site.client.get("/api/parcels/pccc/P000000000001/history", headers=site.h("trader"))
    assert other.status_code == 404
    assert site.client.get("/api/parcels/queue", headers=site.h("trader")).status_code == 403
    up = site.client.post(
        "/api/parcels/manifests",
        headers=site.h("trader"),
        files={"file": ("m.csv", site.manifest, "text/csv")},
    )
    assert up.status_code == 403


def test_upload_refuses_other_file_types(site: Site) -> None:
    res = site.client.post(
        "/api/parcels/manifests",
        headers=site.h("officer"),
        files={"file": ("m.txt", b"hello", "text/plain")},
    )
    assert res.status_code == 422
