"""Write a synthetic "firehose day" of news articles as document JSONL, deterministically.

Usage:
    python benchmarks/firehose.py OUT.jsonl --articles 20000 [--seed 1] [--filler 0.3]
        [--bbc benchmarks/data/bbc_fulltext.jsonl] [--multinews benchmarks/data/multinews_val250.jsonl]
    python benchmarks/firehose.py OUT.jsonl --flood 10000      # 10,000 edited copies of one story
    python benchmarks/firehose.py OUTDIR --articles 100000 --shard 10000   # OUTDIR/part-0000.jsonl, ...

Shards keep every file under `briefing build`'s 50 MB cap on one input (`Options.max_bytes`).

The base stories are every article of the BBC and Multi-News development corpora (clusters format,
shared/eval/README.md). Each base article is published by a heavy-tailed number of outlets: story r (in a
seeded shuffle) gets weight 1 / (r + 1) ** ZIPF, every story appears at least once while the day has room,
and the rest of the republications are drawn by weight. A republication is edited: sentences dropped,
neighbouring sentences swapped, a few words changed, the headline sometimes prefixed. Filler articles (a
`--filler` share of the day) are new texts stitched from sentences of several articles of one cluster, so
they are distinct but topical. The same arguments always write the same bytes.
"""
from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

ZIPF = 1.1
OUTLETS = 3000
# Editing of a republished copy.
DROP_SENTENCE = 0.08
SWAP_SENTENCES = 0.08
CHANGE_WORD = 0.02
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“])")
_PREFIXES = ("UPDATE: ", "LIVE: ", "Breaking: ", "Analysis: ", "")
_EDITS = ("reportedly", "officially", "now", "also", "again", "still", "further", "recently")


def base_articles(paths: list[Path]) -> list[dict[str, str]]:
    """Every article of the clusters files, with the cluster it came from."""
    out = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                if not line.strip():
                    continue
                cluster = json.loads(line)
                for doc in cluster["docs"]:
                    if doc.get("text", "").strip():
                        out.append({"cluster": cluster["id"], "title": doc.get("title") or "", "text": doc["text"]})
    return out


def _outlet(rng: random.Random) -> str:
    """A skewed choice among OUTLETS outlet names (big outlets publish more, with a long tail)."""
    return f"Outlet {int(OUTLETS * rng.random() ** 3):04d}"


def edited(text: str, rng: random.Random) -> str:
    """A republished copy: some sentences dropped or swapped with their neighbour, a few words changed."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        sentences = [s for s in _SENTENCE.split(paragraph.strip()) if s]
        kept = [s for s in sentences if rng.random() >= DROP_SENTENCE] or sentences[:1]
        for i in range(len(kept) - 1):
            if rng.random() < SWAP_SENTENCES:
                kept[i], kept[i + 1] = kept[i + 1], kept[i]
        words = " ".join(kept).split(" ")
        for i in range(len(words)):
            if rng.random() < CHANGE_WORD:
                words[i] = rng.choice(_EDITS)
        if any(words):
            paragraphs.append(" ".join(words))
    return "\n\n".join(paragraphs) or text


def filler(pool: list[dict[str, str]], rng: random.Random) -> tuple[str, str]:
    """A new article stitched from sentences of 3-5 articles of one cluster: (title, text)."""
    cluster = rng.choice(pool)["cluster"]
    same = [a for a in rng.sample(pool, min(len(pool), 200)) if a["cluster"] == cluster] or [rng.choice(pool)]
    sentences: list[str] = []
    for article in rng.sample(same, min(len(same), rng.randint(3, 5))):
        parts = [s for p in article["text"].split("\n\n") for s in _SENTENCE.split(p.strip()) if s]
        if parts:
            start = rng.randrange(len(parts))
            sentences.extend(parts[start : start + rng.randint(2, 5)])
    rng.shuffle(sentences)
    paragraphs = [" ".join(sentences[i : i + 3]) for i in range(0, len(sentences), 3)]
    return (sentences[0][:60] if sentences else "Filler"), "\n\n".join(paragraphs)


def day(base: list[dict[str, str]], articles: int, seed: int, filler_share: float) -> Iterator[dict[str, str]]:
    """The day's articles in a seeded order (wire copies interleaved with everything else)."""
    rng = random.Random(seed)
    stories = list(range(len(base)))
    rng.shuffle(stories)
    n_filler = int(articles * filler_share)
    n_copies = articles - n_filler
    weights = [1.0 / (r + 1) ** ZIPF for r in range(len(stories))]
    picks = stories[: min(n_copies, len(stories))]
    if n_copies > len(picks):
        picks += rng.choices(stories, weights=weights, k=n_copies - len(picks))
    slots: list[int] = picks + [-1] * n_filler
    rng.shuffle(slots)
    seen: set[int] = set()
    for number, story in enumerate(slots):
        if story < 0:
            title, text = filler(base, rng)
        else:
            article = base[story]
            first = story not in seen
            seen.add(story)
            title = article["title"] if first else rng.choice(_PREFIXES) + article["title"]
            text = article["text"] if first else edited(article["text"], rng)
        yield {"id": f"fh-{number:06d}", "title": title, "text": text, "source": _outlet(rng),
               "date": "2024-03-18", "url": f"https://news{number % 97}.example/{number}"}


def flood(base: list[dict[str, str]], copies: int, seed: int) -> Iterator[dict[str, str]]:
    """`copies` edited republications of one story, each from its own outlet."""
    rng = random.Random(seed)
    article = max(base[:50], key=lambda a: len(a["text"]))
    for number in range(copies):
        text = article["text"] if number == 0 else edited(article["text"], rng)
        yield {"id": f"flood-{number:06d}", "title": article["title"], "text": text, "source": f"Outlet {number:05d}",
               "date": "2024-03-18", "url": f"https://news{number % 97}.example/{number}"}


def main() -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, help="document JSONL to write")
    parser.add_argument("--articles", type=int, default=20_000, help="articles in the day")
    parser.add_argument("--flood", type=int, default=0, help="instead: this many copies of one story")
    parser.add_argument("--shard", type=int, default=0, help="write OUT as a directory of files of this many lines")
    parser.add_argument("--seed", type=int, default=1, help="random seed (same seed, same file)")
    parser.add_argument("--filler", type=float, default=0.3, help="share of filler articles")
    parser.add_argument("--bbc", type=Path, default=Path(__file__).resolve().parent / "data" / "bbc_fulltext.jsonl", help="BBC clusters")
    parser.add_argument("--multinews", type=Path, default=Path(__file__).resolve().parent / "data" / "multinews_val250.jsonl",
                        help="Multi-News clusters")
    args = parser.parse_args()
    base = base_articles([args.bbc, args.multinews])
    rows = flood(base, args.flood, args.seed) if args.flood else day(base, args.articles, args.seed, args.filler)
    write(rows, args.out, args.shard)


def write(rows: Iterator[dict[str, str]], out: Path, shard: int = 0) -> None:
    """Write `rows` as JSONL into `out`, or into `out`/part-NNNN.jsonl files of `shard` lines each."""
    if shard:
        out.mkdir(parents=True, exist_ok=True)
        for old in out.glob("part-*.jsonl"):
            old.unlink()
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
    handle = None
    try:
        for number, row in enumerate(rows):
            if handle is None or (shard and number % shard == 0):
                if handle is not None:
                    handle.close()
                handle = open(out / f"part-{number // shard:04d}.jsonl" if shard else out, "w", encoding="utf-8")
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if handle is not None:
            handle.close()


if __name__ == "__main__":
    main()
