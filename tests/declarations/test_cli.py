"""`opencustoms declarations ...`: the JSON contract and unusable files (one-line error,
non-zero exit, nothing written)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from opencustoms.cli.main import app
from opencustoms.db import make_engine
from opencustoms.settings import BUNDLED_DATA_DIR, get_settings

KCS_VALID = BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv"


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    return database_url


def tables(url: str) -> list[str]:
    engine = make_engine(url)
    try:
        return sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_ingest_json_summary_and_quarantine(cli_db: str, tmp_path: Path) -> None:
    lines = KCS_VALID.read_text().splitlines()[:101]
    cells = lines[4].split(",")
    cells[14] = "XX"  # Country of Origin of data row 4
    lines[4] = ",".join(cells)
    path = tmp_path / "few.csv"
    path.write_text("\n".join(lines) + "\n")
    runner = CliRunner()
    result = runner.invoke(app, ["declarations", "ingest", str(path), "--profile", "kcs", "--json"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.stdout.strip().splitlines()[-1])
    assert last == {"input": 100, "stored": 99, "quarantined": 1, "duplicates": 0}
    result = runner.invoke(app, ["declarations", "quarantine"])
    assert result.exit_code == 0
    assert f"{path}:4" in result.stdout and "country code" in result.stdout
    result = runner.invoke(app, ["declarations", "summary", "--json"])
    assert json.loads(result.stdout)["total"] == 99


def test_profiles_lists_the_kcs_mapping() -> None:
    result = CliRunner().invoke(app, ["declarations", "profiles"])
    assert result.exit_code == 0
    assert "'HS6 Code' -> hs_code" in result.stdout and "canonical:" in result.stdout


def test_progress_goes_to_stderr_and_json_stays_last(cli_db: str) -> None:
    result = CliRunner().invoke(
        app, ["declarations", "ingest", str(KCS_VALID), "--progress", "--json"]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout.strip().splitlines() == [
        '{"input": 8134, "stored": 8134, "quarantined": 0, "duplicates": 0}'
    ]


def not_csv(tmp: Path) -> Path:
    path = tmp / "image.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    return path


def missing_column(tmp: Path) -> Path:
    lines = KCS_VALID.read_text().splitlines()[:50]
    path = tmp / "no_hs.csv"
    path.write_text(
        "\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != 12) for line in lines)
        + "\n"
    )
    return path


def fake_parquet(tmp: Path) -> Path:
    path = tmp / "x.parquet"
    path.write_text("declaration_id,declaration_date\n1,2020-01-01\n")
    return path


def other_extension(tmp: Path) -> Path:
    path = tmp / "data.xlsx"
    path.write_bytes(b"PK\x03\x04")
    return path


def repeated_header(tmp: Path) -> Path:
    path = tmp / "twice.csv"
    lines = KCS_VALID.read_text().splitlines()[:3]
    path.write_text("\n".join(f"{line},{line.split(',')[0]}" for line in lines) + "\n")
    return path


def empty(tmp: Path) -> Path:
    path = tmp / "empty.csv"
    path.write_bytes(b"")
    return path


@pytest.mark.parametrize(
    ("make", "args", "expected"),
    [
        (not_csv, [], "not a CSV file"),
        (missing_column, [], "missing required column(s) HS6 Code for profile 'kcs'"),
        (
            lambda tmp: KCS_VALID,
            ["--profile", "canonical"],
            "missing required column(s) "
            "declaration_id, declaration_date, office_id, hs_code for profile 'canonical'",
        ),
        (lambda tmp: KCS_VALID, ["--profile", "nope"], "unknown profile 'nope'"),
        (fake_parquet, [], "not a Parquet file"),
        (other_extension, [], "unsupported file type '.xlsx'"),
        (empty, [], "empty file"),
        (repeated_header, [], "CSV header repeats column(s) Declaration ID"),
        (lambda tmp: tmp / "absent.csv", [], "no such file"),
    ],
)
def test_unusable_file_one_line_error_and_nothing_written(
    cli_db: str,
    tmp_path: Path,
    make,
    args: list[str],
    expected: str,  # type: ignore[no-untyped-def]
) -> None:
    path = make(tmp_path)
    result = CliRunner().invoke(app, ["declarations", "ingest", str(path), *args, "--json"])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: ") and expected in result.stderr
    assert tables(cli_db) == []  # not even the schema was created
