"""Near-duplicate detection (briefing/dedupe.py)."""
from __future__ import annotations

import numpy as np
import pytest

from briefing.summarize.corroborate import corroboration_matrix, corroboration_pairs
from briefing.summarize.dedupe import DEFAULT_THRESHOLD, content_sets, find_repeats, overlap_matrix, similarity

PARAPHRASES = [
    ("Police said 200,000 people were at the stadium.", "More than 200,000 people were at the stadium, police said."),
    ("Heavy rain flooded the old town of Paris on Monday night.",
     "The old town of Paris was flooded by heavy rain on Monday night."),
    ("The central bank raised its main interest rate by a quarter point.",
     "The central bank raised interest rates by a quarter point on Thursday."),
]
UNRELATED = [
    ("Heavy rain flooded the old town of Paris on Monday night.",
     "The central bank raised its main interest rate by a quarter point."),
    ("Firefighters rescued forty residents from flooded basements.",
     "Schools in three districts stayed closed as a precaution."),
]
# Same story, different facts: they share the topic words only.
SAME_TOPIC = ("Heavy rain flooded the old town of Paris on Monday night.",
              "Insurers expect flood claims in Paris to run into the millions.")


@pytest.mark.parametrize(("a", "b"), PARAPHRASES + UNRELATED + [SAME_TOPIC, ("", ""), ("Rain.", "")])
def test_similarity_is_between_0_and_1_and_symmetric(a: str, b: str) -> None:
    value = similarity(a, b)
    assert 0.0 <= value <= 1.0
    assert value == pytest.approx(similarity(b, a))


@pytest.mark.parametrize(("a", "b"), PARAPHRASES)
def test_paraphrases_reach_the_threshold(a: str, b: str) -> None:
    assert similarity(a, b) >= DEFAULT_THRESHOLD


@pytest.mark.parametrize(("a", "b"), UNRELATED + [SAME_TOPIC])
def test_unrelated_and_same_topic_sentences_stay_below_it(a: str, b: str) -> None:
    assert similarity(a, b) < 0.4


def test_unrelated_sentences_share_nothing() -> None:
    assert similarity(*UNRELATED[0]) == 0.0


def test_sentence_contained_in_a_longer_one_counts_as_a_repeat() -> None:
    short = "Heavy rain flooded Paris on Monday."
    long = "Heavy rain flooded Paris on Monday, closing schools and cutting power to thousands of homes."
    assert similarity(short, long) >= DEFAULT_THRESHOLD


def test_word_order_does_not_matter_and_identical_sentences_score_highest() -> None:
    text = PARAPHRASES[1][0]
    # The reordered paraphrase has exactly the same content words.
    assert similarity(text, text) == similarity(*PARAPHRASES[1]) > similarity(*PARAPHRASES[2]) > similarity(*SAME_TOPIC)


def test_overlap_matrix_pads_narrower_vocabularies() -> None:
    rows, vocab = content_sets(["Rain floods Paris."])
    wider, _ = content_sets(["Rain floods Paris again tonight.", "Bank rates rise."], vocab)
    assert rows.shape[1] < wider.shape[1]
    scores = overlap_matrix(rows, wider)
    assert scores.shape == (1, 2)
    assert scores[0, 0] == pytest.approx(3 / 4)  # 3 shared words / (min(3, 5) + 1)
    assert scores[0, 1] == 0.0
    assert isinstance(scores, np.ndarray)


def test_find_repeats_points_at_the_first_best_old_text() -> None:
    old = ["Schools in three districts stayed closed as a precaution.", PARAPHRASES[1][1], PARAPHRASES[0][1]]
    new = [PARAPHRASES[0][0], UNRELATED[0][1], PARAPHRASES[1][0]]
    assert find_repeats(new, old) == [2, None, 1]


def test_find_repeats_threshold_is_a_parameter() -> None:
    a, b = SAME_TOPIC
    assert find_repeats([a], [b]) == [None]
    assert find_repeats([a], [b], threshold=0.1) == [0]
    assert find_repeats([a], [a], threshold=0.99) == [None]  # smoothing keeps even identical short texts below 1


def test_find_repeats_with_nothing_to_compare() -> None:
    assert find_repeats(["Rain floods Paris."], []) == [None]
    assert find_repeats([], ["Rain floods Paris."]) == []


def test_corroboration_pairs_are_the_nonzero_cells_of_the_matrix() -> None:
    texts = ["Police said 200,000 people were at the stadium on Sunday.",
             "More than 200,000 people were at the stadium, police said.",
             "Police rejected that.", "The stadium holds 80,000 people, police said on Sunday.",
             "Heavy rain flooded the old town of Paris on Monday night."]
    rows, _ = content_sets(texts)
    dense = corroboration_matrix(rows, rows)
    i, j, value = corroboration_pairs(rows, rows)
    assert sorted(zip(i.tolist(), j.tolist())) == [(int(a), int(b)) for a, b in zip(*np.nonzero(dense))]
    assert value.tolist() == pytest.approx(dense[i, j].tolist())
    assert dense[0, 1] > 0 and dense[4, :4].max() == 0  # a paraphrase corroborates; another story does not
