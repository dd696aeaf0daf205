"""Run-ons: a "sentence" longer than `max_words` words (a headline glued to the lead, a scraped line without full
stops) is cut at the softest boundary available, in this order: `;`, a spaced dash (` - `, ` – `, ` — `), `:`, `,`,
and as a last resort the space nearest the middle. Each cut is made as close to the middle as possible and repeated
until every piece fits, so no piece is ever longer than `max_words` words.

Cost: each level of cuts reads its pieces once (the words before a boundary are counted as the boundaries move on),
so a megabyte-long line of commas or dashes is cut in O(n log n), not in quadratic time (red team 8).
"""
from __future__ import annotations

import re

_SOFT_BREAKS = (re.compile(r";\s+"), re.compile(r"\s+[-–—]\s+"), re.compile(r":\s+"), re.compile(r",\s+"))
_MIN_PIECE = 5  # words; a run-on is never cut into a piece shorter than this


def split_run_on(text: str, max_words: int) -> list[str]:
    """Cut an over-long sentence at its softest boundary nearest the middle, recursively (see the module doc).

    >>> split_run_on("one two three four five six; seven eight nine ten eleven twelve", 8)
    ['one two three four five six;', 'seven eight nine ten eleven twelve']
    """
    spaces = text.count(" ")
    if spaces < max_words:
        return [text]
    middle = len(text) / 2
    for pattern in _SOFT_BREAKS:
        best: re.Match[str] | None = None
        before = counted_to = 0  # spaces in text[:counted_to]
        for m in pattern.finditer(text):
            if best is not None and m.start() - middle > abs(best.start() - middle):
                break  # past the middle, and farther from it than the best one: so is every later boundary
            before += text.count(" ", counted_to, m.start())
            counted_to = m.start()
            if before + 1 < _MIN_PIECE or spaces - before - m.group().count(" ") + 1 < _MIN_PIECE:
                continue
            if best is None or abs(m.start() - middle) < abs(best.start() - middle):
                best = m
        if best is not None:
            keep = best.group().strip()  # `;`, `:` and `,` stay with the left part; a dash is dropped
            left = text[: best.start()] + ("" if keep in "-–—" else keep)
            return split_run_on(left.strip(), max_words) + split_run_on(text[best.end() :].strip(), max_words)
    cut = text.rfind(" ", 0, int(middle)) if " " in text[: int(middle)] else text.find(" ")
    return split_run_on(text[:cut].strip(), max_words) + split_run_on(text[cut:].strip(), max_words)
