"""Files on disk: the one content digest every package uses.

An ingest run, a sanctions list, a model artefact's manifest, a compiled model library
and the HS classifier's graph are all identified by the SHA-256 of their bytes. They must
agree digit for digit (a manifest written by one path is checked by another), so there is
one function, here below every domain.

>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / "empty.csv"
...     _ = path.write_bytes(b"")
...     sha256_file(path)
'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855'
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_file(path: str | Path) -> str:
    """SHA-256 of a file's bytes as 64 lower-case hex digits, read in blocks so a
    multi-gigabyte declaration file is never held in memory."""
    with Path(path).open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
