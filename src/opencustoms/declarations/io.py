"""Reading declaration files (CSV, Parquet, JSON Lines) into canonical columns.

``load_frame`` is the fast, vectorised path used by model training and batch scoring
(no database). Ingestion into the store validates row by row on top of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from opencustoms.declarations.jsonl import json_tables
from opencustoms.declarations.profiles import Profile, get_profile
from opencustoms.declarations.schema import FIELD_NAMES, REQUIRED_FIELDS, python_type
from opencustoms.declarations.types import check_hs_code
from opencustoms.errors import InvalidInput


class UnusableFileError(InvalidInput):
    """The file as a whole cannot be read (format, profile or required column)."""

    def __init__(self, message: str) -> None:
        super().__init__("file", message)
        self.args = (message,)  # the message starts with the file's path


def file_format(path: Path) -> str:
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix == ".gz" else path.suffix.lower()
    formats = {
        ".csv": "csv",
        ".parquet": "parquet",
        ".pq": "parquet",
        ".jsonl": "jsonl",
        ".ndjson": "jsonl",
        ".csv.gz": "csv",
        ".jsonl.gz": "jsonl",
    }
    if suffix not in formats:
        raise UnusableFileError(
            f"{path}: unsupported file type {suffix or '(none)'!r}; "
            "expected .csv, .parquet or .jsonl"
        )
    return formats[suffix]


def csv_as_text(path: Path) -> pacsv.ConvertOptions:
    """Every column of a CSV file read as text (header from its first block only), the
    same for the whole-file and the streamed reader so both passes see the same values."""
    with pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16)) as reader:
        header = reader.schema.names
    return pacsv.ConvertOptions(
        column_types={c: pa.string() for c in header}, strings_can_be_null=True
    )


def read_raw(path: Path) -> pa.Table:
    """Read a file with every column as text (CSV/JSONL) so nothing is coerced silently;
    JSON Lines as ``iter_raw`` streams it (``jsonl.json_tables``), so both give one frame."""
    path = Path(path)
    if not path.is_file():
        raise UnusableFileError(f"{path}: no such file")
    fmt = file_format(path)
    try:
        if fmt == "parquet":
            return pq.read_table(path)
        if fmt == "jsonl":
            tables = list(json_tables(path))
            return pa.concat_tables(tables) if tables else pa.table({})
        return pacsv.read_csv(path, convert_options=csv_as_text(path))
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError) as exc:
        raise UnusableFileError(f"{path}: not a readable {fmt} file ({exc})") from exc


def iter_raw(path: Path, *, batch_rows: int) -> Iterator[pa.Table]:
    """``read_raw`` in tables of ``batch_rows`` rows (the last may be shorter; an empty
    file gives one empty table), so a large file is never in memory whole: Parquet and CSV
    by Arrow's readers, JSON Lines by chunks of ``jsonl.CHUNK_BYTES`` (``json_tables``).
    The boundaries depend only on ``batch_rows``, so two passes see the same tables."""
    path = Path(path)
    if not path.is_file():
        raise UnusableFileError(f"{path}: no such file")
    fmt = file_format(path)
    try:
        if fmt == "parquet":
            source = pq.ParquetFile(path)
            schema = source.schema_arrow
            batches: Iterator[pa.RecordBatch] = source.iter_batches(batch_size=batch_rows)
        elif fmt == "csv":
            reader = pacsv.open_csv(path, convert_options=csv_as_text(path))
            schema, batches = reader.schema, iter(reader)
        else:
            tables = json_tables(path)
            head = next(tables, pa.table({}))
            schema = head.schema
            batches = _json_batches(head, tables)
        pending: list[pa.RecordBatch] = []
        held = 0
        first = True
        for batch in batches:  # a reader error mid-file surfaces here
            pending.append(batch)
            held += batch.num_rows
            while held >= batch_rows:
                table = pa.Table.from_batches(pending, schema=schema)
                yield table.slice(0, batch_rows)
                rest = table.slice(batch_rows)
                pending, held, first = rest.to_batches(), rest.num_rows, False
        if held or first:
            yield pa.Table.from_batches(pending, schema=schema)
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError) as exc:
        raise UnusableFileError(f"{path}: not a readable {fmt} file ({exc})") from exc


def _json_batches(head: pa.Table, rest: Iterator[pa.Table]) -> Iterator[pa.RecordBatch]:
    yield from head.to_batches()
    for table in rest:
        yield from table.to_batches()


def check_columns(columns: list[str], profile: Profile, *, source: str = "input") -> None:
    """Refuse a file that lacks a column the profile maps to a required field."""
    missing = [
        src
        for src, dst in profile.columns.items()
        if dst in REQUIRED_FIELDS and src not in columns and dst not in profile.constants
    ]
    if missing:
        raise UnusableFileError(
            f"{source}: missing required column(s) {', '.join(missing)} for profile "
            f"{profile.name!r}"
        )


def rename_columns(raw: pd.DataFrame, profile: Profile) -> pd.DataFrame:
    """The profile's source columns present in ``raw``, renamed to canonical fields, plus
    the profile's constants; absent fields stay absent."""
    present = {src: dst for src, dst in profile.columns.items() if src in raw.columns}
    frame = raw[list(present)].rename(columns=present)
    for name, value in profile.constants.items():
        if name not in frame.columns:
            frame[name] = pd.Series([value] * len(frame), index=frame.index, dtype=object)
    return frame


def to_canonical(raw: pd.DataFrame, profile: Profile, *, source: str = "input") -> pd.DataFrame:
    """Rename a raw frame's columns to canonical fields; refuse missing required columns."""
    check_columns(list(raw.columns), profile, source=source)
    frame = rename_columns(raw, profile)
    for name in FIELD_NAMES:
        if name not in frame.columns:
            frame[name] = None
    return frame[list(FIELD_NAMES)]


def coerce_types(frame: pd.DataFrame) -> pd.DataFrame:
    """Vectorised type coercion to the canonical dtypes (invalid values become NA)."""
    out = frame.copy()
    for name in FIELD_NAMES:
        kind = python_type(name)
        col = out[name]
        if kind is float:
            out[name] = pd.to_numeric(col, errors="coerce").astype("float64")
        elif kind is int:
            out[name] = pd.to_numeric(col, errors="coerce").astype("Int64")
        elif kind.__name__ == "date":
            out[name] = pd.to_datetime(col, errors="coerce").dt.normalize().astype("datetime64[ns]")
        else:
            out[name] = col.astype("string").str.strip()
    hs = out["hs_code"].str.replace(".", "", regex=False)
    out["hs_code"] = hs.where(hs.str.len() % 2 == 0, "0" + hs)
    return out


def load_frame(path: str | Path, profile: str | Profile = "kcs") -> pd.DataFrame:
    """Load a declaration file into a canonical, typed pandas frame (rows with an
    unusable key, date or HS code are dropped).

    >>> from opencustoms.settings import BUNDLED_DATA_DIR
    >>> df = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", "kcs")
    >>> len(df), int(df["hs_code"].str.len().min())
    (8134, 6)
    """
    prof = get_profile(profile) if isinstance(profile, str) else profile
    raw = read_raw(Path(path)).to_pandas()
    frame = coerce_types(to_canonical(raw, prof, source=str(path)))
    ok = frame["declaration_id"].notna() & frame["declaration_date"].notna()
    ok &= frame["hs_code"].fillna("").map(_hs_ok).astype(bool)
    return frame.loc[ok].reset_index(drop=True)


def _hs_ok(code: str) -> bool:
    try:
        check_hs_code(code)
    except ValueError:
        return False
    return True
