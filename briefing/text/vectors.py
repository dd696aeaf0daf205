"""Words to sparse vectors: the one tokenizer every stage shares (rank, dedupe, stories, history).

Only numpy/scipy on the default path: scikit-learn alone costs about a second to import.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from itertools import chain
from typing import TYPE_CHECKING

from .languages import primary
from .foreign import CJK as _CJK
from .foreign import foreign_tokens as _foreign_tokens
from .foreign import spaceless_words as _spaceless_words

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# A word: letters and digits, with inner apostrophes (`don’t`, `Russia’s`). sumy_rank uses it too.
WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")

# English function words plus reporting verbs that every news sentence shares ("said", "told").
STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been before being
    below between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during
    each few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers
    herself him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't she
    she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then there
    there's these they they'd they'll they're they've this those through to too under until up very was wasn't we
    we'd we'll we're we've were weren't what what's when when's where where's which while who who's whom why why's
    with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves said says say saying
    told tells tell according will just one two new also us mr mrs ms s t may might since however like get got
    would year years""".split()
)


@lru_cache(maxsize=1)
def _stemmer() -> Callable[[str], str]:
    """The English Snowball stemmer (C implementation when available)."""
    try:
        import Stemmer  # PyStemmer

        stem: Callable[[str], str] = Stemmer.Stemmer("english").stemWord
    except ImportError:  # pragma: no cover - pure-Python fallback
        import snowballstemmer

        stem = snowballstemmer.stemmer("english").stemWord
    return stem


def tokenize(text: str, language: str | None = None) -> list[str]:
    """Lower-cased, stemmed content words of `text` (stopwords dropped; numbers kept: news runs on them).

    Args:
        text: one sentence or a document's opening.
        language: its BCP 47 tag (None or "en": English). Other languages use their Snowball stemmer and
            stopword list; Japanese and Chinese, written without spaces, give character bigrams.

    >>> tokenize("Police said 200,000 people were in the stadium.")
    ['polic', '200', '000', 'peopl', 'stadium']
    >>> tokenize("La police a évacué l’immeuble.", "fr")
    ['polic', 'évacu', 'immeubl']
    >>> tokenize("東京で地震があった。", "ja")
    ['東京', '京で', 'で地', '地震', '震が']
    """
    if language is None or language == "en" or (code := primary(language)) == "en":  # (the common case first)
        return list(_tokens(text))
    return list(_foreign_tokens(text, code))


def tokenize_once(text: str, language: str | None = None) -> list[str]:
    """`tokenize` for a long text seen once (an article's opening): the same tokens, the text not remembered.

    The memo of `tokenize` is for sentences, which several stages tokenise again; a day of articles would
    only fill it (and memory) with texts never seen twice.
    """
    code = primary(language)
    if code == "en":
        return list(_tokens.__wrapped__(text))
    return list(_foreign_tokens(text, code))


def stem_words(words: Iterable[str], language: str | None = None) -> dict[str, str]:
    """Each lower-cased word (a `WORD_RE` match) that `tokenize` turns into one term, with that term
    (stopwords and words it splits are left out): `tokenize_once` of many single words, without a regular
    expression per word."""
    code = primary(language)
    if code != "en":
        return {word: stems[0] for word in words if len(stems := list(_foreign_tokens(word, code))) == 1}
    get = _stem_cache.get
    found = {word: get(word) or _remember(word) for word in words}
    return {word: stem for word, stem in found.items() if stem}


# The same sentence is tokenised by ranking, selection and the history check: remember recent texts.
@lru_cache(maxsize=1 << 17)
def _tokens(text: str) -> tuple[str, ...]:
    """`tokenize` without the copy (cached; the tuple is shared, so it is immutable)."""
    memo = _stem_cache
    words = WORD_RE.findall(text.lower())
    # One C-level dict look-up per word in the common case; a miss is stemmed once and remembered.
    stems = list(map(memo.get, words))
    if None in stems:
        stems = [_remember(word) if stem is None else stem for word, stem in zip(words, stems)]
    return tuple(filter(None, stems))  # "" marks a stopword


def _remember(word: str) -> str:
    """Stem of one lower-cased word ("" when it is a stopword or a lone letter), memoised."""
    key = word
    word = word.replace("’", "'")
    if word in STOPWORDS or (len(word) < 2 and not word.isdigit()):
        stem = ""
    else:
        stem = _stemmer()(word)
    if len(_stem_cache) < _STEM_CACHE_SIZE:
        _stem_cache[key] = stem
    return stem


# Memo of lower-cased word -> stem ("" = not a content word). A pure function of its key, so sharing it is
# safe; it only grows to a bound (a vocabulary, not the input). Tokenising is the pipeline's hottest loop.
_stem_cache: dict[str, str] = {}
_STEM_CACHE_SIZE = 500_000


def count_words(text: str) -> int:
    """Words as a reader counts them: whitespace-separated tokens, where a run of Japanese or Chinese
    characters (written without spaces) counts one word per two characters, rounded up.

    >>> count_words("Police said so."), count_words("東京都は新しい予算案を発表した。")
    (3, 8)
    """
    if _CJK.search(text) is None:
        return len(text.split())
    return sum(_spaceless_words(token) for token in text.split())


def term_matrix(
    token_lists: Sequence[Sequence[str]],
    vocabulary: dict[str, int] | None = None,
    bigrams: bool = False,
    grow: bool | None = None,
) -> tuple["sparse.csr_matrix", dict[str, int]]:
    """Raw term counts, one row per token list. Unknown terms are skipped when `vocabulary` is given, unless
    `grow` (then they are added to it, in order of first use; the default grows only a vocabulary made here).

    Returns the (rows x terms) CSR count matrix and the vocabulary (term -> column).
    """
    import numpy as np
    from scipy import sparse

    grow = vocabulary is None if grow is None else grow
    vocab: dict[str, int] = {} if vocabulary is None else vocabulary
    if bigrams:
        token_lists = [
            [*tokens, *(f"{a} {b}" for a, b in zip(tokens, tokens[1:]))] if len(tokens) > 1 else tokens
            for tokens in token_lists
        ]
    lengths = np.fromiter(map(len, token_lists), dtype=np.int64, count=len(token_lists))
    flat = chain.from_iterable(token_lists)
    # One C-level dict call per token (this runs over every word of the input).
    if grow:
        setdefault = vocab.setdefault
        indices = np.fromiter((setdefault(term, len(vocab)) for term in flat), dtype=np.int32, count=int(lengths.sum()))
    else:
        get = vocab.get
        indices = np.fromiter((get(term, -1) for term in flat), dtype=np.int32, count=int(lengths.sum()))
        known = indices >= 0
        if not known.all():
            rows = np.repeat(np.arange(len(token_lists)), lengths)[known]
            lengths = np.bincount(rows, minlength=len(token_lists))
            indices = indices[known]
    indptr = np.zeros(len(token_lists) + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    matrix = sparse.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, indptr), shape=(len(token_lists), max(len(vocab), 1))
    )
    matrix.sum_duplicates()
    return matrix, vocab


def idf_weights(counts: "sparse.csr_matrix", groups: "np.ndarray | None" = None) -> "np.ndarray":
    """Smoothed inverse document frequency per column: log((1 + N) / (1 + df)) + 1.

    With `groups` (row -> group id, e.g. the document of each sentence) df counts groups, not rows.
    """
    import numpy as np
    from scipy import sparse

    present = counts.copy()
    present.data[:] = 1
    if groups is not None:
        n_groups = int(groups.max()) + 1 if len(groups) else 0
        indicator = sparse.csr_matrix(
            (np.ones(len(groups), dtype=np.float32), (groups, np.arange(len(groups)))), shape=(n_groups, len(groups))
        )
        present = indicator @ present
        present.data[:] = 1
    n = present.shape[0]
    df = np.asarray(present.sum(axis=0)).ravel()
    return np.asarray(np.log((1.0 + n) / (1.0 + df)) + 1.0)


def normalize_rows(matrix: "sparse.csr_matrix") -> "sparse.csr_matrix":
    """Scale each row to unit L2 norm (empty rows stay empty)."""
    import numpy as np
    from scipy import sparse

    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags(1.0 / norms) @ matrix


def tfidf(counts: "sparse.csr_matrix", idf: "np.ndarray", sublinear: bool = True) -> "sparse.csr_matrix":
    """Unit-length tf-idf rows from raw counts (tf = 1 + log(count) when `sublinear`)."""
    from scipy import sparse

    weighted = counts.astype("float32", copy=True)
    if sublinear:
        weighted.data = 1.0 + _log(weighted.data)
    return normalize_rows(weighted @ sparse.diags(idf.astype("float32")))


def _log(values: "np.ndarray") -> "np.ndarray":
    """Natural log, elementwise."""
    import numpy as np

    return np.asarray(np.log(values))


def binary_rows(token_lists: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> "sparse.csr_matrix":
    """0/1 rows of content-word sets in the columns of `vocabulary` (terms not in it are ignored)."""
    matrix, _ = term_matrix(token_lists, vocabulary)
    matrix.data[:] = 1
    return matrix


__all__ = ["STOPWORDS", "tokenize", "tokenize_once", "stem_words", "count_words", "term_matrix", "idf_weights", "tfidf", "normalize_rows", "binary_rows"]
