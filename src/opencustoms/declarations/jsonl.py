"""JSON Lines read in chunks, every column as text: what ``csv_as_text`` is for CSV.

Arrow's JSON readers type each column from what they have seen: the streaming one
(``open_json``) from its first block, so a column that is empty there and filled later
fails, and dates become timestamps; and no explicit schema turns a JSON number into text.
Here the file is cut at line ends into chunks of ``CHUNK_BYTES``; Arrow parses each one
(dates and text read as text), and every column is cast to text, so the frame is the
same whatever the batch size, and reading the whole file gives the concatenation of
the streamed tables.

The columns are the declaration fields (canonical names or a profile's source columns)
among the keys of the first chunk, as a CSV header; other keys are left out (Arrow still
parses them: one holding numbers and text within a chunk is refused), and a later line
may leave a key out (null). A column holds one kind of value throughout - text, numbers
or true/false, each may be null - and a line breaking that, an invalid line, or a
declaration field first met after the first chunk is refused with its line number.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.json as pajson

from opencustoms.declarations.profiles import PROFILES
from opencustoms.declarations.schema import FIELD_NAMES

# Independent of the batch size, so every reader of a file cuts it the same way; large
# enough that Arrow's parse dominates (~35,000 KCS lines).
CHUNK_BYTES = 16 << 20
# Every name a declaration field goes by: canonical, or a profile's source column.
DECLARATION_COLUMNS = frozenset(FIELD_NAMES) | {c for p in PROFILES.values() for c in p.columns}


def _kind(kind: pa.DataType) -> str:
    if pa.types.is_null(kind):
        return "null"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind):
        return "numbers"
    if pa.types.is_boolean(kind):
        return "true/false"
    if pa.types.is_string(kind) or pa.types.is_timestamp(kind):
        return "text"
    return "objects or lists"


def _chunks(path: Path) -> Iterator[tuple[bytes, int]]:
    """(bytes ending at a line end, number of the chunk's first line); .gz decompressed."""
    line = 1
    rest = b""
    with pa.input_stream(str(path)) as stream:  # compression from the file name
        while block := stream.read(CHUNK_BYTES):
            data = rest + block
            cut = data.rfind(b"\n") + 1
            if cut == 0:  # one line longer than a chunk: read on
                rest = data
                continue
            yield data[:cut], line
            line += data.count(b"\n", 0, cut)
            rest = data[cut:]
    if rest.strip():
        yield rest, line


def _line_of(chunk: bytes, first: int, row: int) -> int:
    """File line of the chunk's ``row``-th (0-based) object; blank lines are no rows."""
    seen = -1
    for i, text in enumerate(chunk.split(b"\n")):
        if text.strip():
            seen += 1
            if seen == row:
                return first + i
    return first + chunk.count(b"\n")


def _located(
    exc: pa.ArrowInvalid, chunk: bytes, first: int, options: pajson.ParseOptions
) -> pa.ArrowInvalid:
    """Arrow's error with the file's line number (its rows count within a block)."""
    for i, text in enumerate(chunk.split(b"\n")):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except ValueError as err:
            reason = getattr(err, "msg", str(err))
            return pa.ArrowInvalid(f"line {first + i}: not valid JSON ({reason})")
        if not isinstance(value, dict):
            return pa.ArrowInvalid(f"line {first + i}: not a JSON object")
    whole = pajson.ReadOptions(use_threads=False, block_size=len(chunk) + 1)
    try:
        pajson.read_json(pa.BufferReader(chunk), read_options=whole, parse_options=options)
    except pa.ArrowInvalid as single:  # one block: its row is the chunk's row
        exc = single
    message = str(exc).removeprefix("JSON parse error: ")
    found = re.search(r"Column\(/(.*)\) (changed from .*) in row (\d+)", message)
    if found:
        line = _line_of(chunk, first, int(found.group(3)))
        return pa.ArrowInvalid(f"line {line}: field {found.group(1)!r} {found.group(2)}")
    return pa.ArrowInvalid(message)


def json_tables(path: Path) -> Iterator[pa.Table]:
    """The file's chunks as tables of text columns, all with the first chunk's columns."""
    text: dict[str, pa.DataType] = {}  # columns read as text, explicitly after their first
    kinds: dict[str, str] = {}
    columns: list[str] | None = None
    for chunk, first in _chunks(path):
        while True:
            options = pajson.ParseOptions(explicit_schema=pa.schema(text))
            try:
                table = pajson.read_json(pa.BufferReader(chunk), parse_options=options)
            except pa.ArrowInvalid as exc:
                raise _located(exc, chunk, first, options) from exc
            if columns is None:  # the file's order (explicit columns would come first)
                columns = [c for c in table.column_names if c in DECLARATION_COLUMNS]
            # A field Arrow took for timestamps is read again as the text it was. Only
            # declaration fields are pinned: another key holding text here and numbers
            # in a later chunk is no reason to refuse the file.
            fields = [f for f in table.schema if f.name in DECLARATION_COLUMNS]
            stamps = [f.name for f in fields if pa.types.is_timestamp(f.type)]
            text |= {f.name: pa.string() for f in fields if _kind(f.type) == "text"}
            if not stamps:
                break
        for name in table.column_names:
            kind = _kind(table.schema.field(name).type)
            if name not in DECLARATION_COLUMNS:
                continue  # no reader of declarations looks at it
            if name not in columns:
                if kind != "null":
                    raise pa.ArrowInvalid(_where(table, name, chunk, first) + "a field not in "
                                          "the first lines of the file (give it in the first "
                                          "line, null when empty)")  # fmt: skip
                continue
            if kind == "objects or lists":
                raise pa.ArrowInvalid(_where(table, name, chunk, first) + "not a value")
            if kind != "null" and kinds.setdefault(name, kind) != kind:
                raise pa.ArrowInvalid(
                    _where(table, name, chunk, first)
                    + f"{kind} where earlier lines have {kinds[name]}"
                )
        n = table.num_rows
        yield pa.table(
            {
                name: (
                    table.column(name).cast(pa.string())
                    if name in table.column_names
                    else pa.nulls(n, pa.string())
                )
                for name in columns
            }
        )


def _where(table: pa.Table, name: str, chunk: bytes, first: int) -> str:
    """'line L: field 'x': ' for the first non-null value of ``name`` in the chunk."""
    valid = table.column(name).is_valid().to_numpy(zero_copy_only=False)
    row = int(valid.argmax())
    return f"line {_line_of(chunk, first, row)}: field {name!r}: "
