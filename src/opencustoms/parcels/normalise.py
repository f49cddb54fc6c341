"""Identity keys from free text as written on waybills: names, addresses, phones, goods.

Every function works on the *distinct* values of a column (a manifest repeats each
recipient many times) and returns one key per value; callers gather the keys back to rows.

* Names: Hangul syllables map to their canonical romanisation (``names.yaml``, else the
  korean-romanizer library); romanised spellings (``Gim``, ``Min-joon``, ``KIM MINJUN``,
  ``Minjun Kim``) lose case, spacing and hyphens and every known variant spelling is
  replaced by the canonical one, so they all meet at ``kim:minjun``.
* Addresses: the road name (Hangul romanised) plus the numbers (building, unit) in any order,
  so ``서울 강남구 테헤란로 12, 101동 1203호`` and ``101-1203, 12 Teheran-ro, Seoul`` meet.
* Phones: the national number's last ten digits (``+82 10-...`` and ``010...`` meet).

>>> name_keys(["김민준", "Kim Min-joon", "MINJUN GIM", "Gim Minjun"])
['kim:minjun', 'kim:minjun', 'kim:minjun', 'kim:minjun']
>>> address_keys(["서울 강남구 테헤란로 12, 101동 1203호", "101-1203, 12 Teheran-ro, Seoul"])
['teheranro|3|1316|1457554', 'teheranro|3|1316|1457554']
>>> phone_keys(["+82-10-1234-5678", "010 1234 5678"])
['1012345678', '1012345678']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from opencustoms.parcels.reference import load_reference

_TOKENS = re.compile(r"[^\w]+")


@lru_cache(maxsize=1)
def _name_tables() -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    ref = load_reference()
    hangul_surname = {s["hangul"]: s["canonical"] for s in ref.surnames}
    roman_surname: dict[str, str] = {}
    for s in ref.surnames:
        for spelling in [s["canonical"], *s["variants"]]:
            roman_surname.setdefault(spelling, s["canonical"])
    syllable = {s["hangul"]: s["canonical"] for s in ref.syllables}
    variants = {v: s["canonical"] for s in ref.syllables for v in s["variants"]}
    return hangul_surname, roman_surname, {**syllable, **variants}


@lru_cache(maxsize=4096)
def romanise_hangul(text: str) -> str:
    """Revised Romanisation of a Hangul word (korean-romanizer), lower case."""
    from korean_romanizer.romanizer import Romanizer

    return str(Romanizer(text).romanize()).lower()


def _squash_given(given: pa.Array) -> pa.Array:
    """Variant spellings replaced by canonical ones, longest variant first."""
    _, _, table = _name_tables()
    variants = sorted((v for v in table if v.isascii() and v != table[v]), key=len, reverse=True)
    for v in variants:
        given = pc.replace_substring(given, v, table[v])
    return given


def _map(values: pa.Array, mapping: dict[str, str], fallback: Callable[[str], str]) -> pa.Array:
    """Map text through a dict (unknown values through ``fallback``), once per distinct."""
    enc = pc.dictionary_encode(values)
    uniq = enc.dictionary.to_pylist()
    out = pa.array(
        [None if u is None else mapping.get(u) or fallback(u) for u in uniq], pa.string()
    )
    return pc.take(out, enc.indices)


def name_keys(values: Sequence[str | None]) -> list[str]:
    """``surname:given`` in canonical romanisation per name; ``""`` when nothing usable."""
    hangul_surname, roman_surname, table = _name_tables()
    arr = pa.array([v or "" for v in values], pa.string())
    is_hangul = pc.match_substring_regex(arr, "[\uac00-\ud7a3]")
    # Hangul: first syllable the surname, the rest syllable by syllable.
    h = pc.replace_substring_regex(arr, "[^\uac00-\ud7a3]", "")
    first = pc.utf8_slice_codeunits(h, 0, 1)
    h_sur = _map(first, hangul_surname, lambda u: "")
    rest = pc.if_else(pc.equal(h_sur, ""), h, pc.utf8_slice_codeunits(h, 1, 8))
    parts = [
        _map(pc.utf8_slice_codeunits(rest, i, i + 1), table, romanise_hangul) for i in range(4)
    ]
    h_given = pc.binary_join_element_wise(*parts, "")
    # Romanised: tokens; Korean order unless only the last token is a surname.
    # a hyphen joins the syllables of a given name (Min-jun), it does not separate words
    joined = pc.replace_substring(pc.utf8_lower(arr), "-", "")
    low = pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, "[^a-z]+", " "))
    tok = pc.split_pattern(low, " ")
    offsets = tok.offsets.to_numpy()
    flat = pc.list_flatten(tok)
    n = np.diff(offsets)
    rows = np.repeat(np.arange(len(n)), n)
    pos = np.arange(len(flat)) - offsets[rows]
    is_sur = pc.is_in(flat, value_set=pa.array(sorted(roman_surname))).to_numpy(
        zero_copy_only=False
    )
    head_sur = is_sur[offsets[:-1]]
    last_sur = is_sur[offsets[1:] - 1]
    korean = head_sur & ((n > 2) | ~last_sur)
    sur_pos = np.where(~korean & last_sur, n - 1, 0)
    keep = pos != sur_pos[rows]
    sur = pc.take(flat, pa.array(offsets[:-1] + sur_pos))
    kept_offsets = np.r_[0, np.cumsum(np.bincount(rows[keep], minlength=len(n)))]
    given = pc.binary_join(
        pa.ListArray.from_arrays(
            pa.array(kept_offsets, pa.int32()), pc.filter(flat, pa.array(keep))
        ),
        "",
    )
    r_sur = _map(sur, roman_surname, lambda u: u)
    single = pa.array(n <= 1)
    r_sur = pc.if_else(single, "", r_sur)
    given = pc.if_else(single, low, given)
    sur_all = pc.if_else(is_hangul, h_sur, r_sur)
    given_all = _squash_given(pc.if_else(is_hangul, h_given, given))
    keys = pc.binary_join_element_wise(pc.fill_null(sur_all, ""), pc.fill_null(given_all, ""), ":")
    empty = pc.equal(pc.utf8_length(pc.replace_substring_regex(arr, "\\s", "")), 0)
    return pc.if_else(empty, "", keys).to_pylist()


def name_key(name: str | None) -> str:
    """One name's key (see :func:`name_keys`)."""
    return name_keys([name])[0]


def address_keys(values: Sequence[str | None]) -> list[str]:
    """``road|count|sum|sum of squares`` per address: the romanised road name and the
    numbers (building, unit) whatever their order or punctuation."""
    arr = pa.array([v or "" for v in values], pa.string())
    hangul = pc.struct_field(pc.extract_regex(arr, "(?P<r>[\uac00-\ud7a3]+(?:로|길))\\s*\\d"), [0])
    h_road = _map(hangul, {}, romanise_hangul)
    low = pc.utf8_lower(arr)
    roman = pc.struct_field(pc.extract_regex(low, "(?P<r>[a-z]+-?(?:daero|ro|gil))\\b"), [0])
    road = pc.coalesce(h_road, roman, pa.scalar(""))
    road = pc.replace_substring_regex(road, "[^a-z]", "")
    parts = pc.split_pattern_regex(arr, "\\D+")
    rows = pc.list_parent_indices(parts).to_numpy()
    flat = pc.list_flatten(parts)
    ok = pc.greater(pc.utf8_length(flat), 0).to_numpy(zero_copy_only=False)
    nums = pc.cast(pc.filter(flat, pa.array(ok)), pa.float64()).to_numpy()
    rows = rows[ok]
    count = np.bincount(rows, minlength=len(arr))
    total = np.bincount(rows, nums, minlength=len(arr)).astype(np.int64)
    square = np.bincount(rows, nums * nums, minlength=len(arr)).astype(np.int64)
    roads = road.to_pylist()
    return [
        f"{r}|{c}|{t}|{q}" if (r or c) else ""
        for r, c, t, q in zip(roads, count.tolist(), total.tolist(), square.tolist(), strict=True)
    ]


def address_key(address: str | None) -> str:
    return address_keys([address])[0]


def phone_keys(values: Sequence[str | None]) -> list[str]:
    """The national significant number: digits without the country code or trunk 0."""
    arr = pa.array([v or "" for v in values], pa.string())
    digits = pc.replace_substring_regex(arr, "\\D", "")
    national = pc.if_else(pc.starts_with(digits, "82"), pc.utf8_slice_codeunits(digits, 2), digits)
    return pc.utf8_ltrim(national, characters="0").to_pylist()


def phone_key(phone: str | None) -> str:
    return phone_keys([phone])[0]
