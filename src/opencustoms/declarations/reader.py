"""Reading a declaration file for ingestion: file-level checks first, then row batches.

Unlike ``io.load_frame`` (which drops what it cannot use), the reader keeps every record:
rows with the wrong number of fields, undecodable bytes or broken JSON come out as
*problems* tied to their 1-based row number (header excluded), so ingestion can
quarantine them. Everything that makes the whole file unusable raises
``UnusableFileError`` before any batch is produced, so nothing is written for it.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from opencustoms.declarations.io import UnusableFileError, check_columns, file_format
from opencustoms.declarations.profiles import Profile
from opencustoms.files import sha256_file

Problems = dict[int, list[dict[str, str]]]


@dataclass
class Batch:
    """Rows ``start+1 .. end`` of the file (row numbers are 1-based, header excluded)."""

    start: int
    end: int
    frame: pd.DataFrame  # source column names; rows that parsed into fields
    row_numbers: np.ndarray  # row number of each frame row
    problems: Problems  # row number -> reasons found while reading (encoding, JSON)
    malformed: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)
    # The parsed JSON objects behind ``frame`` (JSON input), kept as raw content verbatim.
    originals: list[Any] | None = None


SURROGATE_PROBLEM = "contains an invalid \\u escape (lone UTF-16 surrogate)"


def has_lone_surrogate(obj: Any) -> bool:
    """JSON may spell text that is not Unicode ("\\ud800"); no database can store it."""
    try:
        json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


_SURROGATE = re.compile("[\udc80-\udcff]")


def _visible(text: str) -> str:
    """Undecodable bytes (kept as surrogate escapes) shown as \\xNN."""
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _utf8_file(path: Path) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while chunk := fh.read(1 << 22):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


class SourceFile:
    """An opened declaration file that passed the file-level checks."""

    def __init__(self, path: str | Path, profile: Profile) -> None:
        self.path = Path(path)
        self.profile = profile
        if not self.path.is_file():
            raise UnusableFileError(f"{self.path}: no such file")
        self.fmt = file_format(self.path)
        self.file_hash = sha256_file(self.path)
        self._table: pa.Table | None = None
        self._records: list[dict[str, Any]] | None = None
        self._good_rows: np.ndarray = np.zeros(0, dtype=np.int64)
        self._problems: Problems = {}
        self._malformed: dict[int, tuple[dict[str, Any], dict[str, str]]] = {}
        if self.fmt == "parquet":
            self._open_parquet()
        elif self.fmt == "jsonl":
            self._read_jsonl()
        else:
            self._read_csv()
        check_columns(self.columns, profile, source=str(self.path))

    # --- format readers ------------------------------------------------------------------

    def _open_parquet(self) -> None:
        with self.path.open("rb") as fh:
            magic = fh.read(4)
        if magic != b"PAR1":
            raise UnusableFileError(f"{self.path}: not a Parquet file (bad magic bytes)")
        try:
            self._pq = pq.ParquetFile(self.path)
        except (pa.ArrowException, OSError) as exc:
            raise UnusableFileError(f"{self.path}: unreadable Parquet ({_one_line(exc)})") from exc
        self.columns = list(self._pq.schema_arrow.names)
        self.num_rows = self._pq.metadata.num_rows

    def _read_csv(self) -> None:
        with self.path.open("rb") as fh:
            head = fh.read(1 << 16)
        if b"\x00" in head:
            raise UnusableFileError(f"{self.path}: not a CSV file (binary content)")
        first = head.split(b"\n", 1)[0].rstrip(b"\r")
        try:
            header = next(csv.reader([first.decode("utf-8-sig")]), [])
        except UnicodeDecodeError:
            raise UnusableFileError(f"{self.path}: CSV header is not UTF-8 text") from None
        if not header:
            raise UnusableFileError(f"{self.path}: empty file (no CSV header)")
        repeated = sorted({c for c in header if header.count(c) > 1})
        if repeated:
            raise UnusableFileError(
                f"{self.path}: CSV header repeats column(s) {', '.join(repeated)}"
            )
        self.columns = header
        # pyarrow cannot report a malformed row whose bytes are not UTF-8 (it drops it
        # silently), so files with bad bytes take the slower, exact Python csv path.
        utf8 = _utf8_file(self.path)
        table, bad = self._arrow_csv(header) if utf8 else self._python_csv(header)
        bad_rows = {n for n, _, _ in bad}
        self.num_rows = table.num_rows + len(bad)
        self._good_rows = (
            np.array([n for n in range(1, self.num_rows + 1) if n not in bad_rows], dtype=np.int64)
            if bad
            else np.arange(1, self.num_rows + 1, dtype=np.int64)
        )
        for number, counts, text in bad:
            self._malformed[number] = (
                {"_text": text},
                {"field": "_row", "problem": f"malformed CSV row: {counts}"},
            )
        self._table = table

    def _arrow_csv(self, header: list[str]) -> tuple[pa.Table, list[tuple[int, str, str]]]:
        bad: list[tuple[int, str, str]] = []

        def on_invalid(row: Any) -> str:
            # row.number counts the header as record 1; actual vs expected field counts.
            counts = f"{row.actual_columns} fields, expected {row.expected_columns}"
            bad.append((row.number - 1, counts, row.text))
            return "skip"

        try:
            # Single-threaded so that skipped rows carry their row number.
            table = pacsv.read_csv(
                self.path,
                read_options=pacsv.ReadOptions(
                    use_threads=False, block_size=1 << 22, column_names=header, skip_rows=1
                ),
                parse_options=pacsv.ParseOptions(
                    invalid_row_handler=on_invalid, newlines_in_values=True
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types={c: pa.string() for c in header},
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                ),
            )
        except (pa.ArrowException, OSError) as exc:
            raise UnusableFileError(
                f"{self.path}: not a readable CSV file ({_one_line(exc)})"
            ) from exc
        return table, bad

    def _python_csv(self, header: list[str]) -> tuple[pa.Table, list[tuple[int, str, str]]]:
        """Exact reader for files with bytes that are not UTF-8: each undecodable value is
        a problem of its row, each row with the wrong number of fields is malformed."""
        text = self.path.read_bytes().decode("utf-8", errors="surrogateescape")
        reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
        next(reader, None)
        mapped = self.profile.columns
        columns: list[list[str | None]] = [[] for _ in header]
        bad: list[tuple[int, str, str]] = []
        number = 0
        try:
            for row in reader:
                if not row:
                    continue
                number += 1
                if len(row) != len(header):
                    counts = f"{len(row)} fields, expected {len(header)}"
                    bad.append((number, counts, _visible(",".join(row))))
                    continue
                for i, cell in enumerate(row):
                    if _SURROGATE.search(cell):
                        cell = _visible(cell)
                        self._problems.setdefault(number, []).append(
                            {
                                "field": mapped.get(header[i], header[i]),
                                "problem": "not valid UTF-8 text",
                            }
                        )
                    columns[i].append(cell or None)
        except csv.Error as exc:
            raise UnusableFileError(f"{self.path}: not a readable CSV file ({exc})") from exc
        arrays = [pa.array(col, type=pa.string()) for col in columns]
        return pa.table(arrays, names=header), bad

    def _read_jsonl(self) -> None:
        records: list[dict[str, Any]] = []
        good: list[int] = []
        columns: dict[str, None] = {}
        with self.path.open("rb") as fh:
            head = fh.read(1 << 16)
            if b"\x00" in head:
                raise UnusableFileError(f"{self.path}: not a JSON Lines file (binary content)")
            fh.seek(0)
            number = 0
            for line in fh:
                if not line.strip():
                    continue
                number += 1
                try:
                    text = line.decode("utf-8")
                except UnicodeDecodeError:
                    text = line.decode("utf-8", errors="backslashreplace")
                    self._problems.setdefault(number, []).append(
                        {"field": "_row", "problem": "not valid UTF-8 text"}
                    )
                try:
                    obj = json.loads(text)
                except json.JSONDecodeError as exc:
                    self._malformed[number] = (
                        {"_text": text.rstrip("\n")},
                        {"field": "_row", "problem": f"invalid JSON ({exc.msg})"},
                    )
                    continue
                if not isinstance(obj, dict):
                    self._malformed[number] = (
                        {"_text": text.rstrip("\n")},
                        {"field": "_row", "problem": "JSON value is not an object"},
                    )
                    continue
                if has_lone_surrogate(obj):
                    self._malformed[number] = (
                        {"_text": text.rstrip("\n")},
                        {"field": "_row", "problem": SURROGATE_PROBLEM},
                    )
                    continue
                records.append(obj)
                good.append(number)
                columns.update(dict.fromkeys(obj))
        if number and not records:
            raise UnusableFileError(f"{self.path}: not a JSON Lines file (no JSON object lines)")
        self.columns = list(columns)
        self.num_rows = number
        self._records = records
        self._good_rows = np.array(good, dtype=np.int64)

    # --- batches -------------------------------------------------------------------------

    def batches(self, size: int, *, skip: int = 0) -> Iterator[Batch]:
        """Consecutive batches of ``size`` rows, starting after row ``skip``."""
        if self.fmt == "parquet":
            yield from self._parquet_batches(size, skip)
            return
        for start in range(skip, self.num_rows, size):
            end = min(start + size, self.num_rows)
            lo, hi = np.searchsorted(self._good_rows, [start + 1, end + 1])
            if self._table is not None:
                frame = self._table.slice(lo, hi - lo).to_pandas(types_mapper=_text_types)
            else:
                frame = pd.DataFrame.from_records(
                    (self._records or [])[lo:hi], columns=self.columns
                )
            rows = self._good_rows[lo:hi]
            originals = None if self._records is None else self._records[lo:hi]
            yield Batch(
                start=start,
                end=end,
                frame=frame,
                row_numbers=rows,
                problems={n: p for n, p in self._problems.items() if start < n <= end},
                malformed=[
                    (n, raw, why) for n, (raw, why) in self._malformed.items() if start < n <= end
                ],
                originals=originals,
            )

    def _parquet_batches(self, size: int, skip: int) -> Iterator[Batch]:
        wanted = [c for c in self.columns if c in self.profile.columns]
        done = 0
        for record_batch in self._pq.iter_batches(batch_size=size, columns=wanted):
            n = record_batch.num_rows
            if done + n <= skip:
                done += n
                continue
            offset = max(0, skip - done)
            part = record_batch.slice(offset)
            start = done + offset
            done += n
            frame = part.to_pandas(types_mapper=_text_types, date_as_object=False)
            yield Batch(
                start=start,
                end=done,
                frame=frame,
                row_numbers=np.arange(start + 1, done + 1, dtype=np.int64),
                problems={},
            )


def _text_types(arrow_type: pa.DataType) -> Any:
    # Keep Arrow-backed strings: the vectorised checks then run in Arrow compute.
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow")
    return None
