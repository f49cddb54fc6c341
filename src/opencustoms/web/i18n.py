"""Language of each request and translated templates (Korean and English).

The language is chosen per request: ``?lang=`` (a switch, remembered in the ``lang``
cookie for a year), else the cookie, else the browser's ``Accept-Language``
(:func:`opencustoms.i18n.pick_language`). It is held in a context variable for the
request, so templates call ``_()`` / ``{% trans %}`` without every route passing it on.
Responses say ``Content-Language`` and vary on the headers the choice came from.
"""

from __future__ import annotations

from contextvars import ContextVar
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

from jinja2 import Environment

from opencustoms.i18n import COOKIE, DEFAULT_LANGUAGE, LANGUAGE_NAMES, LANGUAGES, pick_language
from opencustoms.i18n import translator as _translator
from opencustoms.portal.labels import act, label

_language: ContextVar[str] = ContextVar("language", default=DEFAULT_LANGUAGE)
COOKIE_MAX_AGE = 365 * 24 * 3600


def current_language() -> str:
    return _language.get()


def gettext(message: str) -> str:
    return _translator(_language.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return _translator(_language.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A message whose English is shared by different meanings ("Rate": a tax rate, or
    rating an answer), told apart by ``context`` in the catalogue."""
    return str(_translator(_language.get()).pgettext(context, message))


def tlabel(code: str | None) -> str:
    """A code's display word in the request's language (tax names, statuses, topics);
    "" for no code (gettext("") would answer the catalogue's header)."""
    word = label(code)
    return gettext(word) if word else ""


def ttext(texts: list[Any], fallback: str = "") -> str:
    """Explanations of the tariff engine (``tariff.texts.Text``, as models or their JSON) in
    the request's language, joined like their English; ``fallback`` when there are none.
    Jinja autoescapes the result like any other string."""
    out = []
    for t in texts:
        d = t if isinstance(t, dict) else t.model_dump()
        args = {k: gettext(v) if k in d.get("translate", ()) else v for k, v in d["args"].items()}
        out.append(gettext(d["id"]) % args)
    return "; ".join(out) if out else fallback


def switch_url(path: str, query: str, language: str) -> str:
    """The current page in another language (the query string kept, ``lang`` replaced)."""
    params = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k != "lang"]
    return f"{path}?{urlencode([*params, ('lang', language)])}"


def install(env: Environment) -> None:
    """Give a Jinja environment ``_``/``gettext``/``{% trans %}`` bound to the request."""
    if "jinja2.ext.InternationalizationExtension" not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext, ngettext, newstyle=True, pgettext=pgettext
    )
    env.globals.update(
        current_language=current_language,
        languages=LANGUAGES,
        language_names=LANGUAGE_NAMES,
        switch_url=switch_url,
        tlabel=tlabel,
        ttext=ttext,
        tact=lambda tax, tier="": gettext(act(tax, tier)),
    )


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class LanguageMiddleware:
    """Pure ASGI: pick the language, expose it to the request, remember a switch."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        cookies = SimpleCookie()
        try:
            cookies.load(_header(scope, b"cookie") or "")
        except Exception:  # a malformed Cookie header must not break the page
            cookies = SimpleCookie()
        remembered = cookies[COOKIE].value if COOKIE in cookies else None
        chosen = query.get("lang")
        language = pick_language(
            query=chosen, cookie=remembered, accept_language=_header(scope, b"accept-language")
        )
        token = _language.set(language)
        scope.setdefault("state", {})["language"] = language
        remember = chosen in LANGUAGES and chosen != remembered

        async def send_with_language(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-language", language.encode()))
                headers.append((b"vary", b"Accept-Language, Cookie"))
                if remember:
                    headers.append(
                        (
                            b"set-cookie",
                            f"{COOKIE}={language}; Path=/; Max-Age={COOKIE_MAX_AGE}; "
                            "SameSite=Lax".encode(),
                        )
                    )
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_language)
        finally:
            _language.reset(token)
