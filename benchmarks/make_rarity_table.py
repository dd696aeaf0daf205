"""Write briefing/text/wordfreq_en.txt.gz: wordfreq's English word list in a form that loads in milliseconds.

Usage:
    python benchmarks/make_rarity_table.py [OUT]

Story grouping weighs words by their frequency in the language (`briefing.text.rarity`). Importing wordfreq
and building its English dictionary costs about half a second of CPU and 36 MB, on every build; the table
holds the same list (wordfreq's "best" English list, one line per centibel bucket: `INDEX<TAB>word word ...`,
gzip-compressed, 1.3 MB), and `rarity` reads from it only the words of the input. Run again after upgrading
wordfreq: tests/test_rarity.py fails when the table and the installed list differ.
"""
from __future__ import annotations

import gzip
import sys
from pathlib import Path

import wordfreq

DEFAULT = Path(__file__).resolve().parent.parent / "briefing" / "text" / "wordfreq_en.txt.gz"


def table_text(language: str = "en") -> str:
    """The table's text: the non-empty buckets of wordfreq's list, most frequent first."""
    buckets = wordfreq.get_frequency_list(language, "best")
    return "".join(f"{index}\t{' '.join(words)}\n" for index, words in enumerate(buckets) if words)


def main() -> None:
    """Write the table (deterministic bytes: no timestamp in the gzip header)."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    out.write_bytes(gzip.compress(table_text().encode("utf-8"), 9, mtime=0))
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
