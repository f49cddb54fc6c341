from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from opencustoms.cli.hs import app
from opencustoms.hs import index_store
from opencustoms.hs.embed import EMBEDDINGS_DIR, EmbeddingFile, EmbeddingMismatch, load_embeddings
from opencustoms.hs.evaluate import EvalFileError, accuracy, read_cases
from opencustoms.hs.knowledge import load_knowledge
from opencustoms.hs.service import Classifier

runner = CliRunner()


def test_knowledge_base_counts() -> None:
    kb = load_knowledge()
    assert len(kb.subheadings) == 5612
    assert len(kb.headings) == 1229
    assert len(kb.chapters) == 97
    lines = kb.us_lines
    assert len(lines) > 19_000
    assert all(line.hts.startswith(line.hs6) for line in lines)
    beef = kb.subheadings["020130"]
    assert any("Rib cuts" in line.path and "Boneless" in line.path for line in beef.us_lines)
    # HS 2017 smartphones (8517.12) became 8517.13 in HS 2022.
    assert kb.hs2017_to_2022["851712"] == ["851713"]


def test_embedding_manifest_is_checked(tmp_path: Path) -> None:
    target = EmbeddingFile(EMBEDDINGS_DIR, "minilm-headings")
    with pytest.raises(EmbeddingMismatch, match="other texts"):
        load_embeddings(target, texts=["not the headings"])


def test_evaluate_csv_output_format(classifier: Classifier, tmp_path: Path) -> None:
    f = tmp_path / "cases.csv"
    f.write_text(
        "text,expected_hs_code\nfresh boneless beef,0201300600\ncrude petroleum oil,270900\n"
    )
    result = runner.invoke(app, ["evaluate", str(f), "--json"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(last) == {"n", "hs2", "hs4", "hs6", "ms_per_query"}
    assert last["n"] == 2
    for level in ("hs2", "hs4", "hs6"):
        assert set(last[level]) == {"top1", "top5"}
        assert 0.0 <= last[level]["top1"] <= last[level]["top5"] <= 1.0
    assert last["hs2"]["top1"] == 1.0


def test_evaluate_atlas_format(tmp_path: Path) -> None:
    row = {
        "messages": [
            {"role": "user", "content": "What is the HTS US Code for fresh boneless beef?"},
            {"role": "assistant", "content": "HTS US Code -> 0201.30.0600\nReasoning -> 0101.21"},
        ]
    }
    f = tmp_path / "a.jsonl"
    f.write_text(json.dumps(row) + "\n")
    cases = read_cases(f)
    assert cases[0].hs6 == "020130"
    assert "boneless beef" in cases[0].text


def test_evaluate_rejects_bad_files(tmp_path: Path) -> None:
    f = tmp_path / "bad.csv"
    f.write_text("description,code\nbeef,020130\n")
    with pytest.raises(EvalFileError, match="expected_hs_code"):
        read_cases(f)
    g = tmp_path / "bad2.csv"
    g.write_text("text,expected_hs_code\nbeef,0201\n")
    with pytest.raises(EvalFileError, match="6-10 digits"):
        read_cases(g)
    result = runner.invoke(app, ["evaluate", str(f), "--json"])
    assert result.exit_code == 2


def test_accuracy_counts_distinct_prefixes() -> None:
    acc = accuracy([["020130", "020220", "030617"]], ["030617"])
    assert acc["hs6"] == {"top1": 0.0, "top5": 1.0}
    assert acc["hs2"] == {"top1": 0.0, "top5": 1.0}
    assert accuracy([["020130"]], ["020230"])["hs4"]["top1"] == 0.0


def test_suggest_cli_json_and_table(classifier: Classifier) -> None:
    result = runner.invoke(app, ["suggest", "fresh boneless beef", "--top", "3", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert len(rows) == 3 and rows[0]["hs6"] == "020130"
    table = runner.invoke(app, ["suggest", "fresh boneless beef", "--top", "3"])
    assert table.exit_code == 0 and "0201.30" in table.stdout
    bad = runner.invoke(app, ["suggest", "   "])
    assert bad.exit_code == 2


def test_shipped_embeddings_are_float16_and_normalised() -> None:
    for name in ("minilm", "e5"):
        for kind in ("lines", "subheadings", "headings"):
            m = np.load(EMBEDDINGS_DIR / f"{name}-{kind}.npy")
            assert m.dtype == np.float16, (name, kind)
            norms = np.linalg.norm(m.astype(np.float32), axis=1)
            assert np.allclose(norms, 1.0, atol=1e-2), (name, kind)


def test_index_command_builds_the_store_once(
    classifier: Classifier, monkeypatch: pytest.MonkeyPatch
) -> None:
    builds: list[int] = []
    monkeypatch.setattr(index_store, "build_index", lambda: builds.append(1) or classifier.index)
    first = runner.invoke(app, ["index"])
    assert first.exit_code == 0, first.output
    assert "built and written" in first.stdout and builds == [1]
    second = runner.invoke(app, ["index"])
    assert second.exit_code == 0, second.output
    assert "present, loaded" in second.stdout and builds == [1]
