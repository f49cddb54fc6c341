"""The password policy (issue 18, finding 12): one check for every path that sets a
password - workspace users (CLI, admin API and page, demo) and public portal accounts.

The rules and the list of common passwords are data
(``data/workspace/password-policy.yaml`` and ``common-passwords.txt``, each with its
source), after NIST SP 800-63B 5.1.1.2: long enough, not whitespace only, not a common
password, not made up of common passwords, keyboard or digit runs and context words
(``passwordpassword``, ``qwerty123456``, ``customs12345678``), not one or two characters
repeated. Logging in never applies it, so existing accounts keep working until reset.

>>> check_password("a long passphrase of mine")
>>> check_password("short")
Traceback (most recent call last):
...
opencustoms.errors.InvalidInput: password: at least 12 characters
>>> check_password("qwerty123456")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
opencustoms.errors.InvalidInput: password: too common: made of common passwords, ...
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import yaml

from opencustoms.errors import InvalidInput
from opencustoms.settings import PACKAGE_DATA_DIR

POLICY_FILE = PACKAGE_DATA_DIR / "workspace" / "password-policy.yaml"


@dataclass(frozen=True)
class Policy:
    min_length: int
    max_length: int
    min_distinct: int
    min_run: int
    sequences: tuple[str, ...]
    words: frozenset[str]  # common passwords and context words, lower-cased
    longest: int


@cache
def policy() -> Policy:
    data = yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))
    common = (POLICY_FILE.parent / data["common_file"]).read_text(encoding="utf-8")
    words = {
        line.strip().lower()
        for line in common.splitlines()
        if line.strip() and not line.startswith("#")
    }
    words |= {w.lower() for w in data["context_words"]}
    return Policy(
        min_length=int(data["min_length"]),
        max_length=int(data["max_length"]),
        min_distinct=int(data["min_distinct"]),
        min_run=int(data["min_run"]),
        sequences=tuple(s.lower() for s in data["sequences"]),
        words=frozenset(words),
        longest=max(len(w) for w in [*words, *data["sequences"]]),
    )


def _piece(text: str, p: Policy, extra: frozenset[str]) -> bool:
    if text in p.words or text in extra:
        return True
    return len(text) >= p.min_run and any(text in seq for seq in p.sequences)


def _made_of_common_pieces(text: str, p: Policy, extra: frozenset[str]) -> bool:
    """True when ``text`` splits entirely into common pieces (a word-break over the list;
    no piece is longer than the longest word or sequence, so O(n * longest) checks)."""
    n = len(text)
    reach = [False] * (n + 1)
    reach[0] = True
    longest = max(p.longest, *(len(w) for w in extra)) if extra else p.longest
    for end in range(1, n + 1):
        for start in range(end - 1, max(-1, end - longest - 1), -1):
            if reach[start] and _piece(text[start:end], p, extra):
                reach[end] = True
                break
    return reach[n]


def check_password(
    password: str, *, field: str = "password", context: tuple[str, ...] = ()
) -> None:
    """Raise :class:`InvalidInput` naming ``field`` when ``password`` breaks the policy.

    ``context``: words specific to the account (username, e-mail name) that must not make
    up the password either.
    """
    p = policy()
    if not password.strip():
        raise InvalidInput(field, "must not be empty or only spaces")
    if len(password) < p.min_length:
        raise InvalidInput(field, f"at least {p.min_length} characters")
    if len(password) > p.max_length:
        raise InvalidInput(field, f"at most {p.max_length} characters")
    lowered = password.lower()
    if len(set(lowered)) < p.min_distinct:
        raise InvalidInput(field, f"at least {p.min_distinct} different characters")
    extra = frozenset(c.lower() for c in context if len(c) >= 3)
    # Spaces and separators around common words do not make them uncommon.
    squeezed = "".join(lowered.split())
    if lowered in p.words or _made_of_common_pieces(squeezed, p, extra):
        raise InvalidInput(
            field,
            "too common: made of common passwords, keyboard or digit runs or obvious words",
        )
