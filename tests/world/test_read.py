"""Reading a world folder: validation, quarantine with reasons, nothing lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from opencustoms.errors import InvalidInput
from opencustoms.world.read import read_world


@pytest.fixture()
def broken(world_dir: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "w"
    shutil.copytree(world_dir, folder)
    return folder


def _edit(folder: Path, name: str, edit) -> int:  # type: ignore[no-untyped-def]
    frame = pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
    frame = edit(frame)
    frame.to_csv(folder / f"{name}.csv", index=False)
    return len(frame)


def test_clean_world_is_kept_whole(world_dir: Path) -> None:
    w = read_world(world_dir)
    for r in w.results.values():
        assert r.balanced and r.quarantined == 0 and r.duplicates == 0


def test_bad_values_are_quarantined_with_reasons_and_nothing_is_lost(broken: Path) -> None:
    def settlements(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[0, "amount"] = "-5"
        f.loc[1, "currency"] = "XXZ"
        f.loc[2, "direction"] = "sideways"
        f.loc[3, "date"] = "2024-02-30"
        return pd.concat([f, f.iloc[[10]]], ignore_index=True)  # an exact re-delivery

    def declarations(f: pd.DataFrame) -> pd.DataFrame:
        f.loc[0, "hs_code"] = "7705"
        f.loc[1, "counterparty_country"] = "ZZZ"
        dup = f.iloc[[5]].copy()
        dup["value"] = "1"  # same key, other content
        return pd.concat([f, dup], ignore_index=True)

    n_s = _edit(broken, "fx_settlements", settlements)
    n_d = _edit(broken, "declarations", declarations)
    w = read_world(broken)
    s, d = w.results["fx_settlements"], w.results["declarations"]
    assert s.input == n_s and s.balanced and s.quarantined == 4 and s.duplicates == 1
    assert d.input == n_d and d.balanced and d.quarantined == 3
    reasons = {tuple(r["field"] for r in json.loads(x)) for x in s.quarantine["reasons"]}
    assert reasons == {("amount",), ("currency",), ("direction",), ("date",)}
    fields = [json.loads(x)[0]["field"] for x in d.quarantine["reasons"]]
    assert sorted(fields) == ["counterparty_country", "declaration_id", "hs_code"]
    raw = json.loads(s.quarantine["raw"].iloc[0])
    assert raw["amount"] == "-5"  # the row as delivered


def test_ragged_and_non_utf8_lines_are_quarantined(broken: Path) -> None:
    path = broken / "wallets.csv"
    lines = path.read_bytes().splitlines()
    lines[1] = lines[1] + b",extra,fields"
    lines[2] = lines[2].replace(b"W", b"\xff", 1)
    path.write_bytes(b"\n".join(lines) + b"\n")
    r = read_world(broken).results["wallets"]
    assert r.balanced and r.quarantined == 2
    problems = sorted(json.loads(x)[0]["problem"] for x in r.quarantine["reasons"])
    assert problems == ["not valid UTF-8", "wrong number of fields"]


def test_missing_file_or_column_makes_the_folder_unusable(broken: Path) -> None:
    (broken / "wallets.csv").unlink()
    with pytest.raises(InvalidInput, match=r"wallets.csv: missing"):
        read_world(broken)
    shutil.copy(broken / "links.csv", broken / "wallets.csv")
    with pytest.raises(InvalidInput, match=r"wallets.csv: wallet_id: required column missing"):
        read_world(broken)


def test_parquet_is_read_like_csv(broken: Path) -> None:
    frame = pd.read_csv(broken / "links.csv", dtype=str)
    (broken / "links.csv").unlink()
    frame.to_parquet(broken / "links.parquet")
    assert read_world(broken).results["links"].kept == len(frame)
