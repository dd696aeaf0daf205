"""Sentence splitter benchmark: exact-sentence F1 on the golden rules, per language, and throughput, ours vs pySBD.

Usage: python benchmarks/sbd_eval.py [CASES.jsonl] [--mb N] [--languages DIR] [--no-speed]

CASES.jsonl defaults to ../shared/eval/sbd_golden_rules/cases.jsonl relative to the repository. Each line
is {"text", "sentences", "rule_no", "rule", "xfail_in_pysbd"}. A predicted sentence counts as correct when
it equals (after strip) a gold sentence of the same case not matched yet; precision and recall are pooled
over all cases. Throughput is measured on about N MB (default 2) of news text: the documents of
benchmarks/data/bbc_fulltext.jsonl when present, else the seeds repeated. Both splitters get the same
documents one at a time; "ours" includes normalisation (`split_sentences` on raw text).

Languages: DIR (default benchmarks/sbd_cases) holds one LANG.jsonl per language, each line
{"text", "sentences"} written by hand for this benchmark; both splitters are told the language
(`split_sentences(text, language=LANG)`, `pysbd.Segmenter(language=LANG)`), and F1 is reported per language
("n/a" where pySBD has no such language).
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

# ../shared next to the repository (or next to the folder of worktrees, /work/wt/NAME -> /work/shared).
DEFAULT_CASES = next((p for p in (REPO.parent / "shared" / "eval" / "sbd_golden_rules" / "cases.jsonl",
                                  REPO.parent.parent / "shared" / "eval" / "sbd_golden_rules" / "cases.jsonl")
                      if p.exists()), REPO.parent / "shared" / "eval" / "sbd_golden_rules" / "cases.jsonl")
LANGUAGE_CASES = REPO / "benchmarks" / "sbd_cases"
# pySBD's languages (pysbd.languages.LANGUAGE_CODES, version 0.3.4).
PYSBD_LANGUAGES = frozenset("en hi mr zh es am ar hy bg ur ru pl fa nl da fr my el it ja de kk sk".split())
NEWS = Path(__file__).resolve().parent / "data" / "bbc_fulltext.jsonl"

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


def language_scores(directory: Path) -> dict[str, dict[str, float | None]]:
    """F1 per language on DIR/LANG.jsonl: {"fr": {"ours": 1.0, "pysbd": 0.9, "cases": 12}, ...} (pysbd None
    when pySBD does not know the language)."""
    import pysbd

    scores: dict[str, dict[str, float | None]] = {}
    for path in sorted(directory.glob("*.jsonl")):
        language = path.stem
        cases = load_cases(path)
        ours = exact_f1(cases, lambda text: split_sentences(text, language=language))[2]
        theirs = None
        if language in PYSBD_LANGUAGES:
            segmenter = pysbd.Segmenter(language=language, clean=False)
            theirs = exact_f1(cases, segmenter.segment)[2]
        scores[language] = {"ours": ours, "pysbd": theirs, "cases": float(len(cases))}
    return scores


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
    parser.add_argument("--languages", type=Path, default=LANGUAGE_CASES, help="folder of LANG.jsonl cases")
    parser.add_argument("--no-speed", action="store_true", help="skip the throughput test")
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

    if args.languages.is_dir():
        print(f"Per language ({args.languages}): exact-sentence F1")
        print("| language | cases | ours | pySBD |")
        print("|---|---|---|---|")
        for language, row in language_scores(args.languages).items():
            theirs = "n/a" if row["pysbd"] is None else f"{row['pysbd']:.3f}"
            print(f"| {language} | {int(row['cases'] or 0)} | {row['ours']:.3f} | {theirs} |")
    if args.no_speed:
        return 0
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
