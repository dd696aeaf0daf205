"""Wire datelines: `TRIPOLI, Libya (AP) _ ` opens a story but is no part of what it says.

Items and their evidence are briefed without it (issue "Stories"); nothing else of the outlet's words changes.
"""
from __future__ import annotations

import re

# A wire dateline opening a story: `LAS VEGAS, June 10 (UPI) -- `, `TRIPOLI, Libya (AP) _ `, `MOBILE, Ala. (AP) -- `,
# `LONDON, Nov 3 (Reuters) - `; a city in capitals, maybe a place and a date, the agency, then a dash. Without an
# agency (`WASHINGTON — `, `DETROIT - `, `NEW YORK _ `) only at the very start of an article. Bounded repeats:
# linear time on any input.
_AGENCIES = r"AP|Reuters|AFP|UPI|CNN|dpa|Xinhua|Bloomberg|ANSA|EFE|Kyodo|PTI|IANS|TASS|Interfax|CP|NYT|WP|LAT"
_DATELINE_HEAD = (r"[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3}(?:, [A-Z][\w.]+(?: [A-Z][\w.]+){0,2})?"
                  r"(?:,? [A-Z][a-z]{2,8}\.? \d{1,2})?")
_OPENING_DATELINE = re.compile(
    rf"(?:{_DATELINE_HEAD} )?\((?:{_AGENCIES})\) ?(?:--|[_—–-]) ?(?=\S)|(?P<bare>{_DATELINE_HEAD} (?:--?|[—–_]) )(?=[A-Z])")


def strip_dateline(sentence: str, at_start: bool = False) -> str:
    """A sentence without the wire dateline it opens with (`TRIPOLI, Libya (AP) _ U.N. …` -> `U.N. …`); a
    dateline without an agency (`WASHINGTON — The …`) is cut only `at_start` of an article. Nothing else changes.

    >>> strip_dateline("LAS VEGAS, June 10 (UPI) -- A man was arrested.")
    'A man was arrested.'
    >>> strip_dateline("WASHINGTON — Two staff members were indicted.", at_start=True)
    'Two staff members were indicted.'
    >>> strip_dateline("NATO — the alliance — met.", at_start=True)
    'NATO — the alliance — met.'
    """
    m = _OPENING_DATELINE.match(sentence)
    if m is None or (m.group("bare") and not at_start):
        return sentence
    return sentence[m.end():]
