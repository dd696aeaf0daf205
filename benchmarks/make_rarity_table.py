"""Write briefing/text/wordfreq_en.bin: wordfreq's English word list in a form that loads in milliseconds.

Usage:
    python benchmarks/make_rarity_table.py [OUT]

Story grouping weighs words by their frequency in the language (`briefing.text.rarity`). Importing wordfreq
and building its English dictionary costs about half a second of CPU and 36 MB, on every build; the table
holds the same list (wordfreq's "best" English list) as a sorted array of the words' 64-bit BLAKE2b hashes
(little-endian uint64) followed by each word's centibel bucket (uint16: the frequency is 10 ** (-bucket / 100)),
3.2 MB. `rarity` looks up only the words of the input, by binary search, without reading a word of the list.
Run again after upgrading wordfreq: tests/test_rarity.py fails when the table and the installed list differ.
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import wordfreq

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from briefing.text.rarity import word_hashes  # noqa: E402  (the one hash the reader uses too)

DEFAULT = Path(__file__).resolve().parent.parent / "briefing" / "text" / "wordfreq_en.bin"


def table_bytes(language: str = "en") -> bytes:
    """The table: sorted word hashes, then the bucket of each (deterministic bytes)."""
    words, buckets = [], []
    for index, listed in enumerate(wordfreq.get_frequency_list(language, "best")):
        words.extend(listed)
        buckets.extend([index] * len(listed))
    hashes = word_hashes(words)
    if len(np.unique(hashes)) != len(hashes):
        raise SystemExit("two words of the list share a 64-bit hash: change the hash")
    if max(buckets) >= 1 << 16:
        raise SystemExit("a bucket index does not fit 16 bits")
    order = np.argsort(hashes, kind="stable")
    return hashes[order].astype("<u8").tobytes() + np.asarray(buckets, dtype="<u2")[order].tobytes()


def main() -> None:
    """Write the table."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    out.write_bytes(table_bytes())
    print(f"{out}: {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
