"""Sentence splitter benchmark: exact-sentence F1 on the golden rules and throughput, ours vs pySBD.

Usage: python benchmarks/sbd_eval.py [CASES.jsonl] [--mb N]

CASES.jsonl defaults to ../shared/eval/sbd_golden_rules/cases.jsonl relative to the repository. Each line
is {"text", "sentences", "rule_no", "rule", "xfail_in_pysbd"}. A predicted sentence counts as correct when
it equals (after strip) a gold sentence of the same case not matched yet; precision and recall are pooled
over all cases. Throughput is measured on about N MB (default 2) of news text: the documents of
/work/evaldata/bbc_fulltext.jsonl when present, else the seeds repeated. Both splitters get the same
documents one at a time; "ours" includes normalisation (`split_sentences` on raw text).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefing.text.normalize import normalize_text  # noqa: E402
from briefing.text.sentences import split_sentences, split_text  # noqa: E402

DEFAULT_CASES = REPO.parent / "shared" / "eval" / "sbd_golden_rules" / "cases.jsonl"
NEWS = Path("/work/evaldata/bbc_fulltext.jsonl")

Splitter = Callable[[str], list[str]]


def load_cases(path: Path) -> list[dict[str, Any]]:
    """The golden-rule cases, one dict per non-empty line."""
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def exact_f1(cases: list[dict[str, Any]], split: Splitter) -> tuple[float, float, float, list[int]]:
    """Pooled precision, recall, F1 of exact sentence matches, and the rule numbers not fully right."""
    hits = predicted = gold = 0
    wrong: list[int] = []
    for case in cases:
        expected = [s.strip() for s in case["sentences"]]
        got = [s.strip() for s in split(case["text"]) if s.strip()]
        hits += sum((Counter(got) & Counter(expected)).values())
        predicted += len(got)
        gold += len(expected)
        if got != expected:
            wrong.append(case.get("rule_no", -1))
    precision = hits / predicted if predicted else 0.0
    recall = hits / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1, wrong


def news_texts(megabytes: float) -> list[str]:
    """About `megabytes` MB of article texts (BBC full texts when available, else the seeds repeated)."""
    texts: list[str] = []
    if NEWS.exists():
        with NEWS.open(encoding="utf-8") as handle:
            texts = [doc["text"] for line in handle if line.strip() for doc in json.loads(line).get("docs", [])]
    if not texts:
        texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "seeds").glob("*.txt"))]
    out: list[str] = []
    size, limit = 0, int(megabytes * 1_000_000)
    while size < limit:
        for text in texts:
            out.append(text)
            size += len(text.encode("utf-8"))
            if size >= limit:
                break
    return out


def throughput(texts: list[str], split: Splitter) -> tuple[float, int]:
    """MB/s of `split` over the documents, and the number of sentences it produced."""
    size = sum(len(t.encode("utf-8")) for t in texts)
    start = time.perf_counter()
    count = sum(len(split(t)) for t in texts)
    return size / 1_000_000 / (time.perf_counter() - start), count


def main(argv: list[str] | None = None) -> int:
    """Print F1 on the golden rules and throughput for both splitters."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("cases", nargs="?", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--mb", type=float, default=2.0, help="megabytes of news text for the throughput test")
    args = parser.parse_args(argv)

    import pysbd

    segmenter = pysbd.Segmenter(language="en", clean=False)
    splitters: dict[str, Splitter] = {"ours": split_sentences, "pysbd": segmenter.segment}

    if args.cases.exists():
        cases = load_cases(args.cases)
        print(f"Golden rules: {len(cases)} cases from {args.cases}")
        for name, split in splitters.items():
            p, r, f1, wrong = exact_f1(cases, split)
            print(f"  {name:6s} P={p:.4f} R={r:.4f} F1={f1:.4f}  wrong rules: {wrong or 'none'}")
        xfail = [c for c in cases if c.get("xfail_in_pysbd")]
        if xfail:
            print(f"  ({len(xfail)} case(s) marked xfail_in_pysbd: {[c.get('rule_no') for c in xfail]})")
    else:
        print(f"Golden rules: {args.cases} not found, skipped")

    texts = news_texts(args.mb)
    size = sum(len(t.encode("utf-8")) for t in texts) / 1_000_000
    source = NEWS if NEWS.exists() else "seeds"
    print(f"Throughput on {size:.2f} MB ({len(texts)} documents from {source}):")
    normalized = [normalize_text(t) for t in texts]
    speed, count = throughput(normalized, lambda t: [s for p in split_text(t) for s in p])
    print(f"  ours   {speed:7.2f} MB/s  split only, on normalised text ({count} sentences)")
    for name, split in splitters.items():
        speed, count = throughput(texts, split)
        print(f"  {name:6s} {speed:7.2f} MB/s  raw text ({count} sentences)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
