"""Message catalogues: extract marked messages, update the ``.po`` files, compile ``.mo``.

The ``.po`` files under ``locale/<lang>/LC_MESSAGES/`` hold the translations (edit them,
then run ``opencustoms i18n update``); ``.mo`` files are compiled from them and committed,
and :func:`problems` (run by the tests) reports a stale ``.mo``, a message in the code
that is missing from a catalogue, or a Korean message without a translation.
"""

from __future__ import annotations

import io
from pathlib import Path

import yaml
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from opencustoms.i18n import DOMAIN, LANGUAGES, LOCALE_DIR, SOURCE_LANGUAGE

PACKAGE_DIR = LOCALE_DIR.parent.parent
# Where user-facing text lives: the public services, this package and the web face.
SOURCE_DIRS = ("portal", "i18n", "web")
# Single modules of other packages whose N_()-marked texts a face shows translated.
SOURCE_FILES = ("tariff/texts.py",)
# Data files whose display words a face translates: the section titles and field labels of
# an officer's reading of a declaration (the page shows them with _(title), _(label)).
DATA_LABELS = ("data/declarations/reading.yaml",)
METHOD_MAP = [("**.py", "python"), ("**/templates/**.html", "jinja2")]
OPTIONS_MAP = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "true"}}


def extract(package_dir: Path = PACKAGE_DIR) -> Catalog:
    template = Catalog(project="OpenCustoms", version="1", domain=DOMAIN, fuzzy=False)
    for sub in SOURCE_DIRS:
        base = package_dir / sub
        if not base.is_dir():
            continue
        for filename, lineno, message, comments, context in extract_from_dir(
            base, METHOD_MAP, OPTIONS_MAP, comment_tags=("Translators:",)
        ):
            template.add(
                message,
                None,
                [(f"{sub}/{filename}", lineno)],
                auto_comments=comments,
                context=context,
            )
    for rel in SOURCE_FILES:
        path = package_dir / rel
        if not path.is_file():
            continue
        for lineno, message, comments, context in extract_from_file("python", str(path)):
            template.add(message, None, [(rel, lineno)], auto_comments=comments, context=context)
    for rel in DATA_LABELS:
        path = package_dir / rel
        if path.is_file():
            for message in _data_labels(path):
                template.add(message, None, [(rel, 0)])
    return template


def _data_labels(path: Path) -> list[str]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    titles = [s["title"] for s in data.get("sections", [])]
    return titles + [f["label"] for f in data.get("fields", {}).values()]


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def _read(path: Path, language: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language, domain=DOMAIN)
    with path.open("rb") as f:
        return read_po(f, locale=language)


def _mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def _po_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    # No line numbers and no dates: the files change only when the messages change.
    write_po(buf, catalog, width=96, omit_header=False, include_lineno=False, sort_output=True)
    return buf.getvalue()


def update() -> list[Path]:
    """Extract, merge into every language's ``.po`` (keeping translations), compile."""
    template = extract()
    written = []
    pot = LOCALE_DIR / f"{DOMAIN}.pot"
    pot.parent.mkdir(parents=True, exist_ok=True)
    template.creation_date = template.revision_date = _EPOCH
    pot.write_bytes(_po_bytes(template))
    written.append(pot)
    for lang in LANGUAGES:
        catalog = _read(po_path(lang), lang)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        catalog.fuzzy = False  # a fuzzy header would be left out of the .mo
        catalog.project, catalog.version = "OpenCustoms", "1"
        catalog.copyright_holder = "OpenCustoms contributors"
        catalog.msgid_bugs_address = "https://github.com/opencustoms"
        catalog.last_translator = "OpenCustoms contributors"
        catalog.language_team = f"{lang} <translators>"
        catalog.creation_date = catalog.revision_date = _EPOCH
        path = po_path(lang)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_po_bytes(catalog))
        path.with_suffix(".mo").write_bytes(_mo_bytes(catalog))
        written += [path, path.with_suffix(".mo")]
    return written


def compile_all() -> list[Path]:
    out = []
    for lang in LANGUAGES:
        path = po_path(lang)
        path.with_suffix(".mo").write_bytes(_mo_bytes(_read(path, lang)))
        out.append(path.with_suffix(".mo"))
    return out


def problems() -> list[str]:
    """What is out of date or untranslated (empty when the catalogues are complete)."""
    found = []
    wanted = {m.id for m in extract() if m.id}
    for lang in LANGUAGES:
        path = po_path(lang)
        catalog = _read(path, lang)
        mo = path.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != _mo_bytes(catalog):
            found.append(f"{mo}: stale; run `opencustoms i18n compile`")
        have = {m.id for m in catalog if m.id}
        for missing in sorted(wanted - have, key=str)[:20]:
            found.append(f"{path}: {missing!r} missing; run `opencustoms i18n update`")
        if lang != SOURCE_LANGUAGE:
            for m in catalog:
                if m.id and (
                    not m.string or m.fuzzy or (isinstance(m.string, tuple) and not all(m.string))
                ):
                    found.append(f"{path}: {m.id!r} has no {lang} translation")
    return found


_EPOCH = __import__("datetime").datetime(2026, 1, 1, tzinfo=__import__("datetime").UTC)
