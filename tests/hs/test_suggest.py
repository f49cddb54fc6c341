from __future__ import annotations

import pytest

from opencustoms.hs.service import Classifier, suggest
from opencustoms.hs.text import QueryError, prepare_query

# Goods whose subheading is not a matter of judgement.
UNAMBIGUOUS = [
    ("fresh boneless beef", "020130"),
    ("frozen boneless bovine meat", "020230"),
    ("live horses for breeding, pure-bred", "010121"),
    ("crude petroleum oil", "270900"),
    ("men's cotton T-shirts, knitted", "610910"),
    ("new pneumatic rubber tyres for passenger motor cars", "401110"),
]


@pytest.mark.parametrize(("text", "code"), UNAMBIGUOUS)
def test_unambiguous_goods_rank_their_subheading_first_or_close(
    classifier: Classifier, text: str, code: str
) -> None:
    codes = [c.hs6 for c in suggest(text=text, top=5, use_feedback=False)]
    assert code in codes[:3], codes


def test_fresh_boneless_beef_is_0201_30(classifier: Classifier) -> None:
    first = suggest(text="fresh boneless beef", top=5, use_feedback=False)[0]
    assert first.hs6 == "020130"
    assert first.heading == "0201" and first.chapter == "02"
    assert "bovine" in first.description.lower()
    assert first.matched  # the text that matched is reported


def test_candidates_are_ranked_and_complete(classifier: Classifier) -> None:
    cands = suggest(text="laptop computer with 14 inch screen", top=10, use_feedback=False)
    assert len(cands) == 10
    assert [c.score for c in cands] == sorted((c.score for c in cands), reverse=True)
    assert len({c.hs6 for c in cands}) == 10
    assert all(0 <= c.confidence <= 1 for c in cands)
    assert cands[0].chapter == "84"


@pytest.mark.parametrize(
    ("text", "chapter"),
    [("냉동 새우", "03"), ("신선한 쇠고기", "02"), ("노트북 컴퓨터", "84"), ("면 티셔츠", "61")],
)
def test_korean_input(classifier: Classifier, text: str, chapter: str) -> None:
    cands = suggest(text=text, top=5, use_feedback=False)
    assert chapter in [c.chapter for c in cands[:3]], [c.hs6 for c in cands]


def test_mixed_language_input(classifier: Classifier) -> None:
    cands = suggest(text="냉동 shrimp 새우 peeled", top=5, use_feedback=False)
    assert cands[0].chapter in {"03", "16"}


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "?!.,", "\x00"])
def test_text_without_content_is_a_clear_error(text: str) -> None:
    with pytest.raises(QueryError, match="text"):
        suggest(text=text)


@pytest.mark.parametrize("value", [None, 42, b"beef", ["beef"]])
def test_non_text_is_a_clear_error(value: object) -> None:
    with pytest.raises(QueryError, match="text: expected a string"):
        suggest(text=value)  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["x", "7", "é", "牛"])
def test_one_character_gives_low_confidence_candidates(classifier: Classifier, text: str) -> None:
    cands = suggest(text=text, top=5, use_feedback=False)
    assert len(cands) == 5
    assert all(c.confidence <= 0.125 for c in cands)


def test_100_kb_input_is_ranked(classifier: Classifier) -> None:
    text = "frozen shrimp " + "lorem ipsum dolor sit amet " * 4000
    assert len(text) > 100_000
    cands = suggest(text=text, top=5, use_feedback=False)
    assert len(cands) == 5


def test_top_is_validated() -> None:
    with pytest.raises(ValueError, match="top"):
        suggest(text="beef", top=0)


def test_e5_views_by_script(classifier: Classifier) -> None:
    # English text: e5 adds only its US-line view (its subheading/heading views are for
    # non-Latin text); Korean text gets all e5 views.
    english = classifier.index.signals(prepare_query("stainless steel kitchen sink")).values
    assert "e5_line" in english and "e5_sub" not in english
    assert english["e5_line"].shape == (len(classifier.index.codes),)
    korean = classifier.index.signals(prepare_query("냉동 새우")).values
    assert {"e5_line", "e5_sub", "e5_head"} <= set(korean)
