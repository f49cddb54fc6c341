"""Identity keys: spelling variants meet, different people stay apart."""

from __future__ import annotations

from opencustoms.parcels.normalise import address_keys, name_keys, phone_keys


def test_name_variants_meet() -> None:
    forms = ["김민준", "김 민준", "Kim Minjun", "KIM MIN JUN", "Min-joon Gim", "Minjun KIM"]
    assert len(set(name_keys(forms))) == 1


def test_different_given_names_in_one_family_stay_apart() -> None:
    keys = name_keys(["김민준", "김민지", "Kim Seo-yeon"])
    assert len(set(keys)) == 3


def test_address_variants_meet_and_other_units_differ() -> None:
    same = [
        "서울특별시 강남구 테헤란로 12, 101동 1203호",
        "서울 강남구 테헤란로 12 101-1203",
        "101-1203, 12 Teheran-ro, Gangnam-gu, Seoul",
    ]
    assert len(set(address_keys(same))) == 1
    other = address_keys(["서울 강남구 테헤란로 12 101-1204"])[0]
    assert other != address_keys(same)[0]


def test_phone_formats_meet() -> None:
    assert len(set(phone_keys(["010-1234-5678", "01012345678", "+82 10 1234 5678"]))) == 1


def test_empty_values_have_no_key() -> None:
    assert name_keys(["", None]) == ["", ""]
    assert phone_keys([None]) == [""]
