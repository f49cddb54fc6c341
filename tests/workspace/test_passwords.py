"""The password policy (issue 18, finding 12): every rule refuses with the field named,
and the data file it reads carries its source."""

from __future__ import annotations

import pytest

from opencustoms.errors import InvalidInput
from opencustoms.workspace.passwords import POLICY_FILE, check_password, policy


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("", "only spaces"),
        (" " * 20, "only spaces"),
        ("\t \u3000 \n" * 4, "only spaces"),  # tabs, ideographic spaces, newlines
        ("short pw", "at least 12 characters"),
        ("a" * 11 + "b", "different characters"),
        ("121212121212", "different characters"),
        ("x" * 257, "at most 256"),
        ("passwordpassword", "too common"),
        ("PASSWORD123456", "too common"),  # case does not help
        ("qwerty 123456", "too common"),  # nor spaces between common pieces
        ("iloveyou1234", "too common"),
        ("123456789012", "too common"),  # a digit run
        ("qwertyuiopasdf", "too common"),  # a keyboard run
        ("customs12345678", "too common"),  # the service's name
        ("sunshinedragon", "too common"),  # two common passwords
    ],
)
def test_weak_passwords_are_refused_naming_the_field(password: str, reason: str) -> None:
    with pytest.raises(InvalidInput) as err:
        check_password(password, field="new_password")
    assert err.value.field == "new_password"
    assert reason in err.value.reason


def test_the_account_name_does_not_make_a_password() -> None:
    check_password("kim.officer2026!")
    with pytest.raises(InvalidInput, match="too common"):
        check_password("kimofficer123456", context=("kimofficer",))


@pytest.mark.parametrize(
    "password",
    [
        "a long passphrase of mine",
        "correct horse battery",
        "Tr0ub4dor&3-xyz",
        "세관 업무 비밀번호 2026",
    ],
)
def test_ordinary_good_passwords_pass(password: str) -> None:
    check_password(password)


def test_the_rules_are_data_with_a_source() -> None:
    text = POLICY_FILE.read_text(encoding="utf-8")
    assert "NIST SP 800-63B" in text and "MIT" in text
    common = (POLICY_FILE.parent / "common-passwords.txt").read_text(encoding="utf-8")
    assert "SecLists" in common and "Licence: MIT" in common
    p = policy()
    assert p.min_length == 12
    assert {"123456", "password", "qwerty", "dragon"} <= p.words
    assert len([ln for ln in common.splitlines() if not ln.startswith("#")]) == 1001
