"""Name normalisation across scripts: one comparable form for every way a name is written.

A name goes through five steps, each driven by data under ``data/screening/``:

1. **Transliteration** to ASCII with anyascii. Hangul and Han characters become one token
   per syllable (``김정은`` -> ``gim jeong eun``; ``张伟`` -> ``zhang wei``) so that
   syllables can meet a romanised name however it was spaced; Cyrillic words become one
   token each.
2. **Business words** in Hangul or Han characters (무역, 电子: ``business_words.yaml``)
   become the English words lists use (trading, electronics).
3. **Legal forms** (``legal_forms.yaml``: Co., Ltd., LLC, OOO, JSC, 주식회사, 有限公司 ...)
   are removed at the start or end of the name; the form keeps a flag that the name is an
   organisation.
4. **Korean surname spellings** (``translit.yaml``) get one extra key (Ri/Yi/Lee -> lee).
5. **Folding rules** (``translit.yaml``) reconcile romanisation systems token by token
   (Jeong/Jong/Chong, Sergei/Sergey/Sergej, Khabarov/Habarov).

>>> form = name_form("Kim Jong-un")
>>> form.tokens, form.folded
(('kim', 'jong', 'un'), ('kim', 'jonk', 'un'))
>>> name_form("김정은").folded, name_form("RI Yong Chol").surnames
(('kim', 'jonk', 'un'), ('lee', '', ''))
>>> form = name_form("ООО «Техносфера»")
>>> form.tokens, form.organisation, form.legal_forms
(('tekhnosfera',), True, ('OOO',))
>>> name_form("Shenzhen Huaxin Co., Ltd.").tokens
('shenzhen', 'huaxin')
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import yaml
from anyascii import anyascii
from rapidfuzz.distance import Indel

from opencustoms.settings import PACKAGE_DATA_DIR

DATA_DIR = PACKAGE_DATA_DIR / "screening"


@dataclass(frozen=True, slots=True)
class NameForm:
    """One written name (a list name, an alias or a party name) ready to compare."""

    text: str  # as written, for explanations
    tokens: tuple[str, ...]  # ASCII, lower case, legal forms removed
    folded: tuple[str, ...]  # matching keys, one per token
    surnames: tuple[str, ...]  # Korean surname key per token ('' when not a surname spelling)
    organisation: bool  # a legal form was found
    legal_forms: tuple[str, ...]  # the legal forms removed, as listed in the data file
    script: str  # latin, hangul, han, cyrillic or mixed

    @property
    def compact(self) -> str:
        """Folded tokens without spaces: 'Jong Un' and 'Jongun' meet here."""
        return "".join(self.folded)


def _load_yaml(name: str) -> Any:
    with (DATA_DIR / name).open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


_HANGUL = re.compile("[\uac00-\ud7a3\u1100-\u11ff]")
_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")
_SYLLABLE = re.compile("[\uac00-\ud7a3\u4e00-\u9fff\u3400-\u4dbf]")
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_OTHER_LETTER = re.compile(
    "[^\\W\\d_\u0400-\u04ff\uac00-\ud7a3\u1100-\u11ff\u4e00-\u9fff\u3400-\u4dbf]"
)


def _is_syllabic(char: str) -> bool:
    return _SYLLABLE.match(char) is not None


def script_of(text: str) -> str:
    """The writing system of a name: ``latin``, ``hangul``, ``han``, ``cyrillic``, ``mixed``.

    >>> script_of("김정은"), script_of("张伟"), script_of("Иван"), script_of("Ivan")
    ('hangul', 'han', 'cyrillic', 'latin')
    """
    seen = [
        name
        for name, pattern in (
            ("hangul", _HANGUL),
            ("han", _HAN),
            ("cyrillic", _CYRILLIC),
            ("latin", _OTHER_LETTER),
        )
        if pattern.search(text)
    ]
    if len(seen) == 1:
        return seen[0]
    return "mixed" if seen else "latin"


_SPLIT = re.compile(r"[^a-z0-9]+")
_APOSTROPHES = re.compile(r"['`\u2019\u02b9\u02ba]")


def ascii_tokens(text: str) -> list[str]:
    """Transliterate and split: one token per word, one per Hangul or Han syllable.

    >>> ascii_tokens("Zhāng Wěi-Míng"), ascii_tokens("광명무역"), ascii_tokens("Ким Ир Сен")
    (['zhang', 'wei', 'ming'], ['gwang', 'myeong', 'mu', 'yeog'], ['kim', 'ir', 'sen'])
    """
    # Syllables get spaces around them so each becomes its own token.
    if _SYLLABLE.search(text) is None:
        parts = [text]
    else:
        parts = [f" {anyascii(char)} " if _is_syllabic(char) else char for char in text]
    # Apostrophes render Cyrillic soft and hard signs (Yur'evich): part of the word.
    latin = _APOSTROPHES.sub("", anyascii("".join(parts)).lower())
    return [token for token in _SPLIT.split(latin) if token]


def _is_textual(form: str) -> bool:
    # "(주)" and "㈜" transliterate to the syllable "ju", which ends many Korean given
    # names (민주): such forms are only removed as written, never as a token.
    return any(not ch.isalnum() and not ch.isspace() and ch not in ".,-" for ch in form)


@lru_cache(maxsize=1)
def _textual_forms() -> tuple[str, ...]:
    forms = [e["form"] for e in _load_yaml("legal_forms.yaml")["forms"] if _is_textual(e["form"])]
    return tuple(sorted(forms, key=len, reverse=True))


def _strip_textual_forms(text: str) -> tuple[str, list[str]]:
    removed = []
    text = text.strip()
    for form in _textual_forms():
        if text.startswith(form) and len(text) > len(form):
            text = text[len(form) :].strip()
            removed.append(form)
        if text.endswith(form) and len(text) > len(form):
            text = text[: -len(form)].strip()
            removed.append(form)
    return text, removed


@lru_cache(maxsize=1)
def _legal_forms() -> tuple[tuple[tuple[str, ...], str], ...]:
    forms = []
    for entry in _load_yaml("legal_forms.yaml")["forms"]:
        tokens = tuple(ascii_tokens(entry["form"]))
        if tokens and not _is_textual(entry["form"]):
            forms.append((tokens, entry["form"]))
    # Longest first, so "Co., Ltd." is removed whole before "Co".
    forms.sort(key=lambda item: -len(item[0]))
    return tuple(forms)


@lru_cache(maxsize=1)
def _folding() -> tuple[dict[str, str], tuple[tuple[re.Pattern[str], str], ...]]:
    data = _load_yaml("translit.yaml")
    surnames = {
        spelling: key
        for key, spellings in data["korean_surnames"]["map"].items()
        for spelling in spellings
    }
    rules = tuple((re.compile(rule["pattern"]), rule["replace"]) for rule in data["rules"])
    return surnames, rules


def surname_key(token: str) -> str:
    """The Korean surname a spelling stands for, or '' (Ri, Yi, Lee -> lee).

    Kept apart from the folded key: "yu" is a surname spelling of 류 but also a Chinese
    syllable, so a surname key only ever adds a match, it never changes the folded token.

    >>> surname_key("rhee"), surname_key("pak"), surname_key("sergei")
    ('lee', 'park', '')
    """
    return _folding()[0].get(token, "")


@lru_cache(maxsize=200_000)
def fold_token(token: str) -> str:
    """The matching key of one ASCII token.

    >>> [fold_token(t) for t in ("jeong", "chong", "sergey", "sergej", "khabarov", "habarov")]
    ['jonk', 'jonk', 'selki', 'selki', 'hapalov', 'hapalov']
    """
    rules = _folding()[1]
    for pattern, replacement in rules:
        token = pattern.sub(replacement, token)
    return token


def _same_form(tokens: list[str], form: tuple[str, ...]) -> bool:
    # A typo in a long legal-form word ("Limiited") is still the legal form.
    return all(
        t == f or (len(f) >= 6 and Indel.normalized_similarity(t, f) >= 0.85)
        for t, f in zip(tokens, form, strict=True)
    )


Form = tuple[tuple[str, ...], str]


@lru_cache(maxsize=1)
def _edge_index() -> tuple[dict[str, list[Form]], list[Form]]:
    """Forms by their first and by their last word, and the forms a typo may hide (a
    long first or last word): only those are compared with each name's edges."""
    by_edge: dict[str, list[Form]] = {}
    fuzzy: list[Form] = []
    for item in _legal_forms():
        form = item[0]
        for word in {form[0], form[-1]}:
            by_edge.setdefault(word, []).append(item)
        if len(form[0]) >= 6 or len(form[-1]) >= 6:
            fuzzy.append(item)
    return by_edge, fuzzy


def _forms_at_edges(tokens: list[str]) -> list[Form]:
    by_edge, fuzzy = _edge_index()
    found = {*by_edge.get(tokens[0], ()), *by_edge.get(tokens[-1], ())}
    for edge in (tokens[0], tokens[-1]):
        if len(edge) >= 5:
            found.update(f for f in fuzzy if edge[0] in (f[0][0][0], f[0][-1][0]))
    return sorted(found, key=lambda item: (-len(item[0]), item[1]))


def _strip_legal_forms(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Remove legal forms at either end (repeatedly: 'OOO Tekhnosfera LLC')."""
    removed: list[str] = []
    changed = True
    while changed and tokens:
        changed = False
        for form, label in _forms_at_edges(tokens):
            size = len(form)
            if size >= len(tokens):
                continue  # never strip a name down to nothing
            if _same_form(tokens[:size], form):
                tokens, changed = tokens[size:], True
            elif _same_form(tokens[-size:], form):
                tokens, changed = tokens[:-size], True
            if changed:
                removed.append(label)
                break
    return tokens, removed


@lru_cache(maxsize=1)
def _business_words() -> tuple[tuple[str, str], ...]:
    words = _load_yaml("business_words.yaml")["words"]
    return tuple(sorted(words.items(), key=lambda item: -len(item[0])))


def _translate_business_words(text: str) -> str:
    if _SYLLABLE.search(text) is None:
        return text
    for native, english in _business_words():
        text = text.replace(native, f" {english} ")
    return text


@lru_cache(maxsize=100_000)
def name_form(text: str) -> NameForm:
    """Normalise one written name (cached: lists repeat aliases and parties repeat names).

    >>> name_form("광명무역 주식회사").tokens, name_form("(주)광명무역").tokens
    (('gwang', 'myeong', 'trading'), ('gwang', 'myeong', 'trading'))
    >>> name_form("장민주").tokens, name_form("장민주").organisation
    (('jang', 'min', 'ju'), False)
    """
    bare, textual = _strip_textual_forms(text)
    tokens, removed = _strip_legal_forms(ascii_tokens(_translate_business_words(bare)))
    removed = textual + removed
    return NameForm(
        text=text,
        tokens=tuple(tokens),
        folded=tuple(fold_token(t) for t in tokens),
        surnames=tuple(surname_key(t) for t in tokens),
        organisation=bool(removed),
        legal_forms=tuple(removed),
        script=script_of(text),
    )
