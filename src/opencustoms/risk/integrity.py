"""Integrity of model artefacts and of the native code compiled from them (issue 18).

Training writes ``manifest.json`` into the artefact directory: the SHA-256 digest of every
file and, when ``OPENCUSTOMS_MODEL_SIGNING_KEY`` is set, an HMAC-SHA256 signature over
those digests. Loading recomputes the digests and refuses an artefact that differs, lacks a
manifest, or (with a key) lacks a valid signature. Native code compiled by lleaves is built
in a cache directory private to the service (``var_dir/cache/compiled``, mode 0700, owned
by the service's user; never a shared temp directory); its digest is recorded there after
compiling and checked before each load, so a library planted or swapped later is deleted
and rebuilt rather than executed.

>>> import tempfile
>>> d = Path(tempfile.mkdtemp()); _ = (d / "fraud.txt").write_text("tree")
>>> write_manifest(d, key="k")["files"]["fraud.txt"][:12]
'dc9c5edb8b2d'
>>> verify_manifest(d, key="k")
>>> _ = (d / "fraud.txt").write_text("evil")
>>> verify_manifest(d, key="k")
Traceback (most recent call last):
...
opencustoms.risk.integrity.IntegrityError: ...fraud.txt: SHA-256 differs from manifest.json ...
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import stat
from pathlib import Path
from typing import Any

from opencustoms.errors import Unavailable
from opencustoms.files import sha256_file

MANIFEST = "manifest.json"
# files of an artefact that are data to this code, not covered by the manifest
NOT_COVERED = {MANIFEST}


class IntegrityError(Unavailable, ValueError):
    """An artefact or compiled model does not match its recorded digests."""


def _sign(files: dict[str, str], key: str) -> str:
    body = json.dumps(files, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def _covered(directory: Path) -> list[Path]:
    return sorted(p for p in directory.iterdir() if p.is_file() and p.name not in NOT_COVERED)


def write_manifest(directory: Path, *, key: str = "") -> dict[str, Any]:
    """Record the digest of every file of the artefact (and sign them with ``key``)."""
    files = {p.name: sha256_file(p) for p in _covered(directory)}
    manifest: dict[str, Any] = {"format": 1, "algorithm": "sha256", "files": files}
    if key:
        manifest["signature"] = {"algorithm": "hmac-sha256", "value": _sign(files, key)}
    (directory / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return manifest


def verify_manifest(directory: Path, *, key: str = "") -> None:
    """Raise ``IntegrityError`` unless every file matches ``manifest.json`` (and its
    signature verifies with ``key`` when a key is configured)."""
    path = directory / MANIFEST
    if not path.is_file():
        raise IntegrityError(
            f"{directory}: no {MANIFEST} (SHA-256 digests written at training); "
            "retrain with `opencustoms risk train` to get a verifiable artefact"
        )
    try:
        manifest = json.loads(path.read_text())
        files: dict[str, str] = dict(manifest["files"])
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(f"{path}: unreadable manifest ({exc})") from exc
    if key:
        sig = (manifest.get("signature") or {}).get("value", "")
        if not hmac.compare_digest(str(sig), _sign(files, key)):
            raise IntegrityError(
                f"{path}: signature missing or invalid for the configured model signing key"
            )
    present = {p.name for p in _covered(directory)}
    extra = sorted(present - set(files))
    if extra:
        raise IntegrityError(f"{directory}: files not in {MANIFEST}: {', '.join(extra)}")
    for name, digest in sorted(files.items()):
        file = directory / name
        if not file.is_file():
            raise IntegrityError(f"{file}: listed in {MANIFEST} but missing")
        if not hmac.compare_digest(sha256_file(file), digest):
            raise IntegrityError(
                f"{file}: SHA-256 differs from {MANIFEST} (the artefact was changed after "
                "training); retrain or restore it"
            )


def private_dir(path: Path) -> Path | None:
    """``path`` created mode 0700; None when it is not a directory owned by this user
    that nobody else can write (then native code is not used at all)."""
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = path.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():
        return None
    if stat.S_IMODE(st.st_mode) & 0o077:
        try:
            path.chmod(0o700)
        except OSError:
            return None
    return path


def _record(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _seal(digest: str, key: str) -> str:
    return hmac.new(key.encode(), digest.encode(), hashlib.sha256).hexdigest() if key else digest


def trusted_library(path: Path, *, key: str = "") -> bool:
    """Whether the compiled library at ``path`` is the one this service built (its digest
    recorded next to it); an unrecorded or changed library is deleted."""
    record = _record(path)
    if (
        path.is_file()
        and record.is_file()
        and hmac.compare_digest(record.read_text().strip(), _seal(sha256_file(path), key))
    ):
        return True
    for p in (path, record):
        p.unlink(missing_ok=True)
    return False


def record_library(path: Path, *, key: str = "") -> None:
    record = _record(path)
    record.write_text(_seal(sha256_file(path), key) + "\n")
    record.chmod(0o600)
