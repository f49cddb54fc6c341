"""The generator: deterministic, in the documented format, with labels and hard negatives,
and an extension point other domains plug into."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opencustoms.errors import InvalidInput
from opencustoms.world.base import GeneratedWorld
from opencustoms.world.format import DECLARATION_COLUMNS, FILES, TABLES
from opencustoms.world.generate import generate

TYPOLOGIES = {
    "export_proceeds_unrepatriated",
    "import_overpayment",
    "over_invoicing",
    "under_invoicing",
    "circular_trade",
    "inflated_exports",
    "hwanchigi",
    "origin_rerouting",
}


def test_same_seed_same_world_other_seed_other_world() -> None:
    a, b, c = (generate(seed=s, scale=0.02) for s in (3, 3, 4))
    for name in FILES:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name])
    assert not a.tables["declarations"]["value"].equals(c.tables["declarations"]["value"])


def test_every_file_has_the_format_columns(world_dir: Path) -> None:
    for name in FILES:
        frame = pd.read_csv(world_dir / f"{name}.csv", nrows=5)
        expected = (
            DECLARATION_COLUMNS
            if name == "declarations"
            else [c.name for c in TABLES[name].columns]
        )
        assert list(frame.columns) == list(expected), name


def test_labels_cover_every_typology_and_hard_negatives_are_innocent(
    small_world: GeneratedWorld,
) -> None:
    labels, negatives = small_world.labels, small_world.hard_negatives
    assert set(labels["typology"]) == TYPOLOGIES
    assert set(negatives["typology"]) == TYPOLOGIES
    truth = set(zip(labels["subject_id"], labels["typology"], strict=True))
    clash = [
        p for p in zip(negatives["subject_id"], negatives["typology"], strict=True) if p in truth
    ]
    assert clash == []


def test_ids_follow_the_documented_scheme(small_world: GeneratedWorld) -> None:
    t = small_world.tables
    assert t["companies"]["company_id"].str.fullmatch(r"(KC|FC)\d{6}").all()
    assert t["persons"]["person_id"].str.fullmatch(r"P\d{7}").all()
    assert t["declarations"]["declaration_id"].str.fullmatch(r"D\d{8}").all()
    assert t["fx_settlements"]["settlement_id"].is_unique
    assert t["va_transfers"]["tx_id"].is_unique
    kr = t["companies"][t["companies"]["country"] == "KR"]
    assert kr["registration_no"].map(lambda v: bool(re.fullmatch(r"\d{3}-\d{2}-\d{5}", v))).all()


def test_extension_point_adds_rows_labels_and_fresh_ids() -> None:
    def screening(world: GeneratedWorld, rng: np.random.Generator, scale: float) -> None:
        person = world.tables["persons"]["person_id"].iloc[0]
        world.add_rows(
            "sanctions", pd.DataFrame({"entity_id": ["S1"], "name": ["X"], "person": [person]})
        )
        world.label([person], "sanctions_hit")
        new = world.new_ids("P", 1)[0]
        assert new not in set(world.tables["persons"]["person_id"])

    world = generate(seed=3, scale=0.02, extensions=(screening,))
    assert len(world.tables["sanctions"]) == 1
    assert "sanctions_hit" in set(world.labels["typology"])


def test_bad_scale_is_refused() -> None:
    with pytest.raises(InvalidInput, match="scale"):
        generate(seed=1, scale=0)
