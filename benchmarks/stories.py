"""Story grouping on the dev data: single-topic clusters stay whole, mixed days get one section per story.

    python benchmarks/stories.py DUC.jsonl MULTINEWS.jsonl --mixed BBC.jsonl [--days 3]

For each single-topic set (every cluster is one topic): how many clusters the grouping cuts, the mean share of a
cluster's articles in its biggest story, and how many default briefings (250 words) have more than one
section. For mixed days (100 articles drawn at random from the BBC corpus's five categories, seeded): sections
per briefing, how many section titles are the headline of an article the section cites, and how many sections
mix categories.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from collections.abc import Iterator

from briefing import Document, Options, build_briefing
from briefing.summarize.stories import group_stories


def clusters(path: str) -> Iterator[list[Document]]:
    """The documents of each cluster of an evaluation file."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            data = json.loads(line)
            yield [Document(str(d.get("id") or k), d["text"], title=d.get("title"), source=d.get("source"))
                   for k, d in enumerate(data["docs"])]


def single_topic(path: str) -> str:
    """One table row for a set of single-topic clusters."""
    total = cut = sections = 0
    share = 0.0
    for docs in clusters(path):
        groups = group_stories(docs)
        total += 1
        cut += len(groups) > 1
        share += max(map(len, groups)) / len(docs)
        sections += len(build_briefing(docs, Options(words=250, quiet=True, date="2000-01-01")).sections) > 1
    return f"| {path.rsplit('/', 1)[-1]} | {total} | {cut} | {share / total:.2f} | {sections} |"


def mixed(path: str, days: int) -> list[str]:
    """One row per seeded 100-article day."""
    pool = [(cluster["id"], doc) for line in open(path, encoding="utf-8") for cluster in [json.loads(line)]
            for doc in cluster["docs"]]
    rows = []
    for seed in range(days):
        picked = random.Random(seed).sample(pool, 100)
        docs = [Document(f"{c}/{d['id']}", d["text"], title=d.get("title")) for c, d in picked]
        titles = {d.id: d.title for d in docs}
        briefing = build_briefing(docs, Options(words=250, quiet=True, date="2005-01-01"))
        fitting = mixed_sections = 0
        for section in briefing.sections:
            cited = {ref.document for item in section.items for ref in item.sources}
            fitting += section.title in {titles[c] for c in cited}
            mixed_sections += len({c.split("/")[0] for c in cited}) > 1
        rows.append(f"| seed {seed} | {len(briefing.sections)} | {fitting} | {mixed_sections} |")
    return rows


def main() -> int:
    """Print both tables."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("single", nargs="+", help="single-topic cluster files (DUC, Multi-News)")
    parser.add_argument("--mixed", help="the BBC corpus (bbc_fulltext.jsonl)")
    parser.add_argument("--days", type=int, default=3)
    args = parser.parse_args()
    print("| set | clusters | cut into 2+ stories | biggest story's share | briefings with 2+ sections |")
    print("|---|---|---|---|---|")
    for path in args.single:
        print(single_topic(path))
    if args.mixed:
        print()
        print("| mixed 100-article day | sections | titled from a cited article | sections mixing categories |")
        print("|---|---|---|---|")
        print("\n".join(mixed(args.mixed, args.days)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
