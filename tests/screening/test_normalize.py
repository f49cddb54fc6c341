"""Names written in different scripts and systems meet in one normalised form."""

from __future__ import annotations

import pytest

from opencustoms.screening.compare import compare_names
from opencustoms.screening.normalize import fold_token, name_form, script_of


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("김정철", "Kim Jong Chol"),  # Hangul vs DPRK-style romanisation
        ("Gim Jeong-cheol", "KIM Jong Chol"),  # Revised Romanization vs McCune-Reischauer
        ("Ri Yong Gil", "Lee Yeong-gil"),  # surname spellings
        ("Хабаров Сергей Юрьевич", "Sergei Yurievich KHABAROV"),  # Cyrillic vs BGN
        ("Sergej Jur'evich Habarov", "Sergey Yuryevich Khabarov"),  # GOST vs BGN
        ("张伟明", "ZHANG Weiming"),  # characters vs pinyin
        ("Zhāng Wěi-míng", "Weiming Zhang"),  # tones, hyphen, order
    ],
)
def test_spellings_of_one_name_compare_as_the_same_words(a: str, b: str) -> None:
    result = compare_names(name_form(a), name_form(b))
    assert result.similarity >= 0.9, (a, b, result)
    assert result.conflicts == 0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Kim Jong Chol", "Kim Song Chol"),  # another given name
        ("Sergei Ivanov", "Andrei Ivanov"),
        ("Zhang Weiming", "Zhang Haibo"),
    ],
)
def test_different_given_names_conflict(a: str, b: str) -> None:
    assert compare_names(name_form(a), name_form(b)).conflicts >= 1


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Kwangmyong Trading Co., Ltd.", ("kwangmyong", "trading")),
        ("광명무역 주식회사", ("gwang", "myeong", "trading")),
        ("(주)광명무역", ("gwang", "myeong", "trading")),
        ("ООО «Техносфера»", ("tekhnosfera",)),
        ("Tekhnosfera LLC", ("tekhnosfera",)),
        ("深圳华信电子有限公司", ("shen", "zhen", "hua", "xin", "electronics")),
        ("Xiamen Xinyuan Trading Company Limiited", ("xiamen", "xinyuan", "trading")),
    ],
)
def test_legal_forms_and_business_words(text: str, tokens: tuple[str, ...]) -> None:
    form = name_form(text)
    assert form.tokens == tokens
    assert form.organisation


def test_a_legal_form_alone_is_not_stripped_to_nothing() -> None:
    assert name_form("Company").tokens == ("company",)


def test_surname_keys_never_change_the_folded_token() -> None:
    # "yu" is a Korean surname spelling and a Chinese syllable: only an extra key.
    form = name_form("Yu Hua Luo")
    assert form.folded[0] == fold_token("yu")
    assert form.surnames[0] == "ryu"


def test_scripts() -> None:
    assert [script_of(t) for t in ("김", "张", "Ж", "Z", "Kim 김")] == [
        "hangul",
        "han",
        "cyrillic",
        "latin",
        "mixed",
    ]
