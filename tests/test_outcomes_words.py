"""Open text: answers normalised into words, and counted."""

from hypothesis import given
from hypothesis import strategies as st

from assembly.outcomes.words import STOP_WORDS, count_word_sets, count_words, words_of
from tests.outcomes_helpers import PROPERTY


def test_words_are_casefolded_nfkc_and_stripped_of_punctuation() -> None:
    assert words_of("Ｐａｒｋｉｎｇ!! STRASSE, straße; «café»") == [
        "parking",
        "strasse",
        "strasse",
        "café",
    ]


def test_stop_words_and_numbers_are_dropped() -> None:
    assert words_of("The waits are too long: 45 minutes in 2024, the 3rd time") == [
        "waits",
        "long",
        "minutes",
        "time",
    ]
    assert words_of("covid19 and B12") == ["covid19", "b12"]  # letters and digits: a word


def test_lone_letters_are_dropped_but_not_a_lone_ideograph() -> None:
    assert words_of("A&E, x-ray, well‐being -- end-") == ["x-ray", "well-being", "end"]
    assert words_of("水 and 医院") == ["水", "医院"]


def test_apostrophes_inside_words_and_possessives() -> None:
    # A curly apostrophe is the same as a straight one; "don't" and "it's" are stop words.
    assert words_of("Don’t close the council's café, it's o'clock") == [
        "close",
        "council",
        "café",
        "o'clock",
    ]


def test_empty_answers_give_no_words() -> None:
    assert words_of("") == []
    assert words_of("  ... !!! 42 ") == []
    assert count_words([]) == []
    assert count_words(["", "the and of"]) == []


def test_a_word_counts_once_per_answer() -> None:
    assert count_words(["wait wait wait", "wait"]) == [("wait", 2)]


def test_counting_kept_word_lists_gives_the_same_counts() -> None:
    answers = ["Waits too long", "the wait", "wait wait", "buses", "bus"]
    assert count_word_sets(words_of(a) for a in answers) == count_words(answers)
    assert count_word_sets([]) == []


def test_plurals_merge_with_a_written_singular_only() -> None:
    counts = count_words(["waits", "long waits", "the wait", "buses", "bus", "parties", "news"])
    assert counts == [("waits", 3), ("bus", 2), ("long", 1), ("news", 1), ("parties", 1)]
    # "wait" was written once and "waits" twice: shown as "waits" with 3.
    counts = count_words(["waits", "long waits", "the wait"])
    assert ("waits", 3) in counts and all(w != "wait" for w, _ in counts)


def test_a_tie_between_forms_shows_the_singular() -> None:
    assert count_words(["wait", "waits"]) == [("wait", 2)]


def test_counts_are_ordered_by_count_then_alphabetically() -> None:
    assert count_words(["zebra crossing", "apple", "zebra"]) == [
        ("zebra", 2),
        ("apple", 1),
        ("crossing", 1),
    ]


def test_the_stop_word_list_is_lower_case_and_normalised() -> None:
    for word in STOP_WORDS:
        assert word == word.casefold()
        assert words_of(word) == []


@PROPERTY
@given(st.lists(st.text(max_size=200), max_size=20))
def test_counting_never_loses_or_invents_a_word(answers: list[str]) -> None:
    counts = count_words(answers)
    per_answer = sum(len(set(words_of(a))) for a in answers)
    assert sum(n for _, n in counts) == per_answer
    assert all(n > 0 for _, n in counts)
    assert len({w for w, _ in counts}) == len(counts)
    for word, _ in counts:
        assert word not in STOP_WORDS
        assert word == word.casefold()
        assert not any(c.isspace() for c in word)


@PROPERTY
@given(st.lists(st.text(max_size=200), max_size=10), st.randoms())
def test_counting_does_not_depend_on_the_order_of_answers(answers: list[str], rnd: object) -> None:
    import random

    assert isinstance(rnd, random.Random)
    shuffled = list(answers)
    rnd.shuffle(shuffled)
    assert count_words(answers) == count_words(shuffled)
