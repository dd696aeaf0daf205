"""Grouping documents into stories (briefing/stories.py)."""
from __future__ import annotations

import numpy as np
import pytest

from briefing.summarize import passages, stories
from briefing.models import Document
from briefing.summarize.stories import group_stories

FLOOD = [
    Document("f1", "Heavy rain flooded the old town of Paris on Monday night. Firefighters rescued residents "
             "from flooded basements near the Seine.", title="Floods hit Paris"),
    Document("f2", "The old town of Paris was flooded by heavy rain on Monday. The Seine rose two metres and "
             "schools closed.", title="Paris old town under water"),
    Document("f3", "Paris insurers expect flood claims after heavy rain swamped the old town and the Seine "
             "burst its banks.", title="Flood claims expected in Paris"),
]
BANK = [
    Document("b1", "The central bank raised its main interest rate by a quarter point on Thursday to fight "
             "inflation.", title="Central bank raises rates"),
    Document("b2", "Interest rates went up a quarter point as the central bank tries to bring inflation down.",
             title="Rates up again"),
]


def test_two_events_make_two_groups_biggest_first() -> None:
    docs = [BANK[0], FLOOD[0], BANK[1], FLOOD[1], FLOOD[2]]
    assert group_stories(docs) == [[1, 3, 4], [0, 2]]


def test_equal_sized_stories_keep_input_order() -> None:
    docs = [BANK[0], FLOOD[0], BANK[1], FLOOD[1]]
    assert group_stories(docs) == [[0, 2], [1, 3]]


def test_unrelated_documents_stand_alone_and_empty_input_has_no_stories() -> None:
    lone = Document("x", "A new species of frog was found in the cloud forests of Ecuador.")
    assert group_stories([FLOOD[0], lone, FLOOD[1]]) == [[0, 2], [1]]
    assert group_stories([]) == []
    assert group_stories([lone]) == [[0]]


def test_threshold_is_a_parameter(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = FLOOD + BANK
    assert group_stories(docs, threshold=1.01) == [[0], [1], [2], [3], [4]]
    # Unrelated groups (cosine 0) stay apart at 0.0: small groups need a margin above the threshold.
    assert group_stories(docs, threshold=0.0) == [[0, 1, 2], [3, 4]]
    # Below every cosine, only the groups' cohesion keeps them apart (MERGE_RELATIVE); without it, all is one.
    assert group_stories(docs, threshold=-1.0) == [[0, 1, 2], [3, 4]]
    monkeypatch.setattr(stories, "MERGE_RELATIVE", 0.0)
    assert group_stories(docs, threshold=-1.0) == [[0, 1, 2, 3, 4]]


def test_two_unrelated_short_articles_sharing_everyday_words_are_two_stories() -> None:
    from briefing.summarize.stories import SMALL_GROUP_MARGIN, STORY_THRESHOLD
    import numpy as np
    from briefing.summarize.stories import _agglomerate

    pair = STORY_THRESHOLD + SMALL_GROUP_MARGIN / 2  # above the threshold, below what a lone pair needs
    assert _agglomerate(np.array([[1.0, pair], [pair, 1.0]], dtype=np.float32), STORY_THRESHOLD) == [[0], [1]]
    # Ten articles each side at that mean are one story: a mean over 100 pairs is strong evidence.
    block = np.full((20, 20), pair, dtype=np.float32)
    np.fill_diagonal(block, 1.0)
    block[:10, :10] = block[10:, 10:] = 0.2
    assert _agglomerate(block, STORY_THRESHOLD) == [list(range(20))]


def test_two_tight_groups_far_looser_with_each_other_are_two_stories() -> None:
    """Comey's memo and Kushner's clearance: one beat's words link them above the threshold, but each
    group's articles are far closer to each other than to the other's."""
    import numpy as np
    from briefing.summarize.stories import MERGE_RELATIVE, SMALL_GROUP_MARGIN, STORY_THRESHOLD, _agglomerate

    def day(cross: float) -> "np.ndarray":
        block = np.full((9, 9), cross, dtype=np.float32)
        block[:4, :4], block[4:, 4:] = 0.4, 0.6
        np.fill_diagonal(block, 1.0)
        return block

    loose = 0.9 * MERGE_RELATIVE * 0.4  # above the threshold and the margin for 4 x 5 articles
    assert loose > STORY_THRESHOLD + SMALL_GROUP_MARGIN / 20 ** 0.5
    assert _agglomerate(day(loose), STORY_THRESHOLD) == [[0, 1, 2, 3], [4, 5, 6, 7, 8]]
    assert _agglomerate(day(1.1 * MERGE_RELATIVE * 0.4), STORY_THRESHOLD) == [list(range(9))]


def test_oversized_groups_are_split_at_a_stricter_threshold(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = FLOOD + BANK
    # At this threshold everything is one component; allowed at most 3 per story it must split again.
    loose = 0.0
    monkeypatch.setattr(stories, "MAX_LINKED_DOCUMENTS", 3)
    groups = group_stories(docs, threshold=loose)
    assert sorted(i for g in groups for i in g) == [0, 1, 2, 3, 4]
    assert len(groups) >= 2
    assert all(len(g) <= 3 for g in groups)


def test_the_story_most_outlets_reported_comes_first() -> None:
    flood = "Heavy rain flooded the old town of Paris and firefighters rescued residents near the river."
    bank = "The central bank raised its main interest rate by a quarter point to fight inflation."
    docs = [
        Document("a1", flood, source="Daily"), Document("a2", flood, source="Daily"),
        Document("a3", flood, source="Daily"),
        Document("b1", bank, source="Wire"), Document("b2", bank, source="Herald"),
    ]
    assert group_stories(docs) == [[3, 4], [0, 1, 2]]


@pytest.mark.parametrize("seed", range(20))
def test_agglomerate_without_margin_gives_the_clusters_of_scipy_average_linkage(
        seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    rng = np.random.default_rng(seed)
    n = int(rng.integers(3, 80))
    points = rng.random((n, 20)) ** 4
    points[:, :4] += (rng.integers(0, 4, n)[:, None] == np.arange(4)) * rng.random()
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    distance = np.clip(1.0 - points @ points.T, 0.0, None)
    np.fill_diagonal(distance, 0.0)
    limit = float(rng.uniform(0.3, 0.95))
    labels = fcluster(linkage(squareform(distance, checks=False), method="average"), t=limit, criterion="distance")
    expected: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        expected.setdefault(int(label), []).append(i)
    monkeypatch.setattr(stories, "SMALL_GROUP_MARGIN", 0.0)
    monkeypatch.setattr(stories, "MERGE_RELATIVE", 0.0)
    similarity = (1.0 - distance).astype(np.float32)
    assert sorted(stories._agglomerate(similarity, 1.0 - limit)) == sorted(expected.values())


def test_small_groups_join_only_a_big_story() -> None:
    from briefing.summarize.stories import ATTACH_TO, _attach_small
    from scipy import sparse

    def grouped(n: int, others: int) -> list[list[int]]:
        """A story of n articles, a pair near its centre, and `others` unrelated articles."""
        size = n + 2 + others
        rows = np.zeros((size, 2 + others))
        rows[:n, 0] = 1.0
        rows[n, :2] = rows[n + 1, :2] = [0.6, 0.8]
        for k in range(others):
            rows[n + 2 + k, 2 + k] = 1.0
        groups = [list(range(n)), [n, n + 1]] + [[k] for k in range(n + 2, size)]
        return _attach_small(sparse.csr_matrix(rows), groups, None)[:2]

    # On a day of many events, only a story of ATTACH_TO articles takes the pair in.
    assert grouped(ATTACH_TO, 30)[0] == list(range(ATTACH_TO + 2))
    assert grouped(ATTACH_TO - 1, 30)[:2] == [list(range(ATTACH_TO - 1)), [ATTACH_TO - 1, ATTACH_TO]]
    # On a day of ten articles, three are its main story.
    assert grouped(3, 5)[0] == [0, 1, 2, 3, 4]


def test_a_pair_tighter_than_its_link_to_a_story_stays_its_own_story() -> None:
    from briefing.summarize.stories import ATTACH_THRESHOLD, ATTACH_TO, _attach_small
    from scipy import sparse

    def grouped(pair: list[list[float]]) -> list[list[int]]:
        """A story of ATTACH_TO articles (term 0) and a pair with the rows `pair` (terms 0-2)."""
        rows = np.zeros((ATTACH_TO + 2, 3))
        rows[:ATTACH_TO, 0] = 1.0
        rows[ATTACH_TO:] = pair
        rows /= np.linalg.norm(rows, axis=1, keepdims=True)
        return _attach_small(sparse.csr_matrix(rows), [list(range(ATTACH_TO)), [ATTACH_TO, ATTACH_TO + 1]], None)

    link = ATTACH_THRESHOLD + 0.02  # both pairs are this close to the story's centre
    far = (1 - link * link) ** 0.5
    # Two reports of another event that share a few of the story's words: near-copies of each other.
    assert len(grouped([[link, far, 0.0], [link, far, 0.0]])) == 2
    # Two loosely related pieces on the story (each its own angle) join it.
    assert grouped([[link, far, 0.0], [link, 0.0, far]]) == [list(range(ATTACH_TO + 2))]


_OTHER_NEWS = [
    "TAX-BILL _ The senate committee approved the tax bill after a long debate about pensions. The vote was close. "
    "Two members abstained. The bill now goes to the full chamber next week, where its fate is less certain.",
    "CUP-FINAL _ The home side won the cup final on penalties after a goalless draw. The captain lifted the "
    "trophy in front of a full stadium. Fans celebrated in the streets until dawn, singing the club's old songs.",
    "MUSEUM-SALE _ The museum sold a painting to a private collector for a record sum. Curators objected to the "
    "sale. The painting had hung in the east gallery for a century and drew schoolchildren every spring.",
    "AIRLINE-STRIKE _ Pilots of the national airline walked out over pay, grounding most morning departures. "
    "Travellers queued at check-in desks for hours. Talks with the union are expected to resume on Friday.",
    "ELECTION-POLL _ A new poll puts the opposition leader six points ahead with a month to go before the vote. "
    "Her campaign promised lower rents and more nurses. The governing party dismissed the survey as noise.",
    "CHIP-PLANT _ A carmaker will build a battery factory employing two thousand workers near the northern port. "
    "Construction starts next year. The regional government offered land and cheaper electricity.",
    "ZOO-PANDA _ The zoo's giant panda gave birth to twins, keepers said, the first born in the country. "
    "Visitors will be able to see the cubs from the autumn. Both are feeding well, the vet said.",
    "WHEAT-HARVEST _ Drought cut the wheat harvest by a third, and bread prices are expected to rise. Farmers "
    "asked for emergency aid. Exporters warned that contracts abroad may not be met this season.",
    "SPACE-PROBE _ The space agency's probe sent back its first pictures of the icy moon's cracked surface. "
    "Scientists said the images show plumes of vapour. The mission will last another four years.",
    "OPERA-TOUR _ The city opera will tour eleven countries next winter with a new staging of a comic opera. "
    "Tickets go on sale in March. The conductor called the tour a dream come true for the young cast.",
    "BRIDGE-REPAIR _ Engineers closed the suspension bridge for repairs after cracks were found in two cables. "
    "Commuters face long detours. The work should take six weeks, the transport office said.",
    "CHESS-TITLE _ A sixteen-year-old won the national chess championship with a round to spare, beating three "
    "grandmasters. Her coach said she trains six hours a day. She will play abroad in the summer.",
    "COFFEE-PRICES _ Frost in the highlands pushed coffee prices to a ten-year high on commodity markets. Roasters "
    "said shoppers will pay more by spring. Growers hope the frost spares next year's crop.",
]
_FLOOD_ITEM = ("PARIS-FLOODS _ Heavy rain flooded the old town of Paris, and the Seine burst its banks. Firefighters "
               "rescued residents from flooded basements in the old town. Insurers expect flood claims from Paris. "
               "Schools in the old town of Paris closed as the Seine rose.")
# A news budget: the flood is one of its items, after more than the opening a story is judged on.
BUDGET = Document("n1", "\n\n".join(["For questions about tonight's stories, please call the news desk.",
                                       *_OTHER_NEWS, _FLOOD_ITEM, _OTHER_NEWS[0].replace("TAX-BILL", "TAX-VOTE")]),
                  title="Tonight's news budget")


def test_a_news_budget_joins_the_story_of_its_passage_and_only_that_passage_is_read() -> None:
    from briefing import Options, build_briefing

    frog = Document("x", "A new species of frog was found in the cloud forests of Ecuador by a team of biologists.")
    briefing = build_briefing([BUDGET, *FLOOD, frog], Options(words=400, quiet=True))
    story = {d.id: d.story for d in briefing.documents}
    assert story["n1"] == story["f1"] == story["f2"] == story["f3"] != story["x"]
    cited = [(ref.document, ref.text) for item in briefing.items for ref in item.sources]
    assert not [text for doc, text in cited if doc == "n1" and "PARIS" not in text and "Paris" not in text
                and "Seine" not in text and "flood" not in text]
    # Alone with an unrelated article, the budget stays a page of its own, read whole.
    alone = build_briefing([BUDGET, frog, BANK[0]], Options(words=400, quiet=True))
    assert len({d.story for d in alone.documents}) == 3


def test_a_page_whose_opening_passage_joins_a_story_is_read_whole() -> None:
    from briefing.summarize.pipeline import split_documents

    late = Document("late", "Heavy rain flooded the old town of Paris and the Seine rose two metres. Firefighters "
                    "rescued residents from flooded basements of the old town. Insurers expect flood claims. "
                    "Schools closed in Paris. The mayor thanked volunteers. A museum moved paintings upstairs. "
                    "Tourists left the city early.")
    docs = [*FLOOD, late]
    sentences = split_documents(docs)
    groups, kept = passages.attach_passages(docs, sentences, [[0, 1, 2], [3]])
    assert groups == [[0, 1, 2, 3]]
    assert kept == sentences


def test_with_a_query_the_articles_lead_wins_over_a_news_budget_s_copy_of_it() -> None:
    from briefing import Options, build_briefing

    briefing = build_briefing([BUDGET, *FLOOD], Options(words=400, quiet=True, query="Paris floods Seine"))
    assert len({d.story for d in briefing.documents}) == 1
    # The budget's flood line restates the articles' leads: an article's own lead is the item, the budget
    # corroborates it (the budget's item is its 42nd sentence, not its lead).
    restated = [item for item in briefing.items if ("n1", 41) in [(r.document, r.sentence) for r in item.sources]]
    assert restated and restated[0].sources[0].document in {"f1", "f2", "f3"}


def test_passages_computed_block_by_block_give_the_same_stories(monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing.summarize.pipeline import split_documents

    frog = Document("x", "A new species of frog was found in the cloud forests of Ecuador by a team of biologists.")
    docs = [BUDGET, *FLOOD, frog, *BANK]
    sentences = split_documents(docs)
    whole = passages.attach_passages(docs, sentences, [[1, 2, 3], [5, 6], [0], [4]])
    monkeypatch.setattr(passages, "_PASSAGE_BLOCK_CELLS", 1)  # one document a block
    assert passages.attach_passages(docs, sentences, [[1, 2, 3], [5, 6], [0], [4]]) == whole
    assert whole[0] == [[0, 1, 2, 3], [5, 6], [4]]
    assert {s.doc_position for s in whole[1]} == set(range(7))
    assert all("PARIS" in s.text or "Paris" in s.text or "flood" in s.text for s in whole[1] if s.doc_position == 0)


def test_a_page_read_from_a_passage_offers_no_lead() -> None:
    """A column whose last lines name the story's delegate joins by that passage; its first kept line is no lead
    (it would open the story in place of the news when it is the shortest to fit)."""
    import numpy as np
    from briefing import Options
    from briefing.models import Sentence
    from briefing.summarize.select import _candidates

    article = [Sentence("Two former aides of the delegate were indicted on Thursday for leaking her photos.", "a", 0,
                        doc_position=0),
               Sentence("One of them faces two counts of cyberstalking, the prosecutors said.", "a", 1, doc_position=0)]
    passage = [Sentence("The delegate represents the islands in the House of Representatives.", "c", 26, doc_position=1),
               Sentence("The committee on agriculture meets every Tuesday in Washington.", "c", 27, doc_position=1)]
    sentences = article + passage
    pool, units, leads = _candidates(sentences, np.array([0.9, 0.5, 0.8, 0.4]), None, Options())
    assert {(unit.document, unit.index): bool(lead) for unit, lead in zip(units, leads)} == {
        ("a", 0): True, ("a", 1): False, ("c", 26): False, ("c", 27): False}
