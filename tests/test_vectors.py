"""Tokenizer, term counts, idf and tf-idf rows (briefing/vectors.py)."""
from __future__ import annotations

import math

import numpy as np
import pytest

from briefing.text.vectors import (
    STOPWORDS,
    binary_rows,
    count_words,
    idf_weights,
    normalize_rows,
    term_matrix,
    tfidf,
    stem_words,
    tokenize,
    tokenize_once,
)


def test_tokenize_drops_stopwords_and_reporting_verbs() -> None:
    assert tokenize("The mayor said that it was a very good day for the city.") == ["mayor", "good", "day", "citi"]
    assert tokenize("It is what it is, and so on.") == []
    assert {"said", "told", "the", "would"} <= STOPWORDS


def test_tokenize_stems_inflections_to_one_term() -> None:
    assert tokenize("flooding floods flooded") == ["flood", "flood", "flood"]
    assert tokenize("Runners running") == ["runner", "run"]
    # Case does not matter.
    assert tokenize("PARIS Paris paris") == ["pari"] * 3


def test_tokenize_keeps_numbers_and_single_digits_but_drops_single_letters() -> None:
    assert tokenize("Police said 200,000 people were in the stadium.") == ["polic", "200", "000", "peopl", "stadium"]
    assert tokenize("a b c 7 x 2024") == ["7", "2024"]
    assert tokenize("Rates rose 0.25 points.") == ["rate", "rose", "0", "25", "point"]


def test_tokenize_curly_apostrophes_are_stopwords_too_and_unicode_words_survive() -> None:
    assert tokenize("Don’t stop, we’re here") == tokenize("Don't stop, we're here") == ["stop"]
    assert tokenize("Café naïve São_Paulo") == ["café", "naïv", "são", "paulo"]


def test_words_with_combining_marks_stay_whole() -> None:
    # Devanagari vowel signs and a virama, a Hebrew point and an Arabic vowel mark are parts of their words.
    assert tokenize("अमेरिका प्रतिनिधि सभा", "hi") == tokenize("अमेरिका", "hi") + tokenize("प्रतिनिधि", "hi") + ["सभ"]
    assert all(len(token) > 2 for token in tokenize("अमेरिका प्रतिनिधि सीनेट", "hi"))
    assert len(tokenize("שָׁלוֹם", "he")) == 1


def test_a_hebrew_prefix_letter_is_cut_when_three_letters_remain() -> None:
    assert tokenize("הבית בבית לבית", "he") == ["בית", "בית", "בית"]
    assert tokenize("בוש", "he") == ["בוש"]  # a three-letter word keeps its first letter
    assert tokenize("בּוּשׁ", "he") == ["בּוּשׁ"]  # points are no letters
    assert len(tokenize("الْحُكُومَة", "ar")) == 1
    # two Hindi reports of one event share their words; before, both were pieces like 'अम', 'रत', 'सभ'
    one, other = (set(tokenize(t, "hi")) for t in ("अमेरिकी सीनेट ने बिल पास किया", "सीनेट में बिल पास हुआ"))
    assert {"सीनेट", "बिल", "पास"} <= one & other


def test_count_words_counts_whitespace_tokens() -> None:
    assert count_words("  Heavy rain, on   Monday.\n") == 4
    assert count_words("") == 0


def test_term_matrix_counts_and_fixed_vocabulary_skips_unknown_terms() -> None:
    counts, vocab = term_matrix([["rain", "rain", "pari"], ["pari"], []])
    assert vocab == {"rain": 0, "pari": 1}
    assert counts.toarray().tolist() == [[2, 1], [0, 1], [0, 0]]
    again, same = term_matrix([["pari", "unknown"]], vocab)
    assert same is vocab and len(vocab) == 2  # not grown
    assert again.toarray().tolist() == [[0, 1]]


def test_term_matrix_bigrams_add_adjacent_pairs() -> None:
    counts, vocab = term_matrix([["heavi", "rain", "pari"]], bigrams=True)
    assert {"heavi rain", "rain pari"} <= set(vocab)
    assert counts.sum() == 5


def test_term_matrix_of_nothing_has_one_empty_column() -> None:
    counts, vocab = term_matrix([[], []])
    assert counts.shape == (2, 1) and counts.nnz == 0 and vocab == {}


def test_idf_counts_documents_not_rows_when_groups_are_given() -> None:
    # Rows 0 and 1 belong to document 0, row 2 to document 1; "a" is in both rows of document 0 only.
    counts, vocab = term_matrix([["a", "b"], ["a"], ["b", "c"]])
    by_rows = idf_weights(counts)
    by_docs = idf_weights(counts, np.array([0, 0, 1]))
    a, b, c = vocab["a"], vocab["b"], vocab["c"]
    # Rows: N=3; df(a)=2, df(b)=2, df(c)=1.
    assert by_rows[a] == pytest.approx(math.log(4 / 3) + 1)
    assert by_rows[c] == pytest.approx(math.log(4 / 2) + 1)
    # Documents: N=2; df(a)=1 (two rows, one document), df(b)=2 (in every document), df(c)=1.
    assert by_docs[a] == pytest.approx(math.log(3 / 2) + 1)
    assert by_docs[b] == pytest.approx(1.0)  # a term in every document carries no idf bonus
    assert by_docs[c] == by_docs[a]
    assert by_rows[a] == by_rows[b]  # by rows, a and b look alike; by documents they do not
    assert by_docs[a] > by_docs[b]


def test_tfidf_rows_have_unit_length_and_empty_rows_stay_empty() -> None:
    counts, _ = term_matrix([["rain", "rain", "rain", "pari"], ["pari", "seine"], [], ["seine"]])
    rows = tfidf(counts, idf_weights(counts))
    norms = np.sqrt(np.asarray(rows.multiply(rows).sum(axis=1)).ravel())
    assert norms == pytest.approx([1.0, 1.0, 0.0, 1.0], abs=1e-6)
    dense = rows.toarray()
    assert (dense >= 0).all()


def test_tfidf_sublinear_damps_repeated_terms() -> None:
    counts, vocab = term_matrix([["rain"] * 4 + ["pari"]])
    idf = np.ones(len(vocab))
    raw = tfidf(counts, idf, sublinear=False).toarray()[0]
    damped = tfidf(counts, idf, sublinear=True).toarray()[0]
    assert raw[vocab["rain"]] / raw[vocab["pari"]] == pytest.approx(4.0)
    assert damped[vocab["rain"]] / damped[vocab["pari"]] == pytest.approx(1 + math.log(4))


def test_normalize_rows_and_binary_rows() -> None:
    counts, vocab = term_matrix([["x", "x", "y"], []])
    unit = normalize_rows(counts.astype(float)).toarray()
    assert unit[0] == pytest.approx([2 / math.sqrt(5), 1 / math.sqrt(5)])
    assert unit[1].tolist() == [0.0, 0.0]
    assert binary_rows([["x", "x", "z"]], vocab).toarray().tolist() == [[1, 0]]


@pytest.mark.parametrize(("words", "language"), [
    (["police", "said", "the", "stadium", "200", "don't", "russia’s", "a", "x"], "en"),
    (["police", "la", "évacué", "immeuble"], "fr"),
    (["東京", "地震"], "ja"),
    (["अमेरिका", "प्रतिनिधि", "के"], "hi"),
])
def test_stem_words_is_tokenize_once_of_each_word(words: list[str], language: str) -> None:
    expected = {w: tokens[0] for w in words if len(tokens := tokenize_once(w, language)) == 1}
    assert stem_words(words, language) == expected
