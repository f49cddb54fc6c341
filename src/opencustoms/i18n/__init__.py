"""Translations of the user interface (Korean and English), face-free.

Messages are marked in Python with ``_()``/``gettext`` and in templates with ``{% trans %}``
or ``_()``; ``scripts/i18n.sh`` (pybabel) extracts them into ``locale/messages.pot`` and
updates ``locale/<lang>/LC_MESSAGES/messages.po``; the compiled ``.mo`` files are
committed and a test checks they match the ``.po`` files. The source language is English.

>>> negotiate("ko-KR,ko;q=0.9,en-US;q=0.8")
'ko'
>>> negotiate("fr-FR, de;q=0.5"), negotiate(""), negotiate("en-GB;q=0.3, ko;q=0.2")
('ko', 'en', 'en')
>>> translator("ko").gettext("Customs duty"), translator("en").gettext("Customs duty")
('관세', 'Customs duty')
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DOMAIN = "messages"
LANGUAGES = ("ko", "en")
# The portal serves Korea: a browser that asks for neither language gets Korean. A client
# that sends no Accept-Language at all (scripts, API clients) gets the source language.
DEFAULT_LANGUAGE = "ko"
SOURCE_LANGUAGE = "en"
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}
COOKIE = "lang"


def negotiate(accept_language: str | None, supported: tuple[str, ...] = LANGUAGES) -> str:
    """The best supported language for an ``Accept-Language`` header (RFC 9110 12.5.4)."""
    if not (accept_language or "").strip():
        return SOURCE_LANGUAGE
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            name, _, value = p.strip().partition("=")
            if name == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if tag and q > 0:
            ranked.append((-q, i, tag.split("-")[0].lower()))
    for _q, _i, lang in sorted(ranked):
        if lang in supported:
            return lang
    return DEFAULT_LANGUAGE


def pick_language(*, query: str | None, cookie: str | None, accept_language: str | None) -> str:
    """An explicit choice (``?lang=``), then the remembered one (cookie), then the browser."""
    for choice in (query, cookie):
        if choice in LANGUAGES:
            return str(choice)
    return negotiate(accept_language)


@lru_cache(maxsize=len(LANGUAGES) + 1)
def translator(language: str) -> NullTranslations:
    """gettext translations of ``language``; English is the source, untranslated falls back."""
    if language not in LANGUAGES:
        language = DEFAULT_LANGUAGE
    return Translations.load(str(LOCALE_DIR), [language], domain=DOMAIN)
