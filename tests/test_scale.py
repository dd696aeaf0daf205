"""The scalable paths give the exact answers (or stay within tolerance) on small inputs.

Covers the blockwise and top-k similarity graph (rank.py), blockwise story pairs and the vectorised
union-find (stories.py), sparse near-duplicate look-up (dedupe.py), the tokenizer memo and term matrix
(vectors.py), and the progress bar switch (progress.py). No test here looks at the clock.
"""
from __future__ import annotations

import io
import random

import numpy as np
import pytest
from scipy.stats import spearmanr

from briefing.summarize import dedupe, rank, stories, storypairs
from briefing.summarize.dedupe import content_sets, find_repeats, overlap_matrix
from briefing.models import Document, Sentence
from briefing.options import Options
from briefing.summarize.pipeline import build_briefing, split_documents
from briefing.progress import Progress, wanted
from briefing.summarize.rank import _document_index, position_prior, power_iteration, sentence_vectors, similarity_graph
from briefing.summarize.stories import document_vectors, group_stories
from briefing.text.vectors import term_matrix, tokenize

TOPICS = [
    ["storm", "flood", "river", "rain", "evacuation", "levee", "homes", "rescue", "bridge", "sandbags"],
    ["bank", "rates", "inflation", "markets", "bond", "lending", "prices", "economy", "pound", "shares"],
    ["election", "ballot", "candidate", "turnout", "poll", "senate", "campaign", "voters", "debate", "party"],
]
COMMON = ["officials", "city", "week", "report", "people", "government", "region", "monday", "country", "workers"]


def _sentences(n_docs: int, per_doc: int, seed: int = 3) -> list[Sentence]:
    """Random news-like sentences on three topics (some pairs share nothing, so rows are not full)."""
    rng = random.Random(seed)
    out = []
    for d in range(n_docs):
        topic = TOPICS[d % len(TOPICS)]
        for i in range(per_doc):
            words = rng.sample(topic, 3) + rng.sample(COMMON, 1) + [f"x{rng.randrange(400)}" for _ in range(3)]
            rng.shuffle(words)
            out.append(Sentence(" ".join(words).capitalize() + ".", f"d{d}", i, 0, d))
    return out


def _graph_inputs(sentences: list[Sentence]):  # type: ignore[no-untyped-def]
    """tf-idf rows and document ids, as rank_sentences builds them."""
    return sentence_vectors(sentences), _document_index(sentences)


def test_blocks_do_not_change_the_exact_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors, docs = _graph_inputs(_sentences(12, 8))
    whole = similarity_graph(vectors, docs, exact=True)
    monkeypatch.setattr(rank, "_BLOCK_CELLS", 1)  # one row per block (the minimum block size is then used)
    monkeypatch.setattr(rank, "_MIN_BLOCK_ROWS", 1)
    blocked = similarity_graph(vectors, docs, exact=True)
    assert (whole != blocked).nnz == 0
    assert whole.diagonal().sum() == 0.0
    assert (whole != whole.T).nnz == 0


def test_top_k_graph_with_k_at_the_largest_degree_is_the_exact_graph() -> None:
    sentences = _sentences(12, 8)
    vectors, docs = _graph_inputs(sentences)
    exact = similarity_graph(vectors, docs, exact=True)
    degree = int(np.diff(exact.indptr).max())
    assert degree < len(sentences) - 1  # otherwise this would test the shortcut, not the top-k path
    scalable = similarity_graph(vectors, docs, exact=False, neighbours=degree)
    assert (scalable != exact).nnz == 0
    prior = position_prior(sentences)
    assert np.array_equal(power_iteration(scalable, prior), power_iteration(exact, prior))


def test_top_k_graph_keeps_each_rows_strongest_edges_with_exact_values() -> None:
    vectors, docs = _graph_inputs(_sentences(12, 8))
    exact = similarity_graph(vectors, docs, exact=True).toarray()
    k = 5
    knn = similarity_graph(vectors, docs, exact=False, neighbours=k).toarray()
    assert np.array_equal(knn, knn.T)
    kept = knn > 0
    assert np.array_equal(knn[kept], exact[kept])  # kept edges keep their exact weight
    for i, row in enumerate(exact):
        strongest = np.argsort(-row, kind="stable")[:k]
        strongest = strongest[row[strongest] > 0]
        # Every one of a row's k strongest edges is kept (ties at the cut-off may add a few more).
        assert kept[i, strongest].all()


def test_strongest_per_row_is_the_exact_top_k_up_to_ties_at_the_cut_off() -> None:
    rng = np.random.default_rng(5)
    n_rows, keep = 50, 7
    rows = np.repeat(np.arange(n_rows), rng.integers(0, 30, n_rows))
    values = rng.random(len(rows)) * 3.0
    mask = rank._strongest_per_row(rows, values, n_rows, keep)
    for r in range(n_rows):
        own = np.flatnonzero(rows == r)
        top = own[np.argsort(-values[own])[:keep]]
        assert mask[top].all()
        extra = own[mask[own] & ~np.isin(own, top)]
        if len(extra):  # extras only within one histogram level of the k-th value
            assert values[extra].min() >= values[top].min() - 3.0 / (rank._BINS - 1) * 1.01


def test_scalable_ranking_stays_close_to_the_exact_one(monkeypatch: pytest.MonkeyPatch) -> None:
    # Random sentences on three topics: a flat ranking, the hard case for a top-k graph.
    sentences = _sentences(30, 10)
    exact = rank.rank_sentences(sentences, Options())
    monkeypatch.setattr(rank, "EXACT_LIMIT", 0)
    monkeypatch.setattr(rank, "NEIGHBOURS", 20)
    scalable = rank.rank_sentences(sentences, Options())
    assert scalable.sum() == pytest.approx(1.0)
    assert np.abs(scalable - exact).sum() < 0.1
    assert spearmanr(scalable, exact)[0] > 0.8


def test_briefing_is_identical_on_the_scalable_path_when_k_covers_every_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    sentences = _sentences(9, 6)
    docs = [Document(f"d{d}", " ".join(s.text for s in sentences if s.document == f"d{d}")) for d in range(9)]
    options = Options(words=60, stories=False, date="2024-03-18")
    exact = build_briefing(docs, options)
    split = split_documents(docs)
    vectors, ids = _graph_inputs(split)
    degree = int(np.diff(similarity_graph(vectors, ids, exact=True).indptr).max())
    monkeypatch.setattr(rank, "EXACT_LIMIT", 0)
    monkeypatch.setattr(rank, "NEIGHBOURS", degree)
    assert build_briefing(docs, options) == exact


def _documents(n: int, seed: int = 11) -> list[Document]:
    """Short articles on three topics, with a few near-copies so stories form."""
    rng = random.Random(seed)
    docs = []
    for d in range(n):
        topic = TOPICS[d % len(TOPICS)]
        words = rng.sample(topic, 6) + rng.sample(COMMON, 3) + [f"y{rng.randrange(50)}" for _ in range(6)]
        docs.append(Document(f"n{d}", " ".join(words).capitalize() + ".", title=" ".join(rng.sample(topic, 2))))
    return docs


def test_story_pairs_in_small_blocks_give_the_same_stories(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _documents(90)
    strict = 0.15  # these short made-up articles share common words: a stricter threshold keeps topics apart
    whole = group_stories(docs, threshold=strict)
    assert len(whole) > 1 and max(map(len, whole)) > 1
    monkeypatch.setattr(storypairs, "PAIR_BLOCK_CELLS", 7)
    assert group_stories(docs, threshold=strict) == whole
    assert group_stories(docs, threshold=strict, vectors=document_vectors(docs)) == whole


def test_oversized_story_is_split_at_a_stricter_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _documents(90)
    monkeypatch.setattr(stories, "MAX_LINKED_DOCUMENTS", 5)
    groups = group_stories(docs)
    assert sorted(i for g in groups for i in g) == list(range(90))  # a partition of the input
    assert all(g == sorted(g) for g in groups)
    assert [len(g) for g in groups] == sorted((len(g) for g in groups), reverse=True)


def _dense_repeats(new: list[str], old: list[str], threshold: float) -> list[int | None]:
    """find_repeats by the full matrix (the definition)."""
    new_rows, vocab = content_sets(new)
    old_rows, _ = content_sets(old, vocab)
    scores = overlap_matrix(new_rows, old_rows)
    best = scores.argmax(axis=1)
    return [int(j) if scores[i, j] >= threshold else None for i, j in enumerate(best)]


@pytest.mark.parametrize("threshold", [0.2, 0.5, 0.6, 0.8])
def test_sparse_find_repeats_matches_the_dense_definition(threshold: float, monkeypatch: pytest.MonkeyPatch) -> None:
    new = [s.text for s in _sentences(6, 5, seed=1)]
    old = [s.text for s in _sentences(6, 5, seed=2)] + new[::3] + new[1::4]  # exact repeats and ties
    expected = _dense_repeats(new, old, threshold)
    assert find_repeats(new, old, threshold) == expected
    monkeypatch.setattr(dedupe, "_BLOCK_PAIRS", 1)  # one new sentence per block
    assert find_repeats(new, old, threshold) == expected
    assert any(j is not None for j in expected)


def test_find_repeats_with_a_zero_threshold_matches_everything() -> None:
    assert find_repeats(["Rain floods Paris.", "Cats purr."], ["Banks lend money."], 0.0) == [0, 0]


def test_tokenize_is_stable_across_calls_and_memo_hits() -> None:
    text = "Flooding floods the flooded city; the mayor said 200 homes were evacuated."
    first = tokenize(text)
    assert tokenize(text) == first == ["flood", "flood", "flood", "citi", "mayor", "200", "home", "evacu"]
    first.append("changed")  # callers get their own list
    assert tokenize(text)[-1] == "evacu"


def test_term_matrix_with_a_fixed_vocabulary_skips_unknown_terms() -> None:
    counts, vocab = term_matrix([["a", "b", "a"], ["c"]])
    again, _ = term_matrix([["z", "a", "q", "c", "c"], [], ["q"]], vocab)
    assert again.toarray().tolist() == [[1, 0, 2], [0, 0, 0], [0, 0, 0]]
    assert counts.toarray().tolist() == [[2, 1, 0], [0, 0, 1]]
    bigrams, bigram_vocab = term_matrix([["a", "b", "c"]], bigrams=True)
    assert set(bigram_vocab) == {"a", "b", "c", "a b", "b c"} and bigrams.sum() == 5


class _Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_progress_only_on_a_terminal_and_not_when_quiet() -> None:
    assert wanted(False, _Terminal())
    assert not wanted(True, _Terminal())
    assert not wanted(False, io.StringIO())


def test_progress_bar_draws_after_the_delay_and_never_when_disabled() -> None:
    shown = _Terminal()
    with Progress("ranking stories", total=3, enabled=True, stream=shown, delay=0.0) as bar:
        assert bar._timer is not None
        bar._timer.join()  # the timer thread has opened the bar
        bar.advance()
        bar.expect(4)
        bar.advance("last story")
    assert "ranking stories" in shown.getvalue() or "last story" in shown.getvalue()
    hidden = _Terminal()
    with Progress("ranking stories", total=3, enabled=False, stream=hidden, delay=0.0) as bar:
        bar.advance()
    assert hidden.getvalue() == ""
    waiting = _Terminal()
    with Progress("ranking stories", total=3, enabled=True, stream=waiting, delay=3600.0) as bar:
        bar.advance()
    assert waiting.getvalue() == ""
    assert bar._timer is not None and not bar._timer.is_alive()  # cancelled on close


@pytest.mark.parametrize("exact", [True, False])
def test_grouped_graph_has_no_edge_between_groups_and_keeps_those_within(exact: bool) -> None:
    sentences = _sentences(12, 5)
    vectors, documents = _graph_inputs(sentences)
    groups = np.asarray([s.doc_position % 3 for s in sentences])
    whole = similarity_graph(vectors, documents, exact=exact, neighbours=8).tocoo()
    grouped = similarity_graph(vectors, documents, exact=exact, neighbours=8, groups=groups).tocoo()
    assert grouped.nnz and not (groups[grouped.row] != groups[grouped.col]).any()
    if exact:  # the same edges as the whole graph's within each group
        within = groups[whole.row] == groups[whole.col]
        assert set(zip(grouped.row, grouped.col)) == set(zip(whole.row[within], whole.col[within]))
