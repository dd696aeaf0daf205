"""sumy's LexRank over a JSONL of documents, as its own process: the baseline of bench_speed.py.

Usage: python benchmarks/sumy_baseline.py DOCS.jsonl [--words 250]

Reads the same document JSONL as `briefing build`, joins all texts (paragraphs are blank-line separated,
as sumy's own CLI reads a plain-text file), splits sentences with pySBD, and runs sumy's
LexRankSummarizer with sumy's English stemmer and stop words. Sentences are taken in sumy's rating order
until the word budget is reached, then printed one per line in document order. Imports are timed as part
of the process, like the start-up of `briefing build`.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from typing import Any

_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


class PySBDTokenizer:
    """sumy's tokenizer interface (`language`, `to_sentences`, `to_words`) on pySBD: no NLTK data needed."""

    language = "english"

    def __init__(self) -> None:
        import pysbd

        self._segmenter = pysbd.Segmenter(language="en", clean=False)

    def to_sentences(self, paragraph: str) -> tuple[str, ...]:
        """Sentences of one paragraph."""
        return tuple(s.strip() for s in self._segmenter.segment(paragraph) if s.strip())

    def to_words(self, sentence: str) -> tuple[str, ...]:
        """Word tokens (sumy lower-cases and stems them itself)."""
        return tuple(_WORD_RE.findall(sentence))


def read_texts(path: str) -> list[str]:
    """The `text` of every document line of a JSONL file."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line)["text"] for line in handle if line.strip()]


def summarize(texts: Sequence[str], words: int) -> list[str]:
    """sumy LexRank over all texts joined; sentences in rating order until `words`, returned in text order."""
    from sumy.nlp.stemmers import Stemmer
    from sumy.parsers.plaintext import PlaintextParser
    from sumy.summarizers.lex_rank import LexRankSummarizer
    from sumy.utils import get_stop_words

    parser = PlaintextParser.from_string("\n\n".join(texts), PySBDTokenizer())
    summarizer = LexRankSummarizer(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")

    def budget(infos: Sequence[Any]) -> Sequence[Any]:
        """sumy passes a callable count the sentences in rating order: keep them up to the word budget."""
        kept, total = [], 0
        for info in infos:
            if total >= words:
                break
            kept.append(info)
            total += len(str(info.sentence).split())
        return kept

    return [str(s) for s in summarizer(parser.document, budget)]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("docs", help="JSONL file, one document per line with a 'text' field")
    parser.add_argument("--words", type=int, default=250, help="word budget (default 250)")
    args = parser.parse_args(argv)
    for sentence in summarize(read_texts(args.docs), args.words):
        print(sentence)
    return 0


if __name__ == "__main__":
    sys.exit(main())
