"""How rare a word is in the language at large: the background that tells a topic's words from everyday ones.

Inverse document frequency measured on the input alone changes meaning with the input: on a day of one
topic, the topic's own words ("Amnesty", "extradition") are in every article and weigh nothing, so the
articles of that topic look unrelated; on a day of twenty topics the same words weigh a lot. Story grouping
needs a weight that means the same on both days, so it weighs each word by how rare it is in general use
(the word frequencies of the `wordfreq` package, Speer et al., built from Wikipedia, subtitles, news, books
and the web), which does not depend on the day.

English, the common case, is read from a copy of wordfreq's list shipped with the package (wordfreq_en.bin,
written by benchmarks/make_rarity_table.py: the words' 64-bit hashes, sorted, and their frequency buckets):
only the input's words are looked up in it, by binary search, where importing wordfreq and building its
dictionary would cost half a second and 36 MB on every build (and reading every word of a text copy 60 ms).
"""
from __future__ import annotations

import hashlib
import math
import re
from collections import ChainMap
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from .languages import SPACELESS, primary
from .foreign import WORD
from .vectors import WORD_RE, stem_words

if TYPE_CHECKING:
    import numpy as np

# A word's weight is TOPICAL_ZIPF minus its Zipf frequency (log10 of uses per billion words: "the" 7.7, "said"
# 6.0, "government" 5.6, "hate" 5.1, "amnesty" 3.6, "Pinochet" 2.7), at least EVERYDAY_WEIGHT: "government"
# weighs 1.4, "Pinochet" 4.3. A word the lists do not know (a local place, a typo) counts as UNLISTED_ZIPF,
# a little rarer than the rarest names they list: one such word shared by two short articles of a local
# paper (the town they are both in) must not make them one story.
TOPICAL_ZIPF = 7.0
EVERYDAY_WEIGHT = 0.3
UNLISTED_ZIPF = 2.0
# wordfreq's English list: n sorted uint64 word hashes (`word_hashes`), then n uint16 buckets, a word's
# frequency 10 ** (-bucket / 100).
_ENGLISH_TABLE = Path(__file__).with_name("wordfreq_en.bin")


@lru_cache(maxsize=8)
def _frequencies(code: str) -> Mapping[str, float] | None:
    """Word -> frequency (0-1) in the language `code`, or None when wordfreq has no list for it."""
    if code in SPACELESS:  # its lists hold words, our tokens of Japanese and Chinese are character bigrams
        return None
    try:
        import wordfreq
    except ImportError:  # pragma: no cover - a dependency; without it stories fall back to the input's idf
        return None
    if code not in wordfreq.available_languages("best"):
        return None
    return wordfreq.get_frequency_dict(code, "best")


def _listed(code: str, words: set[str]) -> Mapping[str, float] | None:
    """Frequency (0-1) of each of `words` the language's list holds, or None when there is no list for it."""
    if code == "en":
        return _from_table(_ENGLISH_TABLE, words)
    frequencies = _frequencies(code)
    if frequencies is None:
        return None
    return {word: frequencies[word] for word in words if word in frequencies}


def _from_table(path: Path, words: set[str]) -> dict[str, float]:
    """Frequency (0-1) of each of `words` in a table written by benchmarks/make_rarity_table.py (as
    wordfreq's dictionary gives it).

    A word is found by its 64-bit hash: a word not in the list shares one with a listed word with
    probability 2e-14 (321,000 words listed).
    """
    import numpy as np

    data = path.read_bytes()
    n = len(data) // 10
    hashes = np.frombuffer(data, dtype="<u8", count=n)
    buckets = np.frombuffer(data, dtype="<u2", count=n, offset=8 * n)
    ordered = list(words)
    wanted = word_hashes(ordered)
    at = np.minimum(np.searchsorted(hashes, wanted), max(n - 1, 0))
    found = hashes[at] == wanted if n else np.zeros(len(ordered), dtype=bool)
    bucket = buckets[at].tolist()
    return {ordered[k]: 10 ** (-bucket[k] / 100) for k in np.flatnonzero(found).tolist()}  # wordfreq's cB_to_freq


def word_hashes(words: Iterable[str]) -> "np.ndarray":
    """The 64-bit BLAKE2b hash of each word's UTF-8 (the key of the English table), as uint64."""
    import numpy as np

    return np.frombuffer(b"".join(hashlib.blake2b(w.encode("utf-8"), digest_size=8).digest() for w in words),
                         dtype="<u8").astype(np.uint64)


def term_rarity(texts: Mapping[str, Iterable[str]], vocabulary: Mapping[str, int]) -> "np.ndarray":
    """Each vocabulary term's background weight, or NaN where no word list knows it.

    Args:
        texts: the texts the terms come from, by language tag (terms are `tokenize`d words).
        vocabulary: term -> column, as `term_matrix` returns it.
    Returns:
        One float per column: TOPICAL_ZIPF - Zipf frequency of the most frequent word that gives the term
        (a stem stands for all its words), at least EVERYDAY_WEIGHT; NaN for terms of languages without a list.
    """
    import numpy as np

    zipf = np.full(max(vocabulary.values(), default=-1) + 1, np.nan)
    for language, parts in texts.items():
        code = primary(language)
        words = _words(parts, WORD_RE if code == "en" else WORD)
        known = _known(code, words)
        if known is None:
            continue
        for word in words:
            stem, value = known[word]
            column = vocabulary.get(stem, -1) if stem else -1
            if column >= 0 and not value <= zipf[column]:  # NaN (unset) or a more frequent word for the stem
                zipf[column] = value
    return np.where(np.isnan(zipf), np.nan, np.maximum(TOPICAL_ZIPF - zipf, EVERYDAY_WEIGHT))


def _known(code: str, words: set[str]) -> Mapping[str, tuple[str, float]] | None:
    """(stem, Zipf frequency) of each of `words` in the language `code` ("" for a word `tokenize` drops), or
    None when the language has no list. Remembered up to _MEMO_SIZE words: stories read a day's words twice
    (the openings, then the passages of pages alone)."""
    known = _MEMO.setdefault(code, {})
    new = [word for word in words if word not in known]
    if not new and code in _LISTED:
        return known
    frequencies = _listed(code, set(new))
    if frequencies is None:
        return None
    _LISTED.add(code)
    stems = stem_words(new, code)
    found = {word: (stems.get(word, ""), math.log10(frequencies[word]) + 9.0 if frequencies.get(word, 0.0) > 0
                    else UNLISTED_ZIPF) for word in new}
    if sum(map(len, _MEMO.values())) + len(found) > _MEMO_SIZE:
        return ChainMap(found, known)
    known.update(found)
    return known


# The memo of `_known`, by language: a pure function of its keys, bounded (a vocabulary, not the input).
_MEMO: dict[str, dict[str, tuple[str, float]]] = {}
_MEMO_SIZE = 500_000
_LISTED: set[str] = set()  # languages with a word list


def _words(texts: Iterable[str], pattern: "re.Pattern[str]") -> set[str]:
    """The distinct lower-cased words (`pattern` matches: `WORD_RE`, or `foreign.WORD` that keeps combining
    marks in words) of `texts`, found among their distinct whitespace-
    separated tokens (a word never spans whitespace): a token of letters and digits alone is one word, the
    regular expression reads only the others (1.6x faster than reading every text)."""
    tokens: set[str] = set()
    for text in texts:  # text by text: a firehose day's openings joined would be hundreds of MB
        tokens.update(text.lower().split())
    words = {token for token in tokens if token.isalnum()}  # isalnum() is exactly WORD_RE's [^\W_]
    for token in tokens - words:
        words.update(pattern.findall(token))
    return words
