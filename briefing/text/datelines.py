"""Wire datelines: `TRIPOLI, Libya (AP) _ ` opens a story but is no part of what it says (nor a photo credit or
a byline glued before it).

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

# A news budget's slug opening one of its items, anywhere in it: `BLAST-VICTIMS (BELLINGHAM, Wash.) _ `,
# `BRITAIN-RACE _ LONDON _ `, `STARBUCKS-TEA (Seattle) _ ` (a word in capitals with a hyphen, maybe a place, a
# wire underscore).
_SLUG = re.compile(rf"[A-Z][A-Z0-9]+(?:-[A-Z0-9]+)+(?: \([^()]{{1,40}}\))? _ (?:{_DATELINE_HEAD} _ )?(?=[A-Z0-9\"“‘'])")


# A photo credit a scraped page glued before the sentence it stands above: `(By Jay Mallin -- Bloomberg News) `,
# `(Brian Snyder/Reuters) `, `(By Joel Salcido For The Washington Post) `.
_NAME = r"[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3}"
_CREDIT = re.compile(rf"\((?:By )?{_NAME} ?(?:--|—|/|(?i:for)) ?{_NAME}\) (?=\S)")
# A byline glued before the dateline that opens the article: `By Shailagh Murray and Paul Kane TOLEDO, Ohio -- `.
_PERSON = r"(?:[A-Z][a-z][\w'’-]*|[A-Z]\.)(?: (?:[A-Z][a-z][\w'’-]*|[A-Z]\.)){1,3}"
_BYLINE = re.compile(rf"By {_PERSON}(?:,? and {_PERSON})? (?=[A-Z][A-Z.'’-]+[ ,])")


def strip_dateline(sentence: str, at_start: bool = False) -> str:
    """A sentence without the wire dateline it opens with (`TRIPOLI, Libya (AP) _ U.N. …` -> `U.N. …`), a news
    budget's slug (`BRITAIN-RACE _ LONDON _ `) or a photo credit glued before it; a dateline without an agency
    (`WASHINGTON — The …`), and a byline before a dateline, are cut only `at_start` of an article. Nothing else
    changes.

    >>> strip_dateline("LAS VEGAS, June 10 (UPI) -- A man was arrested.")
    'A man was arrested.'
    >>> strip_dateline("WASHINGTON — Two staff members were indicted.", at_start=True)
    'Two staff members were indicted.'
    >>> strip_dateline("NATO — the alliance — met.", at_start=True)
    'NATO — the alliance — met.'
    >>> strip_dateline("(By Jay Mallin -- Bloomberg News) Oil prices fell.")
    'Oil prices fell.'
    >>> strip_dateline("BRITAIN-RACE _ LONDON _ The report places the spotlight on race.")
    'The report places the spotlight on race.'
    """
    credit = _CREDIT.match(sentence)
    if credit is not None:
        sentence = sentence[credit.end():]
    if at_start:
        byline = _BYLINE.match(sentence)
        if byline is not None and _OPENING_DATELINE.match(sentence, byline.end()) is not None:
            sentence = sentence[byline.end():]
    slug = _SLUG.match(sentence)
    if slug is not None:
        return sentence[slug.end():]
    m = _OPENING_DATELINE.match(sentence)
    if m is None or (m.group("bare") and not at_start):
        return sentence
    return sentence[m.end():]
