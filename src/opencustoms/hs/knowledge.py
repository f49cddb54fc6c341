"""The HS knowledge base: HS 2022 nomenclature, US HTS 2024 lines rolled up to HS6, HS 2017 map.

Everything is read from the files bundled under ``data/hs/`` (see ``data/hs/SOURCE.md``).

>>> kb = load_knowledge()
>>> kb.subheadings["020130"].description
'Meat; of bovine animals, boneless cuts, fresh or chilled'
>>> kb.subheadings["020130"].heading
'0201'
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from opencustoms.settings import BUNDLED_DATA_DIR

HS_DATA_DIR = BUNDLED_DATA_DIR / "hs"
HS2022_FILE = "harmonized-system-2022.csv"
HS2017_FILE = "harmonized-system-2017.csv"
SECTIONS_FILE = "hs-sections.csv"
HTS_FILE = "us_hts_2024_basic_edition.csv"
# Chapters 98 and 99 of the US schedule are national provisions with no HS counterpart.
_US_ONLY_CHAPTERS = {"98", "99"}
_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class UsLine:
    """One US HTS 2024 national line (a leaf of the indent tree)."""

    hts: str  # 8 or 10 digits
    hs6: str
    description: str  # the leaf text alone
    path: str  # the texts of all its indent ancestors, heading first, ": "-joined
    general_rate: str  # the general (MFN) rate printed on the line or its nearest ancestor


@dataclass
class Subheading:
    code: str
    description: str
    heading: str
    chapter: str
    section: str
    us_lines: list[UsLine] = field(default_factory=list)
    hs2017: list[str] = field(default_factory=list)


@dataclass
class KnowledgeBase:
    sections: dict[str, str]
    chapters: dict[str, str]
    headings: dict[str, str]
    subheadings: dict[str, Subheading]
    # HS 2017 subheading -> HS 2022 subheadings (same code, or by description in the heading).
    hs2017_to_2022: dict[str, list[str]]
    hs2017_descriptions: dict[str, str]

    @property
    def codes(self) -> list[str]:
        return list(self.subheadings)

    @property
    def us_lines(self) -> list[UsLine]:
        return [line for sub in self.subheadings.values() for line in sub.us_lines]

    def describe(self, code: str) -> str:
        """The description of a 2-, 4- or 6-digit code ('' when unknown)."""
        if len(code) == 2:
            return self.chapters.get(code, "")
        if len(code) == 4:
            return self.headings.get(code, "")
        sub = self.subheadings.get(code[:6])
        return sub.description if sub else ""


def _read_nomenclature(path: Path) -> list[dict[str, str]]:
    # The 2017 file starts with a UTF-8 BOM; utf-8-sig reads both.
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [row for row in csv.DictReader(f) if row["hscode"] not in {"TOTAL", "999999"}]


def _norm_desc(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def _read_us_lines(path: Path) -> list[UsLine]:
    """Leaves of the HTS indent tree, each with the texts of its ancestors."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = [
            (_DIGITS.sub("", r["HTS Number"]), int(r["Indent"] or 0), r["Description"].strip(), r)
            for r in csv.DictReader(f)
        ]
    lines: list[UsLine] = []
    stack: list[tuple[int, str, str]] = []  # (indent, description, general rate)
    heading = ""
    for i, (code, indent, desc, raw) in enumerate(rows):
        if len(code) == 4:
            heading = code
        if indent == 0:
            stack = []
        while stack and stack[-1][0] >= indent:
            stack.pop()
        rate = raw["General Rate of Duty"].strip() or next(
            (r for _, _, r in reversed(stack) if r), ""
        )
        stack.append((indent, desc, rate))
        nxt_indent = rows[i + 1][1] if i + 1 < len(rows) else -1
        is_leaf = nxt_indent <= indent or (i + 1 < len(rows) and len(rows[i + 1][0]) == 4)
        if not is_leaf or len(code) < 8 or heading[:2] in _US_ONLY_CHAPTERS:
            continue
        path_text = ": ".join(d.rstrip(":").strip() for _, d, _ in stack if d)
        lines.append(
            UsLine(
                hts=code,
                hs6=code[:6],
                description=desc.rstrip(":"),
                path=path_text,
                general_rate=rate,
            )
        )
    return lines


def _map_hs2017(
    rows2017: list[dict[str, str]], subs: dict[str, Subheading]
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """HS 2017 -> 2022: an unchanged code maps to itself; a deleted code maps to the 2022
    subheadings of the same heading whose description shares the most words (the WCO
    correlation tables are not bundled, so this is marked approximate by being a list)."""
    desc17 = {r["hscode"]: r["description"] for r in rows2017 if r["level"] == "6"}
    by_heading: dict[str, list[str]] = {}
    for code in subs:
        by_heading.setdefault(code[:4], []).append(code)
    mapping: dict[str, list[str]] = {}
    for code, desc in desc17.items():
        if code in subs:
            mapping[code] = [code]
            continue
        words = set(_norm_desc(desc).split())
        options = by_heading.get(code[:4], [])
        scored = sorted(
            options,
            key=lambda c: -len(words & set(_norm_desc(subs[c].description).split())),
        )
        mapping[code] = scored[:1] if scored else []
    return mapping, desc17


@lru_cache(maxsize=2)
def load_knowledge(data_dir: Path = HS_DATA_DIR) -> KnowledgeBase:
    rows = _read_nomenclature(data_dir / HS2022_FILE)
    with (data_dir / SECTIONS_FILE).open(encoding="utf-8-sig", newline="") as f:
        sections = {r["section"]: r["name"] for r in csv.DictReader(f)}
    chapters = {r["hscode"]: r["description"] for r in rows if r["level"] == "2"}
    headings = {r["hscode"]: r["description"] for r in rows if r["level"] == "4"}
    subs = {
        r["hscode"]: Subheading(
            code=r["hscode"],
            description=r["description"],
            heading=r["hscode"][:4],
            chapter=r["hscode"][:2],
            section=r["section"],
        )
        for r in rows
        if r["level"] == "6"
    }
    for line in _read_us_lines(data_dir / HTS_FILE):
        sub = subs.get(line.hs6)
        if sub is not None:
            sub.us_lines.append(line)
    mapping, desc17 = _map_hs2017(_read_nomenclature(data_dir / HS2017_FILE), subs)
    for old, new in mapping.items():
        for code in new:
            if old != code:
                subs[code].hs2017.append(old)
    return KnowledgeBase(
        sections=sections,
        chapters=chapters,
        headings=headings,
        subheadings=subs,
        hs2017_to_2022=mapping,
        hs2017_descriptions=desc17,
    )
