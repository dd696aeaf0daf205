"""Sentence ranking: the graph ranker, its large-input path, the lead baseline and sumy's rankers."""
from __future__ import annotations

import random
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
from scipy import sparse
from scipy.stats import spearmanr

from briefing.summarize import rank
from briefing.models import Sentence
from briefing.options import Options
from briefing.summarize.rank import (
    lead_scores,
    position_prior,
    power_iteration,
    rank_sentences,
    sentence_vectors,
    similarity_graph,
)
from briefing.summarize.sumy_rank import SUMY_ALGORITHMS, WordTokenizer, rank_with_sumy
from conftest import make_corpus

# Three outlets on a flood; each article's second sentence is its own detail, except that
# the rescue is reported by two of them.
FLOOD = {
    "a": ["Heavy rain flooded the old town of Paris on Monday night.",
          "Firefighters rescued forty residents from flooded basements near the river.",
          "The city council will meet on Tuesday to discuss emergency funding."],
    "b": ["Heavy rain flooded the old town of Paris late on Monday night.",
          "Forty residents were rescued by firefighters from basements near the river.",
          "Schools in three districts stayed closed as a precaution on Tuesday."],
    "c": ["The old town of Paris was flooded by heavy rain on Monday night.",
          "Insurers expect claims to run into the millions of euros this year.",
          "A local bakery handed out free bread to the volunteers."],
}


def _scores(docs: dict[str, list[str]], query: str | None = None) -> dict[tuple[str, int], float]:
    """Graph scores keyed by (document, index)."""
    sentences, _ = make_corpus(docs)
    scores = rank_sentences(sentences, Options(query=query))
    return {(s.document, s.index): float(v) for s, v in zip(sentences, scores)}


def test_empty_input_has_no_scores() -> None:
    assert rank_sentences([]).shape == (0,)


def test_scores_sum_to_one_and_are_deterministic() -> None:
    sentences, _ = make_corpus(FLOOD)
    first = rank_sentences(sentences)
    assert first.shape == (len(sentences),)
    assert first.sum() == pytest.approx(1.0)
    assert (first > 0).all()
    assert np.array_equal(first, rank_sentences(sentences))


def test_scores_do_not_depend_on_input_order() -> None:
    sentences, _ = make_corpus(FLOOD)
    shuffled = list(sentences)
    random.Random(3).shuffle(shuffled)
    expected = dict(zip(sentences, rank_sentences(sentences)))
    got = dict(zip(shuffled, rank_sentences(shuffled)))
    assert all(got[s] == pytest.approx(expected[s], rel=1e-6) for s in sentences)


def test_fact_repeated_across_documents_outranks_an_isolated_one() -> None:
    scores = _scores(FLOOD)
    # Same position (second sentence) in every article: only the repetition differs.
    assert scores[("a", 1)] > scores[("c", 1)]
    assert scores[("b", 1)] > scores[("c", 1)]
    # The lead fact all three report is the most central of all.
    best = max(scores, key=scores.__getitem__)
    assert best[1] == 0


def test_cross_document_edges_count_more_than_edges_within_an_article(monkeypatch: pytest.MonkeyPatch) -> None:
    # The lead of "a" shares one word with a later sentence of its own article ("bridge") and one with
    # the second sentence of "b" ("ferry"); "b" opens with an unrelated sentence. Positions are the same.
    docs = {
        "a": ["Engineers closed the bridge and the ferry after the storm.",
              "The bridge reopened to traffic late on Sunday."],
        "b": ["Tomatoes ripen slowly in a cold greenhouse.",
              "The ferry resumed sailing early on Saturday."],
    }
    same, cross = ("a", 1), ("b", 1)
    monkeypatch.setattr(rank, "CROSS_DOCUMENT_WEIGHT", 1.0)
    flat = _scores(docs)
    # Without the weight the same-article sentence wins ("ferry" is in both articles, so its idf is lower).
    assert flat[same] > flat[cross]
    monkeypatch.setattr(rank, "CROSS_DOCUMENT_WEIGHT", 3.0)
    weighted = _scores(docs)
    assert weighted[cross] > weighted[same]


def test_similarity_graph_up_weights_cross_document_edges() -> None:
    texts = ["Rain floods Paris streets.", "Rain floods Paris streets.", "Rain floods Paris streets."]
    sentences = [Sentence(texts[0], "a", 0), Sentence(texts[1], "a", 1), Sentence(texts[2], "b", 0)]
    graph = similarity_graph(sentence_vectors(sentences), np.array([0, 0, 1])).toarray()
    assert np.diag(graph).tolist() == [0.0, 0.0, 0.0]
    assert graph[0, 1] == pytest.approx(1.0, abs=1e-6)
    assert graph[0, 2] == pytest.approx(rank.CROSS_DOCUMENT_WEIGHT, abs=1e-5)
    assert np.allclose(graph, graph.T)


def test_position_prior_favours_the_lead(monkeypatch: pytest.MonkeyPatch) -> None:
    # Mirror images: "a" opens with the rain and "b" with the bank, so the graph alone cannot tell them apart.
    rain = "Heavy rain flooded the old town of Paris on Monday night."
    bank = "The central bank raised its main interest rate by a quarter point."
    docs = {"a": [rain, bank], "b": [bank, rain]}
    scores = _scores(docs)
    assert scores[("a", 0)] > scores[("a", 1)]
    assert scores[("b", 0)] > scores[("b", 1)]
    monkeypatch.setattr(rank, "POSITION_DECAY", 0.0)
    flat = _scores(docs)
    assert flat[("a", 0)] == pytest.approx(flat[("a", 1)])


def test_position_prior_decreases_with_the_index() -> None:
    sentences, _ = make_corpus({"x": ["The first sentence of the story is here.", "The second sentence of the story is here.",
                                      "The third sentence of the story is here."],
                                "y": ["The first sentence of another story is here."]})
    prior = position_prior(sentences)
    assert prior[0] > prior[1] > prior[2] > 0
    assert prior[3] == prior[0]


def test_a_dateline_or_credit_before_the_lead_takes_no_position() -> None:
    lead = "Iran seized fifteen British sailors in the Persian Gulf on Friday."
    second = "The Royal Navy said they were operating in Iraqi waters at the time."
    sentences, _ = make_corpus({"x": ["Friday, March 23, 2007", lead, second], "y": [lead, second],
                                "z": ["Jane Doe contributed to this report.", lead, second]})
    prior = position_prior(sentences)
    assert prior[:2].tolist() == prior[3:4].tolist() * 2 == prior[5:7].tolist()  # the lead is first in all three
    assert prior[2] == prior[4] == prior[7] < prior[1]


def test_a_page_read_only_for_a_later_passage_has_no_lead_among_its_sentences() -> None:
    # A news budget cut to its flood item (passages.py): its sentences 41-42, not its opening, are given.
    item = [Sentence("PARIS-FLOODS _ Heavy rain flooded the old town of Paris.", "n1", 41),
            Sentence("Firefighters rescued residents from flooded basements.", "n1", 42)]
    lead = [Sentence("Heavy rain flooded the old town of Paris on Monday night.", "f1", 0)]
    prior = position_prior(item + lead)
    assert prior[2] == 1.0
    assert prior[0] == pytest.approx(1.0 / 42.0 ** rank.POSITION_DECAY)  # the page's 42nd sentence, not a lead
    assert prior[1] < prior[0]


def test_evidence_damping_trades_the_prior_for_other_outlets() -> None:
    weights = sparse.csr_matrix(np.array([[0, 2.0, 1.0], [2.0, 0, 0.5], [1.0, 0.5, 0]]))
    documents = np.array([0, 1, 1])  # rows 1 and 2 are one article: their edge is no evidence
    follow = rank.evidence_damping(weights, documents, prior_weight=1.0)
    assert follow == pytest.approx([3.0 / 4.0, 2.0 / 3.0, 1.0 / 2.0])
    prior = np.array([0.0, 0.0, 1.0])
    degree = np.asarray(weights.sum(axis=1)).ravel()
    # Evidence that dwarfs the prior: the walk's own stationary distribution (degree for a symmetric graph).
    strong = power_iteration(weights, prior, damping=rank.evidence_damping(weights, documents, 1e-9), max_iter=10_000)
    assert strong == pytest.approx(degree / degree.sum(), abs=1e-4)
    # A prior that dwarfs the evidence: the prior.
    assert power_iteration(weights, prior, damping=rank.evidence_damping(weights, documents, 1e9)) == pytest.approx(prior, abs=1e-6)
    middle = power_iteration(weights, prior, damping=follow)
    assert degree[2] / degree.sum() < middle[2] < 1.0


def test_query_biases_toward_the_query() -> None:
    plain = _scores(FLOOD)
    focused = _scores(FLOOD, query="insurance claims euros")
    target = ("c", 1)  # "Insurers expect claims to run into the millions of euros this year."
    assert focused[target] > plain[target]
    assert sum(focused.values()) == pytest.approx(1.0)
    # A query none of whose words occur leaves the ranking alone.
    assert _scores(FLOOD, query="volcano eruption") == pytest.approx(plain)


def test_query_decides_between_equally_central_sentences() -> None:
    rain = "Heavy rain flooded the old town of Paris on Monday night."
    bank = "The central bank raised its main interest rate by a quarter point."
    docs = {"a": [rain, bank], "b": [bank, rain]}
    plain = _scores(docs)
    assert plain[("a", 0)] == pytest.approx(plain[("b", 0)])
    focused = _scores(docs, query="interest rates")
    assert focused[("b", 0)] > focused[("a", 0)]
    assert focused[("a", 1)] > focused[("b", 1)]


def test_query_lifts_the_sentences_that_answer_it_to_the_top() -> None:
    focused = _scores(FLOOD, query="firefighters rescue")
    best = max(focused, key=focused.__getitem__)
    assert best in {("a", 1), ("b", 1)}  # the two rescue sentences, both also corroborated


def _synthetic(n_docs: int, per_doc: int, seed: int = 7) -> list[Sentence]:
    """Sentences on four topics, words drawn at random: enough structure for a ranking to mean something."""
    rng = random.Random(seed)
    topics = [["storm", "flood", "river", "rain", "evacuation", "levee", "homes", "rescue"],
              ["bank", "rates", "inflation", "markets", "bond", "lending", "prices", "economy"],
              ["election", "ballot", "candidate", "turnout", "poll", "senate", "campaign", "voters"],
              ["vaccine", "virus", "hospital", "patients", "doctors", "trial", "dose", "clinic"]]
    common = ["officials", "city", "week", "report", "people", "government", "region", "monday", "country", "workers"]
    out = []
    for d in range(n_docs):
        for i in range(per_doc):
            words = rng.sample(topics[d % 4], 4) + rng.sample(common, 3) + [f"w{rng.randrange(300)}" for _ in range(2)]
            rng.shuffle(words)
            out.append(Sentence(" ".join(words).capitalize() + ".", f"d{d}", i, 0, d))
    return out


def test_neighbour_graph_for_large_inputs_agrees_with_the_exact_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    sentences = _synthetic(12, 15)  # 180 sentences
    exact = rank_sentences(sentences)
    exact_graph = similarity_graph(sentence_vectors(sentences), rank._document_index(sentences))
    monkeypatch.setattr(rank, "EXACT_LIMIT", 50)
    knn_graph = similarity_graph(sentence_vectors(sentences), rank._document_index(sentences))
    # The large-input path really ran: a symmetric subgraph of the exact graph, with the same weights.
    assert knn_graph.nnz < exact_graph.nnz
    assert np.allclose(knn_graph.toarray(), knn_graph.T.toarray())
    kept = knn_graph.toarray() > 0
    assert np.allclose(knn_graph.toarray()[kept], exact_graph.toarray()[kept])
    approx = rank_sentences(sentences)
    assert approx.sum() == pytest.approx(1.0)
    top = 20
    overlap = len(set(np.argsort(-exact)[:top]) & set(np.argsort(-approx)[:top]))
    assert overlap >= 15
    assert spearmanr(exact, approx).statistic > 0.9


def test_row_blocks_do_not_change_the_exact_graph(monkeypatch: pytest.MonkeyPatch) -> None:
    sentences = _synthetic(4, 10)
    vectors, documents = sentence_vectors(sentences), rank._document_index(sentences)
    whole = similarity_graph(vectors, documents).toarray()
    monkeypatch.setattr(rank, "_ROW_BLOCK", 7)
    monkeypatch.setattr(rank, "_MIN_BLOCK_ROWS", 1, raising=False)  # blocks of 7 rows, not a floor of 16
    assert np.allclose(similarity_graph(vectors, documents).toarray(), whole)


def test_power_iteration_matches_networkx_pagerank() -> None:
    # A weighted, partly asymmetric graph with a dangling node (4) and a non-uniform personalisation.
    weights = np.array([
        [0.0, 2.0, 1.0, 0.0, 0.0],
        [2.0, 0.0, 0.5, 0.0, 0.0],
        [1.0, 0.5, 0.0, 3.0, 0.0],
        [0.0, 0.0, 3.0, 0.0, 1.0],
        [0.0, 0.0, 0.0, 0.0, 0.0],
    ])
    prior = np.array([1.0, 0.5, 0.25, 0.2, 0.1])
    ours = power_iteration(sparse.csr_matrix(weights), prior, tol=1e-12, max_iter=1000)
    graph = nx.from_numpy_array(weights, create_using=nx.DiGraph)
    reference = nx.pagerank(graph, alpha=rank.DAMPING, personalization=dict(enumerate(prior)), weight="weight",
                            tol=1e-13, max_iter=1000)
    assert ours == pytest.approx([reference[i] for i in range(5)], abs=1e-8)


def test_power_iteration_without_edges_returns_the_prior() -> None:
    prior = np.array([3.0, 1.0])
    assert power_iteration(sparse.csr_matrix((2, 2)), prior) == pytest.approx([0.75, 0.25])
    assert power_iteration(sparse.csr_matrix((2, 2)), np.zeros(2)) == pytest.approx([0.5, 0.5])


def test_lead_baseline_takes_first_sentences_of_every_document_first() -> None:
    sentences, _ = make_corpus({"a": ["A0.", "A1.", "A2."], "b": ["B0.", "B1."], "c": ["C0."]})
    scores = lead_scores(sentences)
    order = [sentences[i].text for i in np.argsort(-scores, kind="stable")]
    assert order == ["A0.", "B0.", "C0.", "A1.", "B1.", "A2."]
    ranked = rank_sentences(sentences, Options(algorithm="lead"))
    assert np.allclose(ranked / ranked.sum(), scores / scores.sum())  # the same scores, whatever their scale


def test_lead_baseline_order_holds_for_many_documents() -> None:
    sentences = [Sentence(f"Sentence {i} of document {d}.", f"d{d}", i, 0, d) for d in range(1200) for i in range(2)]
    scores = lead_scores(sentences)
    leads = scores[[s.index == 0 for s in sentences]]
    seconds = scores[[s.index == 1 for s in sentences]]
    assert leads.min() > seconds.max()
    assert (np.diff(leads) < 0).all()  # earlier documents first


@pytest.mark.parametrize("algorithm", SUMY_ALGORITHMS)
def test_sumy_rankers_score_every_sentence_without_nltk_data(
    algorithm: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import nltk

    # Nowhere to find NLTK data: punkt or the stopword corpus would raise LookupError.
    monkeypatch.setattr(nltk.data, "path", [str(tmp_path)])
    sentences, _ = make_corpus(FLOOD)
    scores = rank_with_sumy(sentences, algorithm)
    n = len(sentences)
    assert scores.shape == (n,)
    # One distinct rank per sentence: the best gets 1.0, the worst 1/n.
    assert sorted(scores) == pytest.approx([(k + 1) / n for k in range(n)])
    ranked = rank_sentences(sentences, Options(algorithm=algorithm))
    assert np.allclose(ranked / ranked.sum(), scores / scores.sum())


@pytest.mark.parametrize("algorithm", ["lead", "lexrank"])
def test_every_algorithm_keeps_the_sum_to_one_contract(algorithm: str) -> None:
    sentences, _ = make_corpus(FLOOD)
    assert rank_sentences(sentences, Options(algorithm=algorithm)).sum() == pytest.approx(1.0)


def test_sumy_ranker_rejects_unknown_algorithm() -> None:
    sentences, _ = make_corpus({"a": ["Rain floods Paris streets tonight."]})
    with pytest.raises(ValueError, match="unknown sumy algorithm"):
        rank_with_sumy(sentences, "bogus")


def test_sumy_sees_our_words_and_sentences() -> None:
    tokenizer = WordTokenizer()
    assert tokenizer.to_words("Don’t stop: 200,000 people_here!") == ("Don’t", "stop", "200", "000", "people", "here")
    assert tokenizer.to_sentences("Mr. Smith arrived. He spoke at 5 p.m. on Monday.") == (
        "Mr. Smith arrived.", "He spoke at 5 p.m. on Monday.")


def test_lead_weight_is_the_graph_s_evidence_weighing_the_position_prior() -> None:
    """Issue 25: how much a sentence counts as news is d + (1 - d) * prior, d the evidence damping of the exact
    graph; `lead_weight` sums the evidence without building the graph, and must give the same."""
    sentences, _ = make_corpus(FLOOD)
    vectors = sentence_vectors(sentences)
    documents = np.asarray([s.doc_position for s in sentences])
    damping = rank.evidence_damping(similarity_graph(vectors, documents, exact=True), documents)
    expected = damping + (1.0 - damping) * position_prior(sentences)
    weight = rank.lead_weight(sentences)
    assert weight == pytest.approx(expected, rel=1e-5)
    by_text = {s.text: w for s, w in zip(sentences, weight)}
    # A lead every outlet repeats counts fully, a late line nothing repeats little.
    assert by_text[FLOOD["a"][0]] > 0.99
    assert by_text["Insurers expect claims to run into the millions of euros this year."] < 0.6


def test_a_sumy_ranker_on_words_it_cannot_weigh_prints_no_numpy_warning(tmp_path: Path) -> None:
    """Red team 8: `briefing build -a lexrank -q` on a text of stop words printed numpy's two-line
    "RuntimeWarning: invalid value encountered in divide" from inside sumy (a zero vector normalised),
    under --quiet, above the Error line. Run as a process: pytest would capture the warning itself."""
    import subprocess
    import sys

    (tmp_path / "a.txt").write_text("It is what it is and it was what it was, or so it was.\n\nYes.\n", encoding="utf-8")
    for algorithm in ("lexrank", "textrank", "lsa", "luhn"):
        run = subprocess.run([sys.executable, "-m", "briefing", "build", "a.txt", "-a", algorithm, "-q", "--no-history",
                              "-o", "out.md"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
        assert "Warning" not in run.stderr and "Traceback" not in run.stderr, (algorithm, run.stderr)
        assert run.returncode == 0 and run.stderr == "" or run.stderr.startswith("Error:") and run.stderr.count("\n") == 1
