"""Collapse near-duplicate articles (syndicated copies of one wire story) into one representative, early.

The same wire story arrives from hundreds of outlets with light edits. Ranking and story grouping need
one copy; the others only say who else carried it. Each document's opening is reduced to shingles (runs of
SHINGLE consecutive content tokens, hashed with CRC32 so the result is the same in every process and run),
and the documents are read in input order: one whose shingle set has Jaccard similarity >= threshold with
an earlier representative joins the most similar one (ties: the earliest) as a `Copy` (id, publisher,
title, link, date; its text is dropped); otherwise it becomes a representative itself.

Up to EXACT_LIMIT documents the Jaccard similarities are exact (a sparse product over shared shingles).
Above it, MinHash signatures and an LSH index of the representatives (Broder, "On the
resemblance and containment of documents", 1997; banding as in Leskovec, Rajaraman & Ullman, "Mining of
Massive Datasets", ch. 3) find the candidates, so each document costs about the
same whatever the day's size: n documents take O(n) time and memory, a flood of copies included.
"""
from __future__ import annotations

import zlib
from itertools import chain
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..models import Copy, Document, Item, SourceRef
from ..parallel import PARALLEL_MIN_DOCUMENTS, available_workers, chunks, parallel_map

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# Jaccard similarity (0.0-1.0) of two openings' shingle sets from which they are copies of one article.
# Republished copies with a dropped sentence and a few changed words score 0.6-0.9; two outlets' own
# reports of one event score below 0.2.
COLLAPSE_THRESHOLD = 0.5
SHINGLE = 3
# Only the opening decides: it bounds the cost per document, and copies share their opening.
LEAD_WORDS = 200
# Characters read for them: about twice what LEAD_WORDS words of English take (a text of very long words
# is judged on fewer; the same for every copy).
_LEAD_CHARS = 12 * LEAD_WORDS
# Exact Jaccard up to this many documents; MinHash LSH above.
EXACT_LIMIT = 2000
PERMUTATIONS = 64
_SEED = 1
_SIGNATURE_CHUNK = 32
_MASK32 = 0xFFFFFFFF
# Odd 64-bit multipliers that mix a shingle's token hashes into one 32-bit value.
_MIX = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9)


def collapse_documents(documents: Sequence[Document], threshold: float = COLLAPSE_THRESHOLD) -> list[Document]:
    """The documents with near-duplicates collapsed into their first occurrence.

    Args:
        documents: the day's articles, in input order.
        threshold: Jaccard similarity (0.0-1.0) of the openings' shingle sets from which two documents
            are copies of one article.
    Returns:
        The representatives in input order; each lists the copies collapsed into it in `Document.copies`
        (after any copies it already had). Nothing is lost: every input id is a representative or a copy.

    >>> a = Document("a", "Storm floods Paris streets as the river Seine bursts its banks overnight.", source="AFP")
    >>> b = Document("b", "Storm floods Paris streets as the river Seine bursts its banks overnight, police said.", source="AP")
    >>> [(d.id, [c.document for c in d.copies]) for d in collapse_documents([a, b])]
    [('a', ['b'])]
    """
    import numpy as np

    if len(documents) < 2:
        return list(documents)
    if len(documents) <= EXACT_LIMIT:
        joins = _exact_joins(*_text_shingles([d.text for d in documents]), threshold)
    else:
        texts = [d.text for d in documents]
        parts = parallel_map(_signatures_of, chunks(texts, 4 * available_workers()),
                             workers=None if len(texts) >= PARALLEL_MIN_DOCUMENTS else 1)
        joins = _minhash_joins(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]), threshold)
    copies: dict[int, list[Copy]] = {}
    for i, target in enumerate(joins):
        if target is not None:
            doc = documents[i]
            copies.setdefault(target, []).append(
                Copy(doc.id, doc.source, doc.title, doc.url, doc.date))
            copies[target].extend(doc.copies)
    return [
        replace(doc, copies=doc.copies + tuple(copies[i])) if i in copies else doc
        for i, doc in enumerate(documents) if joins[i] is None
    ]


def shingle_hashes(text: str) -> list[int]:
    """Distinct 32-bit hashes of the SHINGLE-word runs of an article's opening (its words when fewer).

    Words are whitespace-separated and lower-cased, punctuation and stopwords kept (w-shingling, Broder
    1997): cheap, and copies agree on them exactly.
    """
    import numpy as np

    codes = _word_codes(text)
    if not codes:
        return []
    return list(np.unique(_shingles(np.asarray(codes, dtype=np.uint64), min(SHINGLE, len(codes)))).tolist())


def _word_codes(text: str) -> list[int]:
    """CRC32 of each of the text's first LEAD_WORDS words (within its first _LEAD_CHARS characters)."""
    words = text[:_LEAD_CHARS].lower().split()[:LEAD_WORDS]
    codes = list(map(_word_hashes.get, words))  # one C-level look-up per word
    if None in codes:
        codes = [_word_hash(w) if c is None else c for w, c in zip(words, codes)]
    return codes  # type: ignore[return-value]  # no None is left


def _shingles(hashes: "np.ndarray", width: int) -> "np.ndarray":
    """32-bit hash of every run of `width` consecutive word hashes (with repeats)."""
    import numpy as np

    mixed = np.zeros(len(hashes) - width + 1, dtype=np.uint64)
    for k in range(width):
        mixed += hashes[k : len(hashes) - width + 1 + k] * np.uint64(_MIX[k])  # wraps mod 2**64, by design
    return (mixed ^ (mixed >> np.uint64(32))) & np.uint64(_MASK32)


def _word_hash(word: str) -> int:
    """CRC32 of a word (the same in every process, unlike `hash`), remembered up to a bound."""
    code = zlib.crc32(word.encode("utf-8"))
    if len(_word_hashes) < _WORD_MEMO:
        _word_hashes[word] = code
    return code


# word -> CRC32: a pure function of its key, so sharing it is safe; bounded by a vocabulary, not the input.
_word_hashes: dict[str, int] = {}
_WORD_MEMO = 500_000


def _exact_joins(shingles: "np.ndarray", counts: "np.ndarray", threshold: float) -> list[int | None]:
    """For each document, the representative it joins (None: it is one), by exact Jaccard similarity.

    `shingles` and `counts` are as `_text_shingles` gives them. Only shingles that two or more documents
    share can make an intersection, so only they enter the product; a day of distinct articles, which
    share none, needs no product at all.
    """
    import numpy as np

    n = len(counts)
    values, columns = np.unique(shingles, return_inverse=True)
    # Each (document, shingle) pair once: a shingle repeated in one text counts once in its set.
    pairs = np.sort(np.repeat(np.arange(n, dtype=np.int64), counts) * max(len(values), 1) + columns.ravel())
    pairs = pairs[np.concatenate(([True], pairs[1:] != pairs[:-1]))] if len(pairs) else pairs
    owners, columns = pairs // max(len(values), 1), pairs % max(len(values), 1)
    sizes = np.bincount(owners, minlength=n)
    keep = np.bincount(columns, minlength=len(values))[columns] > 1
    if not keep.any():
        return [None] * n
    matrix = _incidence(owners[keep], columns[keep], n)
    shared = (matrix @ matrix.T).tocsr()
    joins: list[int | None] = []
    bounds = shared.indptr.tolist()
    for i in range(n):
        if bounds[i + 1] - bounds[i] < 2:  # it shares a shingle with no other document
            joins.append(None)
            continue
        row = slice(bounds[i], bounds[i + 1])
        cols, inter = shared.indices[row], shared.data[row]
        earlier = cols < i
        cols, inter = cols[earlier], inter[earlier]
        jaccard = inter / np.maximum(sizes[i] + sizes[cols] - inter, 1.0)
        joins.append(_best(cols.tolist(), jaccard.tolist(), joins, threshold))
    return joins


def _incidence(rows: "np.ndarray", columns: "np.ndarray", n_rows: int) -> "sparse.csr_matrix":
    """0/1 documents x shingles matrix with a one at each (row, column) pair (each pair at most once)."""
    import numpy as np
    from scipy import sparse

    width = int(columns.max()) + 1 if len(columns) else 1
    return sparse.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, columns)), shape=(n_rows, width))


def _best(candidates: list[int], similarity: list[float], joins: list[int | None], threshold: float) -> int | None:
    """The most similar representative among `candidates` at or above threshold (ties: the earliest)."""
    best: tuple[float, int] | None = None
    for j, value in zip(candidates, similarity):
        if joins[j] is None and value >= threshold and (best is None or (-value, j) < (-best[0], best[1])):
            best = (value, j)
    return None if best is None else best[1]


def _signatures_of(texts: Sequence[str]) -> tuple["np.ndarray", "np.ndarray"]:
    """MinHash signatures of some texts, and which of them have any shingle (run in a worker)."""
    shingles, counts = _text_shingles(texts)
    return minhash_signatures(shingles, counts), counts > 0


def _text_shingles(texts: Sequence[str]) -> tuple["np.ndarray", "np.ndarray"]:
    """Every text's shingle hashes (repeats kept), one text after the other, and how many each has.

    All texts are shingled in one vectorised pass; each text's distinct values are its `shingle_hashes`.
    """
    import numpy as np

    # A text of fewer than SHINGLE words is one shingle of them all: zeros added at its end do not change
    # that shingle's hash (see `_shingles`).
    codes = [c + [0] * (SHINGLE - len(c)) if 0 < len(c) < SHINGLE else c for c in map(_word_codes, texts)]
    lengths = np.fromiter(map(len, codes), dtype=np.int64, count=len(codes))
    hashes = np.fromiter(chain.from_iterable(codes), dtype=np.uint64, count=int(lengths.sum()))
    counts = np.maximum(lengths - SHINGLE + 1, 0)
    if len(hashes) < SHINGLE:
        return np.zeros(0, dtype=np.uint64), counts
    every = _shingles(hashes, SHINGLE)  # runs that cross into the next text are left out below
    starts = np.cumsum(lengths) - lengths
    first_shingle = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(len(codes)), counts)
    return every[starts[owner] + np.arange(int(counts.sum())) - first_shingle[owner]], counts


def _minhash_joins(signatures: "np.ndarray", filled: "np.ndarray", threshold: float) -> list[int | None]:
    """`_exact_joins` with Jaccard similarities estimated by MinHash and candidates found by LSH banding."""
    bands = _band_keys(signatures, threshold)
    index: dict[tuple[int, int], list[int]] = {}
    joins: list[int | None] = []
    for i, keys in enumerate(bands.tolist()):
        target = None
        if filled[i]:
            candidates = sorted({j for band, key in enumerate(keys) for j in index.get((band, key), ())})
            if candidates:
                agree = (signatures[candidates] == signatures[i]).mean(axis=1)
                target = _best(candidates, agree.tolist(), joins, threshold)
            if target is None:
                for band, key in enumerate(keys):
                    index.setdefault((band, key), []).append(i)
        joins.append(target)
    return joins


def minhash_signatures(shingles: "np.ndarray", counts: "np.ndarray") -> "np.ndarray":
    """PERMUTATIONS MinHash values per document (rows): min over its shingles of the top 32 bits of
    (a * h + b) mod 2**64, a multiply-shift hash family (Dietzfelbinger et al. 1997) without a division.

    `shingles` holds every document's shingle hashes one document after the other, `counts` how many
    each has (a document with none gets the all-ones row). The share of equal values of two rows
    estimates their Jaccard similarity.
    """
    import numpy as np

    generator = np.random.RandomState(_SEED)
    a = generator.randint(0, 1 << 62, size=PERMUTATIONS, dtype=np.int64).astype(np.uint64) * np.uint64(2) + np.uint64(1)
    b = generator.randint(0, 1 << 62, size=PERMUTATIONS, dtype=np.int64).astype(np.uint64)
    out = np.full((len(counts), PERMUTATIONS), _MASK32, dtype=np.uint64)
    ends = np.cumsum(counts)
    for first in range(0, len(counts), _SIGNATURE_CHUNK):
        last = min(first + _SIGNATURE_CHUNK, len(counts))
        begin = int(ends[first - 1]) if first else 0
        part = shingles[begin : int(ends[last - 1])]
        filled = np.flatnonzero(counts[first:last])
        if not len(filled):
            continue
        permuted = np.multiply(part[:, None], a)  # wraps mod 2**64, by design; in place below (cache-sized)
        permuted += b
        permuted >>= np.uint64(32)
        offsets = (ends[first:last] - counts[first:last] - begin)[filled]
        out[first + filled] = np.minimum.reduceat(permuted, offsets, axis=0)
    return out


def _band_keys(signatures: "np.ndarray", threshold: float) -> "np.ndarray":
    """One 64-bit key per band of each signature; two documents are candidates when a band's keys match.

    With b bands of r rows a pair of Jaccard similarity s shares a band with probability 1 - (1 - s^r)^b;
    r is the largest whose curve midpoint (1/b)^(1/r) is at most `threshold`.
    """
    import numpy as np

    rows = next((r for r in (8, 4, 2, 1) if PERMUTATIONS % r == 0 and (r / PERMUTATIONS) ** (1 / r) <= threshold), 1)
    shaped = signatures.reshape(len(signatures), PERMUTATIONS // rows, rows)
    keys = np.zeros(shaped.shape[:2], dtype=np.uint64)
    for k in range(rows):
        keys = keys * np.uint64(_MIX[0]) + shaped[:, :, k]  # wraps mod 2**64, by design
    return keys


def credit_copies(items: Sequence[Item], documents: Sequence[Document]) -> list[Item]:
    """Items whose sources carry their documents' collapsed copies (so a briefing cites every outlet)."""
    copies = {d.id: d.copies for d in documents if d.copies}
    if not copies:
        return list(items)
    return [
        replace(item, sources=tuple(_with_copies(ref, copies) for ref in item.sources))
        for item in items
    ]


def _with_copies(ref: SourceRef, copies: dict[str, tuple[Copy, ...]]) -> SourceRef:
    """One source with its document's copies attached."""
    found = copies.get(ref.document)
    return replace(ref, copies=found) if found else ref


def article_count(documents: Sequence[Document], members: Sequence[int]) -> int:
    """How many articles the documents `members` of `documents` stand for, collapsed copies included."""
    return sum(1 + len(documents[i].copies) for i in members)


__all__ = ["COLLAPSE_THRESHOLD", "article_count", "collapse_documents", "credit_copies", "shingle_hashes"]
