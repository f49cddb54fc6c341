"""Issue 18, finding 5: artefacts and their compiled native code are verified.

Before the fix a changed ``fraud.txt`` loaded silently, and a shared library planted at
``MODEL_DIR/compiled/fraud-<hash>.so`` (or in the world-writable temp-dir fallback) was
loaded and executed by lleaves for large batches."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path
from typing import Any

import pytest

from opencustoms.files import sha256_file
from opencustoms.risk import artefact
from opencustoms.risk.artefact import load
from opencustoms.risk.integrity import MANIFEST, IntegrityError
from opencustoms.settings import get_settings


@pytest.fixture
def copy(model_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "artefact"
    shutil.copytree(model_dir, out)
    return out


def test_a_changed_artefact_file_is_refused(copy: Path) -> None:
    load(copy)  # as trained: verifies
    with (copy / "fraud.txt").open("a") as f:
        f.write("\n")
    with pytest.raises(IntegrityError, match=r"fraud\.txt: SHA-256 differs"):
        load(copy)


def test_an_artefact_without_manifest_or_with_a_planted_file_is_refused(copy: Path) -> None:
    (copy / "revenue.txt").write_text("planted")
    with pytest.raises(IntegrityError, match=r"not in manifest\.json: revenue\.txt"):
        load(copy)
    (copy / "revenue.txt").unlink()
    (copy / MANIFEST).unlink()
    with pytest.raises(IntegrityError, match=r"no manifest\.json"):
        load(copy)


def test_signing_key(copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    unsigned = load(copy)
    monkeypatch.setenv("OPENCUSTOMS_MODEL_SIGNING_KEY", "k1")
    get_settings.cache_clear()
    with pytest.raises(IntegrityError, match="signature"):
        load(copy)  # trained without a key
    unsigned.save(copy)  # re-sealed with k1
    load(copy)
    monkeypatch.setenv("OPENCUSTOMS_MODEL_SIGNING_KEY", "k2")
    get_settings.cache_clear()
    with pytest.raises(IntegrityError, match="signature"):
        load(copy)


def test_compiled_code_comes_only_from_the_private_cache(
    copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lleaves = pytest.importorskip("lleaves")
    model_file = copy / "fraud.txt"
    digest = sha256_file(model_file)
    # The attacker's libraries: next to the artefact (old cache) and in the real cache.
    (copy / "compiled").mkdir()
    (copy / "compiled" / f"fraud-{digest[:16]}.so").write_bytes(b"\x7fELF planted")
    cache = Path(get_settings().var_dir).resolve() / "cache" / "compiled"
    cache.mkdir(parents=True)
    planted = cache / f"fraud-{digest}.so"
    planted.write_bytes(b"\x7fELF planted")
    seen: list[Any] = []

    def fake_compile(self: Any, cache: str | None = None, **_: Any) -> None:
        # what lleaves would load: the cache file if it exists
        seen.append((cache, Path(cache).read_bytes() if cache and Path(cache).exists() else None))
        Path(str(cache)).write_bytes(b"built by the service")

    monkeypatch.setattr(lleaves.Model, "compile", fake_compile)
    assert artefact._compile(model_file) is not None
    assert seen == [(str(planted), None)], "a planted library reached lleaves"
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    # The library the service built is recorded and reused as is.
    seen.clear()
    artefact._compile(model_file)
    assert seen == [(str(planted), b"built by the service")]
    # Swapped afterwards: deleted and rebuilt, never loaded.
    planted.write_bytes(b"\x7fELF swapped")
    seen.clear()
    artefact._compile(model_file)
    assert seen == [(str(planted), None)]
