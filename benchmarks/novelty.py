"""Novelty on the dev data: does a history of earlier days keep old news out of today's briefing?

Each DUC 2007 topic's articles are split by date into an earlier and a later "day" (the older half and the
newer half). The later day is briefed three times:
- alone (no history);
- with the history of earlier briefings' items only (`published`: what briefing did before it kept articles);
- with the full history, as `briefing` does it in daily use: the earlier day's items are `published` and
  its articles' sentences `seen` (novelty).

Printed per run: how many of the later briefing's items repeat something the earlier day's *articles* said
(measured independently of briefing's own similarity code: at least REPEAT_SHARE of an item's lower-cased
content words, unstemmed, appear in one earlier sentence), and ROUGE-1/2 recall of the later briefing against
the topic's references (the references summarise the whole topic, old and new).

    python benchmarks/novelty.py ../shared/eval/duc2007_main15.jsonl [--words 250] [--query]

With `--query`, every briefing has the topic's title and narrative as its focus query (as `briefing eval`'s
ours+query), as in the DUC 2007 update task.
"""
from __future__ import annotations

import argparse
import json
import re
import sys

from rouge_score import rouge_scorer

from briefing import Document, Options, build_briefing, split_sentences
from briefing.summarize.pipeline import sentence_terms

REPEAT_SHARE = 0.6
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an the and or but of to in on at for with by from as is are was were be been has have had "
                  "it its this that these those he she they his her their i we you said says will would not".split())


def _words(text: str) -> set[str]:
    """Lower-cased content words, no stemming (independent of briefing's tokenizer)."""
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 1}


def repeats(items: list[str], earlier_sentences: list[set[str]]) -> int:
    """How many items repeat an earlier sentence (REPEAT_SHARE of their words in one of them)."""
    count = 0
    for item in items:
        words = _words(item)
        if words and any(len(words & old) >= REPEAT_SHARE * len(words) for old in earlier_sentences):
            count += 1
    return count


def main() -> int:
    """Run both settings on every topic and print the table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("clusters")
    parser.add_argument("--words", type=int, default=250)
    parser.add_argument("--query", action="store_true", help="brief with the topic's title and narrative as --query")
    args = parser.parse_args()
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    names = ("alone", "earlier items only", "earlier items and articles")
    totals = {name: {"items": 0, "repeats": 0, "r1": 0.0, "r2": 0.0} for name in names}
    topics = 0
    with open(args.clusters, encoding="utf-8") as handle:
        for line in handle:
            cluster = json.loads(line)
            docs = sorted(cluster["docs"], key=lambda d: d.get("date") or "")
            half = len(docs) // 2
            make = lambda part: [Document(str(d["id"]), d["text"], title=d.get("title"), source=d.get("source"))  # noqa: E731
                                 for d in part]
            earlier, later = make(docs[:half]), make(docs[half:])
            topic = cluster.get("query") or {}
            parts = [str(topic.get(k) or "").strip().rstrip(".") for k in ("title", "narrative")]
            query = ". ".join(p for p in parts if p) + "." if args.query and any(parts) else None
            options = Options(words=args.words, quiet=True, date="2000-01-02", query=query)
            first = build_briefing(earlier, options.replace(date="2000-01-01"))
            old_sentences = [_words(s) for d in earlier for s in split_sentences(d.text)]
            published = [i.text for i in first.items]
            runs = {
                "alone": build_briefing(later, options),
                "earlier items only": build_briefing(later, options, published),
                "earlier items and articles": build_briefing(later, options, published, seen=sentence_terms(earlier)),
            }
            for name, briefing in runs.items():
                texts = [i.text for i in briefing.items]
                summary = " ".join(" ".join(texts).split()[: args.words])
                scores = [scorer.score(ref, summary) for ref in cluster["refs"]]
                row = totals[name]
                row["items"] += len(texts)
                row["repeats"] += repeats(texts, old_sentences)
                row["r1"] += sum(s["rouge1"].recall for s in scores) / len(scores)
                row["r2"] += sum(s["rouge2"].recall for s in scores) / len(scores)
            topics += 1
    print(f"Later half of {topics} topics, {args.words} words{', with the query' if args.query else ''}: "
          "items repeating the earlier half's articles")
    print()
    print("| run | items | repeating earlier articles | ROUGE-1 R | ROUGE-2 R |")
    print("|---|---|---|---|---|")
    for name, row in totals.items():
        share = 100 * row["repeats"] / max(row["items"], 1)
        print(f"| {name} | {row['items']} | {row['repeats']} ({share:.1f}%) | {100 * row['r1'] / topics:.2f} "
              f"| {100 * row['r2'] / topics:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
