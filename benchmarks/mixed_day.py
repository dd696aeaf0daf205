"""Mixed days: many events in one input. Is each event one story, and does each section tell its own event?

    python benchmarks/mixed_day.py [--duc DUC.jsonl] [--multinews MN.jsonl] [--words 400] [--no-queries]

Days are built deterministically from development clusters whose event labels are known (seeded samples,
articles shuffled, ids anonymised, labels never shown to the build):

- DUC 2007 dev: all 15 topics in one day (375 articles), and 3 days of 5 topics;
- Multi-News val: 3 days of 40 clusters;
- BBC News: 10 days of 20 random articles, almost all unrelated (spurious merges; does a one-article section
  open with the article's first sentence?);
- MultiLing 2011 dev: in each of its 7 languages, its 5 topics in one day (50 articles), and each topic alone.

For each day the default build (`build_briefing`, default options, --words 400) is scored on:

- B-cubed precision, recall and F1 of document -> story (Bagga & Baldwin 1998; the JSON `documents[].story`,
  collapsed copies scored as their representative's story), over the documents the briefing lists: "left out"
  counts the pages it left out as page furniture only (web-archive placeholders, editors' notes), and the F1
  beside it scores each of them as a story of its own;
- item purity: the share of items whose section is their own event's (a section's event is that of the article
  whose headline titles it, else the event most of its items come from);
- events briefed (events with at least one item), and sections.

In the same run: the scikit-learn baseline the issue names (tf-idf of title + text, cosine, average linkage at
the threshold that scores best on these days), each DUC dev topic built alone (it must stay one story), and, on
the 15-topic day, each topic's title as `--query` (is the first section that topic's?).
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from briefing import Document, Options, build_briefing

DATA = Path(__file__).resolve().parent / "data"
Day = tuple[str, list[Document], dict[str, str]]  # name, documents, event of each document id


def load(path: Path) -> list[dict]:
    """The clusters of an evaluation file."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def make_day(name: str, clusters: Sequence[dict], seed: int) -> Day:
    """The clusters' articles as one shuffled day with anonymous ids; the label of each id on the side."""
    pairs = [(c["id"], d) for c in clusters for d in c["docs"]]
    random.Random(seed).shuffle(pairs)
    docs, labels = [], {}
    for k, (label, d) in enumerate(pairs):
        doc_id = f"d{k:04d}"
        docs.append(Document(doc_id, d["text"], title=d.get("title") or None, source=d.get("source") or None,
                             date=(d.get("date") or None)))
        labels[doc_id] = label
    return name, docs, labels


def days(duc: Path | None, multinews: Path | None) -> list[Day]:
    """The dev days: DUC's 15 topics, 3 x 5 DUC topics, 3 x 40 Multi-News clusters."""
    out: list[Day] = []
    if duc and duc.exists():
        topics = load(duc)
        out.append(make_day("DUC 15 topics", topics, 0))
        for seed in range(3):
            out.append(make_day(f"DUC 5 topics, seed {seed}", random.Random(100 + seed).sample(topics, 5), seed))
    if multinews and multinews.exists():
        clusters = load(multinews)
        for seed in range(3):
            out.append(make_day(f"Multi-News 40, seed {seed}", random.Random(200 + seed).sample(clusters, 40), seed))
    return out


def bcubed(assigned: dict[str, int], labels: dict[str, str]) -> tuple[float, float, float]:
    """B-cubed precision, recall and F1 of a clustering against labels (over the labelled ids)."""
    ids = [i for i in labels if i in assigned]
    by_cluster: dict[int, list[str]] = {}
    by_label: dict[str, list[str]] = {}
    for i in ids:
        by_cluster.setdefault(assigned[i], []).append(i)
        by_label.setdefault(labels[i], []).append(i)
    precision = recall = 0.0
    for i in ids:
        cluster, label = by_cluster[assigned[i]], by_label[labels[i]]
        both = sum(1 for j in cluster if labels[j] == labels[i])
        precision += both / len(cluster)
        recall += both / len(label)
    p, r = precision / len(ids), recall / len(ids)
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def story_of_documents(data: dict) -> dict[str, int]:
    """Document id -> story from the JSON briefing (collapsed copies get their representative's)."""
    story: dict[str, int] = {}
    for d in data["documents"]:
        story[d["id"]] = d["story"]
        for c in d.get("copies", []):
            story[c["document"]] = d["story"]
    return story


def section_events(data: dict, labels: dict[str, str]) -> list[tuple[str, list[str]]]:
    """(event of each section, event of each of its items)."""
    titles: dict[str, str] = {}
    for d in data["documents"]:
        if d.get("title"):
            titles.setdefault(d["title"], d["id"])
    out = []
    for section in data["sections"]:
        items = [labels.get(item["sources"][0]["document"], "?") for item in section["items"]]
        cited = {r["document"] for item in section["items"] for r in item["sources"]}
        headed = [labels[d["id"]] for d in data["documents"]
                  if d.get("title") and d["title"] == section["title"] and d["id"] in cited]
        event = headed[0] if headed else Counter(items).most_common(1)[0][0]
        out.append((event, items))
    return out


def score_build(day: Day, words: int, query: str | None = None) -> dict:
    """Build the day by default and score it."""
    name, docs, labels = day
    started = time.process_time()
    briefing = build_briefing(docs, Options(words=words, quiet=True, date="2000-01-01", query=query))
    seconds = time.process_time() - started
    data = briefing.to_dict()
    story = story_of_documents(data)
    p, r, f = bcubed(story, labels)
    # Pages the build left out (page furniture only) scored as stories of their own, as before they were left out.
    every = {**{i: f"left out {i}" for i in labels if i not in story}, **story}
    sections = section_events(data, labels)
    items = [(event, item) for event, item_events in sections for item in item_events]
    pure = sum(event == item for event, item in items)
    return {"day": name, "articles": len(docs), "events": len(set(labels.values())), "stories": len(set(story.values())),
            "p": p, "r": r, "f": f, "left": len(labels) - len(story), "f_all": bcubed(every, labels)[2],
            "purity": pure / max(len(items), 1),
            "items": len(items), "briefed": len({item for _, item in items}), "sections": len(sections),
            "first": sections[0][0] if sections else None, "cpu": seconds}


def sklearn_baseline(docs: Sequence[Document], threshold: float) -> list[int]:
    """The issue's baseline: tf-idf of title + text, cosine distance, average linkage cut at `threshold`."""
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = TfidfVectorizer(stop_words="english", sublinear_tf=True).fit_transform(
        [f"{d.title or ''}\n{d.text}" for d in docs]).toarray()
    model = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                    distance_threshold=1.0 - threshold)
    return model.fit_predict(matrix).tolist()


def baseline_rows(all_days: Sequence[Day]) -> tuple[float, list[tuple[str, float, float, float]]]:
    """The baseline at its best threshold on these days (mean F1), and its row per day."""
    grid = [round(0.02 * k, 2) for k in range(1, 16)]
    results = {}
    for t in grid:
        rows = []
        for name, docs, labels in all_days:
            assigned = dict(zip((d.id for d in docs), sklearn_baseline(docs, t)))
            rows.append((name, *bcubed(assigned, labels)))
        results[t] = rows
    best = max(grid, key=lambda t: sum(row[3] for row in results[t]))
    return best, results[best]


def main() -> int:
    """Print the tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duc", type=Path, default=DATA / "duc2007_main15.jsonl")
    parser.add_argument("--multinews", type=Path, default=DATA / "multinews_val250.jsonl")
    parser.add_argument("--bbc", type=Path, default=DATA / "bbc_fulltext.jsonl")
    parser.add_argument("--multiling", type=Path, default=DATA / "multiling", help="folder of clusters-LANG.jsonl")
    parser.add_argument("--words", type=int, default=400)
    parser.add_argument("--no-queries", action="store_true", help="skip the 15 query builds")
    parser.add_argument("--no-baseline", action="store_true", help="skip the scikit-learn baseline")
    args = parser.parse_args()
    all_days = days(args.duc, args.multinews)
    if not all_days:
        print("no dev data: build it as ../shared/eval/README.md says", file=sys.stderr)
        return 1
    print(f"Default build, --words {args.words}:\n")
    print("| day | articles | left out | events | stories | B3 P | B3 R | B3 F1 | F1, left out as stories | item purity "
          "| events briefed | sections | CPU s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for day in all_days:
        s = score_build(day, args.words)
        print(f"| {s['day']} | {s['articles']} | {s['left']} | {s['events']} | {s['stories']} | {s['p']:.3f} | "
              f"{s['r']:.3f} | {s['f']:.3f} | {s['f_all']:.3f} | {s['purity']:.3f} ({s['items']} items) | "
              f"{s['briefed']} | {s['sections']} | {s['cpu']:.1f} |")
    threshold = None
    if not args.no_baseline:
        threshold, rows = baseline_rows(all_days)
        print(f"\nscikit-learn baseline (tf-idf, cosine, average linkage at {threshold}, the best on these days):\n")
        print("| day | B3 P | B3 R | B3 F1 |")
        print("|---|---|---|---|")
        for name, p, r, f in rows:
            print(f"| {name} | {p:.3f} | {r:.3f} | {f:.3f} |")
    if args.duc.exists():
        topics = load(args.duc)
        alone = []
        for topic in topics:
            _, docs, labels = make_day(topic["id"], [topic], 0)
            data = build_briefing(docs, Options(words=args.words, quiet=True, date="2000-01-01")).to_dict()
            alone.append(len(set(story_of_documents(data).values())))
        print(f"\nDUC dev topics built alone: {sum(n == 1 for n in alone)} of {len(alone)} are one story "
              f"(stories per topic: {alone})")
        if not args.no_queries:
            day = all_days[0]
            first = []
            for topic in topics:
                first.append(score_build(day, args.words, query=topic["query"]["title"])["first"] == topic["id"])
            print(f"\n15-topic day, each topic's title as --query: the first section is the queried topic in "
                  f"{sum(first)} of {len(first)} (missed: {[t['id'] for t, ok in zip(topics, first) if not ok]})")
    if args.bbc.exists():
        print("\n" + bbc_table(args.bbc, args.words, baseline=threshold))
    if args.multiling.is_dir():
        print("\n" + multiling_table(args.multiling, args.words))
    return 0


def multiling_table(folder: Path, words: int) -> str:
    """Each MultiLing language's topics as one day, and each topic alone: stories in other languages."""
    rows = ["MultiLing dev, each language's 5 topics in one day (default build):\n",
            "| language | articles | stories | B3 P | B3 R | B3 F1 | item purity | stories of each topic alone |",
            "|---|---|---|---|---|---|---|---|"]
    for path in sorted(folder.glob("clusters-*.jsonl")):
        clusters = load(path)
        s = score_build(make_day(path.stem.split("-")[-1], clusters, 0), words)
        alone = []
        for cluster in clusters:
            _, docs, _ = make_day(cluster["id"], [cluster], 0)
            data = build_briefing(docs, Options(words=words, quiet=True, date="2000-01-01")).to_dict()
            alone.append(len(set(story_of_documents(data).values())))
        rows.append(f"| {s['day']} | {s['articles']} | {s['stories']} | {s['p']:.3f} | {s['r']:.3f} | {s['f']:.3f} | "
                    f"{s['purity']:.3f} ({s['items']} items) | {alone} |")
    return "\n".join(rows)


def bbc_table(path: Path, words: int, days_count: int = 10, size: int = 20, baseline: float | None = None) -> str:
    """Days of `size` random BBC articles (almost all unrelated): spurious merges and single-article leads.

    BBC News has no event labels, so each article counts as its own event; the few real pairs (two reports
    of one trial) make the precision a lower bound. A section of one article should open with that
    article's first sentence, its news.
    """
    articles = [d for c in load(path) for d in c["docs"]]
    precision, stories, led, single, base = [], [], 0, 0, []
    for seed in range(days_count):
        picked = random.Random(300 + seed).sample(articles, size)
        docs = [Document(f"d{k:02d}", d["text"], title=d.get("title") or None) for k, d in enumerate(picked)]
        data = build_briefing(docs, Options(words=words, quiet=True, date="2000-01-01")).to_dict()
        story = story_of_documents(data)
        precision.append(bcubed(story, {d.id: d.id for d in docs})[0])
        if baseline is not None:
            base.append(bcubed(dict(zip((d.id for d in docs), sklearn_baseline(docs, baseline))), {d.id: d.id for d in docs})[0])
        stories.append(len(set(story.values())))
        for section in data["sections"]:
            if section["articles"] == 1:
                single += 1
                led += section["items"][0]["sources"][0]["sentence"] == 0
    return (f"BBC News, {days_count} days of {size} random articles (each its own event), --words {words}: "
            f"B-cubed precision {sum(precision) / len(precision):.3f}, {sum(stories) / len(stories):.1f} stories a "
            f"day; one-article sections opening with the article's first sentence: {led} of {single}"
            + (f"; scikit-learn baseline at {baseline}: precision {sum(base) / len(base):.3f}" if base else ""))


if __name__ == "__main__":
    sys.exit(main())
