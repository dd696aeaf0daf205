"""Scale: syndicated copies collapse into one representative that keeps every outlet; story pairs stay
linear in number; the parallel map gives the serial answer. No test here looks at the clock."""
from __future__ import annotations

import json
import os
import random
import signal
import time
from pathlib import Path

import html5lib
import numpy as np
import pytest

from briefing.models import Briefing, Document
from briefing.options import Options
from briefing.outputs.render import render_briefing, render_text
from briefing.summarize import collapse, pipeline, rankday, stories, storypairs
from briefing.summarize.collapse import collapse_documents, shingle_hashes
from briefing.parallel import chunks, parallel_map
from briefing.summarize.pipeline import build_briefing

FLOOD_STORY = [
    "Heavy rain flooded the centre of Lyon on Tuesday, forcing the evacuation of 2,000 residents from riverside homes.",
    "The river Saone rose four metres in twelve hours, the highest level recorded since the great flood of 1840.",
    "Firefighters rescued 85 people trapped on rooftops and in cars, the regional prefecture said in a statement.",
    "Trains between Lyon and Paris were suspended and three motorway bridges were closed as a precaution.",
    "Forecasters expect the water to peak on Wednesday night before falling slowly over the weekend.",
    "The mayor asked residents to stay away from the quays and opened four schools as emergency shelters.",
]
OTHER_STORIES = [
    [
        "The central bank raised its main interest rate by half a point to 4.5 percent on Thursday.",
        "Policymakers voted seven to two for the increase, citing stubborn inflation in services and wages.",
        "Mortgage lenders said they would pass the rise on to borrowers within days of the decision.",
    ],
    [
        "Voters in the northern province elected a new governor after a campaign dominated by water shortages.",
        "Turnout reached 71 percent, the highest in three decades, according to the electoral commission.",
        "The winner promised to build two desalination plants before the end of her first term in office.",
    ],
]


def _copy(sentences: list[str], rng: random.Random) -> str:
    """A republished copy: one sentence maybe dropped, neighbours maybe swapped, a word maybe added."""
    kept = list(sentences)
    if rng.random() < 0.5:
        del kept[rng.randrange(1, len(kept))]
    if rng.random() < 0.5:
        i = rng.randrange(len(kept) - 1)
        kept[i], kept[i + 1] = kept[i + 1], kept[i]
    words = " ".join(kept).split()
    words.insert(rng.randrange(len(words)), "reportedly")
    return " ".join(words)


def _day(copies: int, seed: int = 5) -> list[Document]:
    """`copies` copies of the flood story from as many outlets, interleaved with two other stories."""
    rng = random.Random(seed)
    docs = [Document(f"flood-{k}", " ".join(FLOOD_STORY) if k == 0 else _copy(FLOOD_STORY, rng),
                     title="Floods in Lyon", source=f"Outlet {k}", url=f"https://news{k}.example/lyon")
            for k in range(copies)]
    for n, story in enumerate(OTHER_STORIES):
        docs.insert(1 + n, Document(f"other-{n}", " ".join(story), title=f"Other {n}", source="Local Paper"))
    return docs


@pytest.mark.parametrize("exact", [True, False])
def test_collapse_keeps_every_outlet(exact: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    if not exact:
        monkeypatch.setattr(collapse, "EXACT_LIMIT", 0)  # the MinHash + LSH path
    docs = _day(40)
    kept = collapse_documents(docs)
    assert [d.id for d in kept] == ["flood-0", "other-0", "other-1"]
    # Every input document is a representative or a copy of exactly one, with its metadata.
    seen = [d.id for d in kept] + [c.document for d in kept for c in d.copies]
    assert sorted(seen) == sorted(d.id for d in docs)
    flood = kept[0]
    assert flood.text == docs[0].text
    assert {c.source for c in flood.copies} == {f"Outlet {k}" for k in range(1, 40)}
    assert all(c.url == f"https://news{c.source.split()[-1]}.example/lyon" for c in flood.copies)
    assert len(flood.outlets) == 40


def test_distinct_reports_of_one_event_do_not_collapse() -> None:
    a = Document("a", " ".join(FLOOD_STORY[:3]), source="AFP")
    b = Document("b", " ".join(FLOOD_STORY[3:]), source="AP")
    assert [d.id for d in collapse_documents([a, b])] == ["a", "b"]
    assert collapse.collapse_documents([a]) == [a]


def test_minhash_estimates_agree_with_exact_jaccard() -> None:
    rng = random.Random(2)
    texts = [" ".join(FLOOD_STORY)] + [_copy(FLOOD_STORY, rng) for _ in range(20)] + [" ".join(s) for s in OTHER_STORIES]
    shingles = [shingle_hashes(t) for t in texts]
    signatures, filled = collapse._signatures_of(texts + ["", "Two words."])
    assert filled.tolist() == [True] * len(texts) + [False, True]
    flat = np.asarray([h for row in shingles for h in row], dtype=np.uint64)
    one_by_one = collapse.minhash_signatures(flat, np.asarray([len(row) for row in shingles]))
    assert (one_by_one == signatures[: len(texts)]).all()  # the vectorised pass gives the same signatures
    two = collapse.minhash_signatures(np.asarray(shingle_hashes("Two words."), dtype=np.uint64), np.asarray([1]))
    assert (two == signatures[-1]).all()
    for i in range(1, len(texts)):
        a, b = set(shingles[0]), set(shingles[i])
        exact = len(a & b) / len(a | b)
        estimate = float((signatures[0] == signatures[i]).mean())
        assert abs(exact - estimate) < 0.25  # 64 permutations: standard error <= 0.0625
    assert shingle_hashes("") == []
    assert shingle_hashes("one two three four") == shingle_hashes("One  two\nthree FOUR")


def test_exact_jaccard_joins_whatever_the_shingles_shared() -> None:
    """The exact path counts only shingles two documents share; its joins are those of the whole sets."""
    rng = random.Random(3)
    vocab = "the storm floods paris river banks police said on monday".split()
    for _ in range(200):
        bases = [" ".join(rng.choice(vocab) for _ in range(rng.randint(0, 9))) for _ in range(3)]
        texts = [f"{rng.choice(bases)} {rng.choice(vocab)}" if rng.random() < 0.8 else rng.choice(vocab)
                 for _ in range(rng.randint(2, 10))]
        sets = [set(shingle_hashes(t)) for t in texts]
        shingles, counts = collapse._text_shingles(texts)
        starts = np.cumsum(counts) - counts
        assert [set(shingles[a : a + c].tolist()) for a, c in zip(starts, counts)] == sets
        joins = collapse._exact_joins(shingles, counts, 0.5)
        for i, target in enumerate(joins):  # each joins its most similar earlier representative (ties: earliest)
            scores = [(len(sets[i] & sets[j]) / max(len(sets[i] | sets[j]), 1), -j) for j in range(i)
                      if joins[j] is None]
            best = max((s for s in scores if s[0] >= 0.5), default=None)
            assert target == (None if best is None else -best[1])


def test_distinct_articles_share_no_shingle_and_stay_apart() -> None:
    texts = [" ".join(s) for s in OTHER_STORIES] + [" ".join(FLOOD_STORY)]
    assert collapse._exact_joins(*collapse._text_shingles(texts), 0.5) == [None] * len(texts)


def test_a_flood_of_copies_is_one_story_whose_items_cite_every_outlet() -> None:
    docs = _day(60)
    briefing = build_briefing(docs, Options(words=120, date="2024-03-18"))
    flood_items = [i for i in briefing.items if i.sources[0].document == "flood-0"]
    assert flood_items and briefing.sections[0].items[0] in flood_items  # the story most outlets carried leads
    texts = [i.text for i in briefing.items]
    assert len(texts) == len(set(texts))  # one item per fact, not one per copy
    for item in flood_items:
        assert item.outlets == 60
        assert {c.document for c in item.sources[0].copies} == {f"flood-{k}" for k in range(1, 60)}
    assert [d.id for d in briefing.documents] == ["flood-0", "other-0", "other-1"]
    data = briefing.to_dict()
    assert data["sections"][0]["items"][0]["outlets"] == 60
    assert len(data["documents"][0]["copies"]) == 59
    assert Briefing.from_dict(json.loads(json.dumps(data))).to_dict() == data
    markdown = render_briefing(briefing, "md")
    assert "(reported by 60 outlets)" in markdown and "also carried by 59 other outlets" in markdown
    html = render_briefing(briefing, "html")
    tree = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(html)
    assert any("reported by 60 outlets" in (e.text or "") for e in tree.iter("span"))


@pytest.mark.parametrize(("sources", "said", "unsaid"), [
    (("Herald", "Herald"), [], ["reported by", "outlets", "also carried"]),  # a feed's story and its update
    (("Herald", "Courier"), ["reported by 2 outlets", "also carried by 1 other outlet"], ["1 other outlets"]),
], ids=["one-outlet", "two-outlets"])
def test_copies_say_how_many_outlets_only_when_several_in_good_english(sources: tuple[str, str], said: list[str],
                                                                      unsaid: list[str]) -> None:
    """Two near-identical articles from one outlet said "(reported by 1 outlets)"; from two, "also carried by
    1 other outlets"."""
    rng = random.Random(3)
    docs = [Document(f"flood-{k}", " ".join(FLOOD_STORY) if k == 0 else _copy(FLOOD_STORY, rng), title="Floods",
                     source=source) for k, source in enumerate(sources)]
    briefing = build_briefing(docs, Options(words=60, date="2024-03-18"))
    assert briefing.items[0].sources[0].copies  # collapsed
    for fmt, rendered in (("md", render_briefing(briefing, "md")), ("html", render_briefing(briefing, "html")),
                          ("text", render_text(briefing))):
        text = " ".join(rendered.split())  # lines joined
        assert all(phrase in text for phrase in said if fmt != "text" or "also" not in phrase), (fmt, text)
        assert not any(phrase in text for phrase in unsaid), (fmt, text)


def test_exact_copies_from_other_outlets_add_citations_not_changes() -> None:
    docs = _day(1)
    copies = [Document(f"wire-{k}", docs[0].text, title="Floods in Lyon", source=f"Wire {k}") for k in range(3)]
    options = Options(words=80, stories=False, date="2024-03-18")
    alone = build_briefing(docs, options)
    with_copies = build_briefing(docs + copies, options)
    assert [(i.text, i.score) for i in with_copies.items] == [(i.text, i.score) for i in alone.items]
    cited = [i for i in with_copies.items if i.sources[0].document == "flood-0"]
    assert cited and all(i.outlets == 4 for i in cited)
    untouched = [i for i in with_copies.items if i.sources[0].document != "flood-0"]
    assert untouched
    assert all("outlets" not in item for s in with_copies.to_dict()["sections"] for item in s["items"]
               if item["text"] in {i.text for i in untouched})


def _similar_documents(n: int) -> list[Document]:
    """n short documents that all share most of their words (each pair is similar)."""
    rng = random.Random(9)
    common = "storm flood river rain evacuation levee homes rescue bridge sandbags city officials".split()
    return [Document(f"s{k}", " ".join(rng.sample(common, len(common)) + [f"w{k}"]) + ".") for k in range(n)]


def test_story_pairs_are_linear_in_the_number_of_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _similar_documents(300)
    vectors = stories.document_vectors(docs)
    exact = storypairs.similar_pairs(vectors, stories.STORY_THRESHOLD)
    assert len(exact[0]) > 300 * 100  # every pair is similar: quadratic
    monkeypatch.setattr(storypairs, "EXACT_PAIRS_LIMIT", 0)
    monkeypatch.setattr(storypairs, "CANDIDATE_DF", 10_000)
    rows, cols, values = storypairs.similar_pairs(vectors, stories.STORY_THRESHOLD)
    assert 0 < len(rows) <= 300 * storypairs.NEIGHBOURS
    assert (rows < cols).all() and (values >= stories.STORY_THRESHOLD).all()
    assert len(set(zip(rows.tolist(), cols.tolist()))) == len(rows)
    groups = stories.group_stories(docs, vectors=vectors)
    assert sorted(i for g in groups for i in g) == list(range(300))


def test_neighbour_pairs_are_a_subset_of_the_exact_ones(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = _day(3) + [Document(f"x{k}", " ".join(s)) for k, s in enumerate(OTHER_STORIES)]
    vectors = stories.document_vectors(docs)
    exact = set(zip(*(a.tolist() for a in storypairs.similar_pairs(vectors, 0.2)[:2])))
    monkeypatch.setattr(storypairs, "EXACT_PAIRS_LIMIT", 0)
    found = set(zip(*(a.tolist() for a in storypairs.similar_pairs(vectors, 0.2)[:2])))
    assert found and found <= exact  # a lower bound of the cosine never invents a pair


def _pid(_: int) -> int:
    """The process that ran the call."""
    return os.getpid()


def test_parallel_map_equals_the_serial_loop_and_uses_workers() -> None:
    items = list(range(-50, 50))
    assert parallel_map(abs, items, workers=2) == [abs(i) for i in items] == parallel_map(abs, items, workers=1)
    assert parallel_map(abs, [], workers=2) == []
    pids = set(parallel_map(_pid, list(range(8)), workers=2))
    assert pids and os.getpid() not in pids
    assert [list(c) for c in chunks(list(range(7)), 3)] == [[0, 1, 2], [3, 4, 5], [6]]


def test_a_worker_that_dies_is_a_briefing_error_not_a_traceback() -> None:
    """A worker killed (out of memory, `kill -9`) broke the pool: BrokenProcessPool reached the user as a traceback."""
    from briefing.errors import BriefingError

    with pytest.raises(BriefingError, match="BRIEFING_WORKERS=1"):
        parallel_map(os._exit, [3, 3], workers=2)


_INTERRUPTED_POOL = """
import os, signal, sys, time
from pathlib import Path
from briefing.parallel import parallel_map

signal.signal(signal.SIGTERM, signal.default_int_handler)  # as `briefing` does: SIGTERM unwinds like Ctrl-C

def work(seconds):
    if seconds:  # one worker busy (it says so), the other idle, waiting for work
        Path(sys.argv[1]).write_text("busy")
        time.sleep(seconds)
    return seconds

try:
    parallel_map(work, [0, 120], workers=2)
except KeyboardInterrupt:
    sys.exit("interrupted")
"""


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_to_the_process_group_is_silent_in_the_workers(tmp_path: Path, signum: int) -> None:
    """A terminal sends Ctrl-C to every process of the job, a service manager SIGTERM: a worker waiting for work
    printed a KeyboardInterrupt traceback from inside multiprocessing (the parent says 'interrupted', once)."""
    import subprocess
    import sys

    marker = tmp_path / "busy"
    proc = subprocess.Popen([sys.executable, "-c", _INTERRUPTED_POOL, str(marker)], stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        while not marker.exists() and proc.poll() is None:
            time.sleep(0.05)
        time.sleep(0.2)  # the idle worker is back at its queue
        os.killpg(proc.pid, signum)
        err = proc.communicate(timeout=60)[1]
    finally:
        proc.kill()
    assert "Traceback" not in err, err
    assert err == "interrupted\n"


def test_stories_ranked_in_parallel_give_the_serial_briefing(monkeypatch: pytest.MonkeyPatch) -> None:
    docs = [Document(f"{n}-{k}", sentence, source=f"Outlet {k}")
            for n, story in enumerate([FLOOD_STORY, *OTHER_STORIES]) for k, sentence in enumerate(story)]
    options = Options(words=150, date="2024-03-18")
    assert len(collapse_documents(docs)) == len(docs)
    monkeypatch.setattr(rankday, "GLOBAL_RANK_SENTENCES", 0)  # rank story by story, as a big day is
    monkeypatch.setattr(rankday, "PARALLEL_MIN_DOCUMENTS", 10**9)
    serial = build_briefing(docs, options)
    monkeypatch.setattr(rankday, "PARALLEL_MIN_DOCUMENTS", 0)
    parallel = build_briefing(docs, options)
    assert len(serial.sections) > 1
    assert parallel == serial


def test_a_folder_of_jsonl_shards_read_in_parallel_gives_the_serial_documents(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefing.errors import NoInputError
    from briefing.sources import ingest

    for n in range(3):
        lines = [json.dumps({"id": f"{n}-{k}", "text": text, "source": f"Outlet {k}"})
                 for k, text in enumerate(FLOOD_STORY)] + ["not json"]
        (tmp_path / f"part-{n}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 10**12)
    serial = ingest.load_documents([str(tmp_path)], Options())
    monkeypatch.setattr(ingest, "PARALLEL_MIN_BYTES", 0)
    assert ingest.load_documents([str(tmp_path)], Options()) == serial
    assert len(serial) == 6  # the same texts again from the same outlets are read once
    bad = tmp_path / "bad"
    bad.mkdir()
    for n in range(2):
        (bad / f"part-{n}.jsonl").write_text('{"text": 3}\n{"no": "text"}\n', encoding="utf-8")
    with pytest.raises(NoInputError, match="2 files skipped; 4 documents skipped"):
        ingest.load_documents([str(bad)], Options())


def test_a_story_too_big_for_its_graph_is_ranked_on_its_most_central_articles(monkeypatch: pytest.MonkeyPatch) -> None:
    from briefing.models import Copy

    # Four reports of the Lyon flood (the second carried by three more outlets) and one that mentions it in passing.
    reports = [" ".join(FLOOD_STORY[k:] + FLOOD_STORY[:k]) for k in range(4)]
    aside = ("Lyon residents also complained about parking fees on Tuesday. The council said new bus lanes open in "
             "March. A jazz festival is planned for the summer. Heavy rain flooded the centre of Lyon.")
    docs = [Document(f"r{k}", text, source=f"Outlet {k}") for k, text in enumerate(reports)]
    docs[1] = Document("r1", reports[1], source="Outlet 1", copies=tuple(Copy(f"c{n}", f"Copy {n}") for n in range(3)))
    docs.append(Document("aside", aside, source="Outlet 9"))
    story = list(range(len(docs)))
    part = pipeline.split_documents(docs)
    per_article = len(part) // len(docs)
    monkeypatch.setattr(rankday, "STORY_GRAPH_SENTENCES", 3 * per_article)
    kept = rankday.central_part(part, story, docs, stories.document_vectors(docs))
    kept_docs = {s.document for s in kept}
    assert len(kept) <= 3 * per_article
    assert "r1" in kept_docs  # the most central: it stands for four outlets
    assert "aside" not in kept_docs  # the least similar to the rest
    monkeypatch.setattr(rankday, "STORY_GRAPH_SENTENCES", len(part))
    assert rankday.central_part(part, story, docs, stories.document_vectors(docs)) == part
