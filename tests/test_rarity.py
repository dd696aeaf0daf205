"""The shipped English word table is wordfreq's list, and rarity weighs words as wordfreq's frequencies say."""
from __future__ import annotations

import pytest
import wordfreq

from briefing.text import rarity
from briefing.text.vectors import term_matrix, tokenize


def test_english_table_is_the_installed_wordfreq_list() -> None:
    # Regenerate with `python benchmarks/make_rarity_table.py` when wordfreq is upgraded.
    listed = wordfreq.get_frequency_dict("en", "best")
    assert rarity._ENGLISH_TABLE.stat().st_size == 10 * len(listed)  # a hash and a bucket per listed word
    assert rarity._from_table(rarity._ENGLISH_TABLE, set(listed)) == listed


@pytest.mark.parametrize("words", [{"the", "amnesty", "pinochet", "extradition", "zqxjvw"}, set()])
def test_table_lookup_gives_wordfreq_frequencies(words: set[str]) -> None:
    expected = {w: f for w, f in wordfreq.get_frequency_dict("en", "best").items() if w in words}
    assert rarity._from_table(rarity._ENGLISH_TABLE, words) == expected


def test_rarity_orders_everyday_topical_and_unlisted_words() -> None:
    text = "The government said Pinochet faces extradition to Zqxjvwland."
    counts, vocabulary = term_matrix([tokenize(text)])
    weights = rarity.term_rarity({"en": [text]}, vocabulary)
    weight = {term: weights[column] for term, column in vocabulary.items()}
    assert weight[tokenize("government")[0]] < weight[tokenize("extradition")[0]] < weight[tokenize("Pinochet")[0]]
    assert weight[tokenize("Zqxjvwland")[0]] == pytest.approx(rarity.TOPICAL_ZIPF - rarity.UNLISTED_ZIPF)


def test_remembered_words_weigh_the_same_and_a_full_memo_still_weighs_every_word(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    texts = {"en": ["The government said Pinochet faces extradition."], "fr": ["Le gouvernement a parlé de Pinochet."]}
    counts, vocabulary = term_matrix([tokenize(texts["en"][0]), tokenize(texts["fr"][0], "fr")])
    monkeypatch.setattr(rarity, "_MEMO", {})
    first = rarity.term_rarity(texts, vocabulary)
    assert np.array_equal(rarity.term_rarity(texts, vocabulary), first, equal_nan=True)  # from the memo
    monkeypatch.setattr(rarity, "_MEMO", {})
    monkeypatch.setattr(rarity, "_MEMO_SIZE", 2)  # no room: every word weighed without it
    assert np.array_equal(rarity.term_rarity(texts, vocabulary), first, equal_nan=True)
    assert sum(map(len, rarity._MEMO.values())) == 0
