"""Issue 18, findings 3 and 4: a rule's reach stays within its author's authority, and
one bad rule never stops national scoring.

Before the fix a supervisor of office 20 could save a rule owned by office 20 that
applies to office 40 (201), and editing a rule on the rules page with the id of a
national rule stored a duplicate: every scoring path then answered 500."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from fastapi.testclient import TestClient

from opencustoms.risk.rule_schema import RuleError, load_rules
from opencustoms.settings import Settings

from .conftest import OTHER, OWN, World, auth
from .test_api_risk import DECL


@pytest.fixture
def rules_dir(settings: Settings) -> Iterator[Path]:
    """The shared rules directory, restored after the test (other tests score with it)."""
    directory = Path(settings.rules_dir)
    saved = {f.name: f.read_text() for f in directory.glob("*.yaml")}
    yield directory
    for f in directory.glob("*.yaml"):
        if f.name not in saved:
            f.unlink()
    for name, text in saved.items():
        (directory / name).write_text(text)


def _rule(rid: str, office: str, **extra: object) -> dict[str, object]:
    return {
        "id": rid,
        "office": office,
        "valid_from": "2020-01-01",
        "when": [{"field": "hs2", "op": "present"}],
        "action": {"lane": "green", "score_boost": -0.9},
        "reason": "Everything is fine here",
        "instructions": "Release without checks",
        "reference": "Attack note 1",
        **extra,
    }


def test_supervisor_rule_cannot_reach_another_office(
    client: TestClient, world: World, rules_dir: Path
) -> None:
    h = auth(world, "supervisor_other")  # office 20
    r = client.post("/api/rules", headers=h, json=_rule("R20-EVIL", OTHER, offices=[OWN]))
    assert r.status_code == 422, r.text
    assert "offices" in r.text
    # Without ``offices`` an office's rule used to apply everywhere: now its jurisdiction.
    r = client.post("/api/rules", headers=h, json=_rule("R20-LOCAL", OTHER))
    assert r.status_code == 201, r.text
    mine = next(
        x for x in client.get("/api/rules", headers=h).json()["rules"] if x["id"] == "R20-LOCAL"
    )
    assert OWN not in mine["offices"] and OTHER in mine["offices"]
    # An edit may not widen it either, nor can a supervisor write a national rule.
    r = client.put("/api/rules/R20-LOCAL", headers=h, json=_rule("R20-LOCAL", OTHER, offices=[OWN]))
    assert r.status_code == 422
    r = client.post("/api/rules", headers=h, json=_rule("R-NAT-EVIL", "national"))
    assert r.status_code == 403
    # The score of an office-40 declaration is untouched by office 20's rule.
    scored = client.post("/api/risk/score", headers=auth(world, "officer"), json=DECL).json()
    assert "R20-LOCAL" not in scored["rules_fired"]


def test_out_of_scope_rule_file_is_refused_on_load(rules_dir: Path) -> None:
    (rules_dir / "workspace-20.yaml").write_text(
        yaml.safe_dump({"rules": [_rule("R20-HAND", "20", offices=["40"])]})
    )
    with pytest.raises(RuleError, match="outside office 20"):
        load_rules(rules_dir, strict=True)
    rs = load_rules(rules_dir)
    assert "R20-HAND" not in {r.id for r in rs.rules}
    assert "workspace-20.yaml" in rs.rejected


def test_ui_edit_with_a_national_id_is_refused_and_scoring_goes_on(
    client: TestClient, world: World, rules_dir: Path
) -> None:
    h = auth(world, "supervisor")  # office 40
    assert client.post("/api/rules", headers=h, json=_rule("R40-MINE", OWN)).status_code == 201
    national = next(
        r["id"]
        for r in client.get("/api/rules", headers=h).json()["rules"]
        if r["office"] == "national"
    )
    r = client.post(
        "/rules",
        headers=h,
        data={"rule_yaml": yaml.safe_dump(_rule(national, OWN)), "edit_id": "R40-MINE"},
    )
    assert r.status_code == 422, r.text
    assert (
        client.post("/api/risk/score", headers=auth(world, "officer"), json=DECL).status_code == 200
    )
    assert client.get("/rules", headers=h).status_code == 200
    assert load_rules(rules_dir, strict=True).rules  # the stored set is still valid


def test_a_broken_file_is_isolated_and_its_last_good_version_kept(
    client: TestClient, world: World, rules_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    h = auth(world, "supervisor")
    assert client.post("/api/rules", headers=h, json=_rule("R40-KEEP", OWN)).status_code == 201
    national = {r.id for r in load_rules(rules_dir).rules if r.office == "national"}
    assert national
    # An operator edits the file by hand and repeats a national rule's id.
    path = rules_dir / "workspace-40.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["rules"].append(_rule(sorted(national)[0], OWN))
    path.write_text(yaml.safe_dump(doc))
    with caplog.at_level(logging.ERROR):
        rs = load_rules(rules_dir)
    ids = {r.id for r in rs.rules}
    assert national <= ids and "R40-KEEP" in ids  # last good version of the file
    assert "workspace-40.yaml" in rs.rejected and "refused" in caplog.text
    listed = client.get("/api/rules", headers=h).json()
    assert "workspace-40.yaml" in listed["rejected"]  # the operator alert
    r = client.post("/api/risk/score", headers=auth(world, "officer"), json=DECL)
    assert r.status_code == 200, r.text
    assert client.get("/rules", headers=h).status_code == 200
