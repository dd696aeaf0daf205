"""Whether a sentence can be briefed on its own: it does not lean on the sentence before, and it is not page furniture.

Two predicates over one sentence's text, used by selection (`briefing.summarize.select`):

- `depends_on_previous`: the sentence opens with a pronoun, a connective or a back-reference ("He said…",
  "But…", "That would…", "The pair…"), so a reader needs the sentence before it.
- `is_furniture`: credit lines, photo captions, video-player text, link prompts (in about 20 languages,
  `normalize.is_link_prompt`), contact lines, web-archive
  notices (scraped copies of archived pages carry them), a date glued to a caption, or a bare list of
  names: lines of a page, not sentences of an article.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .normalize import is_link_prompt
from .vectors import count_words

# Opening words that point back to something said before. Quotations count too: an item that opens
# `“He was a good judge…”` does not say who "he" is.
_BACK_WORDS = frozenset(
    """he she they it him her them his hers its their theirs this that these those
    but and or so yet nor however also still meanwhile moreover furthermore instead nevertheless nonetheless
    then thus therefore hence besides otherwise indeed likewise similarly such both another later afterwards
    additionally consequently regardless anyway plus others""".split()
)
# Opening phrases that refer to a thing or person named earlier ("The pair's former coach…"). Nouns that
# usually name a role on their own in news ("The president", "The team") are not here: leaving out every
# such sentence cost ~0.15 ROUGE-1 on the Multi-News sample for little gain in clarity.
_BACK_PHRASES = re.compile(
    r"(?:the|this|that|these|those)\s+(?:pair|two|three|four|duo|trio|couple|company|firm|group|move|decision|deal|"
    r"latter|former|same|film|movie|man|woman|boy|girl|suspects?|victims?|incident|report|study|plan|bill|"
    r"agency|club|video|footage)\b"
    r"|in\s+addition\b|as\s+a\s+result\b|on\s+the\s+other\s+hand\b|in\s+contrast\b|by\s+contrast\b|even\s+so\b"
    r"|despite\s+(?:this|that)\b|because\s+of\s+(?:this|that)\b|after\s+that\b|at\s+the\s+same\s+time\b"
    r"|in\s+response\b|to\s+that\s+end\b|for\s+(?:his|her|their|its)\s+part\b|other\s+than\s+that\b"
    # a preposition before a pronoun object (`Among them was…`, `For him, …`), or before a possessive in an
    # inverted sentence (`In his firing line is the bank.`, `Now on their list are…`): who is in the sentence before
    r"|(?:among|of|for|with|to|like|including|besides|behind|unlike|against|from|about)\s+(?:him|them|it|us|her(?=,))\b"
    r"|(?:now\s+)?(?:in|on|at|among|behind|beside|ahead\s+of)\s+(?:his|her|their|its)\s+[^,.;:]{0,60}?\s(?:is|are|was|were)\s",
    re.IGNORECASE,
)
_FIRST_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# A time or place word before the subject does not change what the subject points back to: "Now it is
# seeking…", "On Monday, they said…", "Last week she…".
_SETTING = re.compile(
    r"(?:now|today|yesterday|tonight|here|there|again|recently|earlier|since\s+then|last\s+\w+|this\s+(?:week|month|year)"
    r"|on\s+\w+day|in\s+\d{4}),?\s+(?=\w)", re.IGNORECASE)
_PRONOUNS = frozenset("he she they it his her its their them we".split())
# "…voted against the bill, and…": a thing the sentence names only as "the bill" was introduced before it.
_THE_THING = re.compile(r"\b(?:for|against|on|over|about|to|of|with)\s+the\s+(bill|measure|proposal|legislation|deal)\b"
                        r"(?!\s+(?:to|that|which|on|of|for|by|from|with)\b|['’]s)", re.IGNORECASE)
# A quotation whose only speaker is a pronoun (`"We were confident," he added.`): who spoke is in the sentence before.
_PRONOUN_SPEAKER = re.compile(
    r"[\"”’'],?\s+(?:he|she|they)\s+(?:later\s+|also\s+|then\s+)?(?:said|says|added|adds|told|tells|explained|"
    r"continued|noted|wrote|insisted|argued|warned|recalled|asked|replied|went\s+on)\b", re.IGNORECASE)
_OPENING_MARKS = "\"'“‘«([ —–-"
# The things of _THE_THING, lower-cased, and what lower() makes of the letters its case-blind match also takes
# for an i or an s (İ -> i + combining dot, ı, ſ): without one of these, its search (slow: most of the time of
# `depends_on_previous`) is skipped.
_THINGS = ("bill", "measure", "proposal", "legislation", "deal", "i\u0307", "\u0131", "\u017f")

# A sentence ends with terminal punctuation, possibly followed by closing quotes or brackets;
# lines without it are headlines, captions or datelines, not briefing material.
SENTENCE_END = re.compile(r"[.!?…。！？؟۔।](?: ?»)?[\"'”’“»)\]」』）]*$|[\"”’»][.!?]$")
# A whole sentence starts with a capital or a digit, possibly after opening quotes or brackets
# (not with "...", a lower-case continuation or a dash); Spanish opens questions with ¿, Japanese quotes with 「.
SENTENCE_START = re.compile(r"(?:« |[\"'“‘«„¿¡(\[「『（])*[^\W_a-z]")
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# Page furniture that can sit inside a paragraph, so the line-level boilerplate filter of `normalize` misses it:
# the patterns anchored at the start, read at one place, and the phrases found anywhere, each with the words
# (lower-cased) it cannot match without. One search of all the phrases at once tried ~50 of them at each word
# start; a phrase is now looked for only in a text holding its word (the same answers on the 234,375 dev-set
# sentences and paragraphs; benchmarks/RESULTS.md).
_FURNITURE_START = re.compile(
    r"""
      (?:contact|email|e-mail|follow)\s+(?:us|him|her|them|@|\S+\s+\S+\s*:)      # contact lines
    | (?-i:CLOSE|Replay|Autoplay)\b | watch\b                                     # video player
    | \W*story\s+to\s+move\b | (?-i:EDITORS?|NOTE\s+TO\s+EDITORS)\s*:                # wire desk notes
    | \(\s*[A-Z][^()]{0,80}\bis\s+an?\s+(?:[\w-]+\s+){0,4}(?:writer|columnist|correspondent|reporter)\b[^()]*\)\W*$
    | \W*buy\s+photo\b                                                           # photo captions
    | (?-i:(?:[A-Z][\w.'’-]*\s+){1,3})/\s*(?-i:[A-Z])                            # `Eric Gay / AP Senator…`
    """,
    re.IGNORECASE | re.VERBOSE,
)
_SIDES = ("left", "right", "center", "centre")
_FURNITURE_PHRASES = tuple((words, re.compile(pattern, re.IGNORECASE)) for words, pattern in (
    (("photo",), r"\(\s*photo\b|\bfile\s+photo\b|\bphoto(?:graph)?\s+by\b"),                     # wire desk notes
    (("distributed",), r"\(\s*distributed\s+by\b"),
    (("contributed",), r"\bcontributed\s+(?:to\s+)?(?:this|reporting|to\s+the\s+report)\b"),  # credit lines
    (("staff", "reached", "twitter"), r"\b(?:staff\s+writer|can\s+be\s+reached\s+at|on\s+twitter\s+at)\b"),
    (("follow",), r"\bfollow\s+(?:us|him|her|them)\s+(?:on|at)\b"),
    (("join us", "like us"), r"\b(?:join|like)\s+us\s+on\s+(?:facebook|twitter|instagram)\b"),
    (("mailing",), r"\bjoin\s+our\s+mailing\s+list\b"),
    (("conversation",), r"\bjoin\s+the\s+conversation\b"),
    (("here",), r"\b(?:click|tap)\s+here\b"),                                                   # prompts
    (("read",), r"\bread\s+(?:more|the\s+full)\b|\bcontinue\s+reading\b"),
    (("learn",), r"^\W*learn\s+more\W*$"),
    (("tweet",), r"^\W*tweet\s+with\s+a\s+location\W*$|\blocation\s+to\s+your\s+tweets\b|\blocation\s+information\s+to\s+"
                 r"your\s+tweets\b|\b(?:tweet|your)\s+location\s+history\b|\btwitter\s+stores\s+that\s+location\b"),  # embeds
    (("sign",), r"\bsign\s+up\b"),
    (("subscribe", "newsletter"), r"\b(?:subscribe|newsletter)\b"),
    (("share",), r"\bshare\s+this\b"),
    (("download",), r"\bdownload\s+the\s+app\b"),
    ((":",), r"\b(?:image|photo|picture|video)(?:\s+(?:credit|caption|copyright|courtesy))?\s*:|\bcredit\s*:"),  # captions
    (("getty",), r"\bgetty\s+images\b"),
    (("pictured",), r"\bpictured\b"),
    (("shown", "seen"), r"\bis\s+(?:shown|seen|pictured)\s+in\s+(?:this|a)\b"),
    (("enlarge",), r"\benlarge\s+image\b"),
    (("above", "below"), r"\b(?:video|clip)\s+(?:above|below)\b"),                              # video player
    (("playback",), r"\bmedia\s+playback\b"),
    (("video",), r"\bnext\s+video\b"),
    (("wayback", "archive-it", "web"), r"\bwayback\s+machine\b|\barchive-it\b|\bweb\s+(?:captures?|collections?)\b"),
    (("crawl",), r"\bcrawl(?:s|er|ers)?\s+(?:data|of|performed\s+by)\b|\bthese\s+crawls\b"),                 # web-archive notices
    (("404",), r"\bno\s+more\s+404\b"),
    (("purchase",), r"\bto\s+purchase\s+this\b|\bmust\s+be\s+purchased\b"),                  # desk notes
    (("questions",), r"\bfor\s+questions,?\s+(?:please\s+)?call\b"),
    (("syndicat",), r"\bsyndicat(?:e|ion)\s+(?:sales|web\s*site|representative)\b"),
    (("names",), r"\beditors'?\s+names\b"),
    (("budget",), r"\bend\s+of\s+this\s+budget\b"),
    (("editor",), r"\b(?:duty|desk)\s+editors?\b"),
    (("following",), r"\bmove\s+the\s+following\s+stories\b"),
    (("caption",), r"hide\s+caption\b"),                                                         # photo captions
    (tuple(side + "," for side in _SIDES),                                                      # `Catherine Ashton, left, and…`
     r"(?<=\w\s)(?-i:[A-Z][\w.'’-]*),\s+(?:(?:far|second|third)\s+)?(?:from\s+)?(?:left|right|center|centre)"
     r"(?:\s+to\s+(?:right|left))?,"),
    (_SIDES, r"\(\s*(?:(?:far|second|third)\s+)?(?:from\s+)?(?:left|right|center|centre)(?:\s+to\s+(?:right|left))?\s*\)"),
))
# Every pattern of _FURNITURE_START and _FURNITURE_PHRASES needs one of these (lower-cased) in the text: a cheap test that skips the
# regular expression for almost every real sentence.
_FURNITURE_HINTS = ("contribut", "staff writer", "reached at", "twitter", "tweet", "learn more", "join us", "like us", "mailing", "contact", "mail", "follow",
                    "conversation", "click", "tap here", "read", "sign up", "subscribe", "newsletter", "share this",
                    "download", "image", "photo", "picture", "video", "getty", "credit", "pictured", "shown in",
                    "seen in", "enlarge", "close", "replay", "autoplay", "watch", "clip", "playback",
                    "wayback", "archive-it", "web captur", "web collection", "crawl", "404", "purchase",
                    "distributed", "syndicat", "questions", "editor", "budget", "following stories", "story to",
                    "writer", "columnist", "correspondent", "reporter", "buy photo", "caption", " /", ", left",
                    ", right", ", center", ", centre", "(left", "(right", "(center", "(centre", "from left",
                    "from right", "far left", "far right")
# Web and e-mail addresses (looked for only when a ':', 'www.' or '@' is there: this pattern is slow on long text).
_ADDRESS = re.compile(r"https?://|\bwww\.|[\w.+-]+@[\w-]+\.[\w.]+", re.IGNORECASE)
# A wire photo caption: "In this Saturday, July 1, 2017, photo, people line up…" (after a credit in brackets).
_IN_THIS_PHOTO = re.compile(
    rf"^\W*(?:\([\w\s.]+\)\s*)?in\s+this\s+(?:(?:\w+day|\d{{1,4}}|{_MONTH})[,.]?\s+){{0,5}}(?:file\s+)?photo\b", re.IGNORECASE)
# A date glued to what follows without punctuation: a caption's date stamp (`May 1, 2013 Douglas Owsley, a…`).
_GLUED_DATE = re.compile(rf"^(?:{_MONTH}\s+\d{{1,2}},\s+\d{{4}}|\d{{1,2}}\s+{_MONTH}\s+\d{{4}}|\d{{4}}-\d\d-\d\d)\s+[A-Z]")
# A telephone number (`404-526-5456`, `(212) 515-3595`): contact lines, desk notes, tip lines, never the news.
_PHONE = re.compile(r"(?<![\d-])(?:\(\d{3}\)\s*|\d{3}[ .-])\d{3}-\d{4}(?![\d-])")
# A list of names or results: at least this many commas and almost nothing but capitalised words.
_LIST_COMMAS = 4
_LIST_CAPITALISED = 0.85


@lru_cache(maxsize=1 << 16)  # selection asks about a sentence once per unit it may open or join
def depends_on_previous(text: str) -> bool:
    """Whether a sentence opens with a pronoun, a connective or a back-reference.

    >>> depends_on_previous("But the plan failed."), depends_on_previous("The pair's coach quit.")
    (True, True)
    >>> depends_on_previous("Now it is seeking a new anthem."), depends_on_previous("On Monday, they voted.")
    (True, True)
    >>> depends_on_previous("The council approved the plan."), depends_on_previous("Hethersett won.")
    (False, False)
    >>> depends_on_previous("Among them was a minister."), depends_on_previous("Now in his firing line is the bank.")
    (True, True)
    >>> depends_on_previous("In his speech, the mayor praised volunteers."), depends_on_previous("With her book, Ann…")
    (False, False)
    """
    lead = text.lstrip(_OPENING_MARKS)

    def word_at(start: int) -> str | None:
        """The word at `start`, lower-cased, without a clitic (`he's` -> `he`)."""
        found = _FIRST_WORD.match(lead, start)
        return None if found is None else found.group().lower().replace("’", "'").split("'")[0]

    first = word_at(0)
    if first is None:
        return False
    if first in _BACK_WORDS:
        return True
    setting = _SETTING.match(lead)
    if setting is not None and word_at(setting.end()) in _PRONOUNS:
        return True
    if _BACK_PHRASES.match(lead) is not None:
        return True
    if _may_name_the_thing(lead):
        thing = _THE_THING.search(lead)
        if thing is not None and thing.group(1).lower() not in lead[: thing.start()].lower():
            return True
    return lead != text and _PRONOUN_SPEAKER.search(text) is not None


def _may_name_the_thing(text: str) -> bool:
    """Whether `text` may hold a match of _THE_THING (a plain loop: a generator costs more here)."""
    low = text.lower()
    for word in _THINGS:
        if word in low:
            return True
    return False


def may_be_item(text: str, min_words: int) -> bool:
    """Whether a sentence is long enough to be an item and no page furniture: where an article's news starts
    (a dateline, venue or credit line before it takes no lead position)."""
    return count_words(text) >= min_words and not is_furniture(text)


# Selection asks again about the sentences story grouping asked about: remember recent answers.
@lru_cache(maxsize=1 << 16)
def is_furniture(text: str) -> bool:
    """Whether a sentence is page furniture (credits, captions, video text, prompts, contacts, name lists).

    >>> is_furniture("Jane Doe contributed to this report."), is_furniture("CLOSE Votes are still being counted.")
    (True, True)
    >>> is_furniture("The council approved the new budget on Monday.")
    False
    """
    low = text.lower()
    if (_has_hint(low) and _furniture_pattern(text, low)) or _GLUED_DATE.match(text):
        return True
    if "photo" in low and _IN_THIS_PHOTO.match(text):
        return True
    if is_link_prompt(text):  # "Lire aussi : …", "Czytaj też…" (one list, in normalize, for lines and sentences)
        return True
    if ("@" in text or "://" in text or "www." in low) and _ADDRESS.search(text):
        return True
    if "-" in text and _PHONE.search(text):
        return True
    if text.count(",") >= _LIST_COMMAS:
        words = text.split()
        capitalised = sum(w[:1].isupper() or w[:1].isdigit() for w in words)
        return capitalised >= _LIST_CAPITALISED * len(words)
    return False


def _has_hint(low: str) -> bool:
    """Whether a lower-cased text holds one of _FURNITURE_HINTS (a plain loop: a generator costs more here)."""
    for hint in _FURNITURE_HINTS:
        if hint in low:
            return True
    return False


def _furniture_pattern(text: str, low: str) -> bool:
    """Whether `text` (lower-cased: `low`) matches a pattern of _FURNITURE_START or _FURNITURE_PHRASES."""
    if _FURNITURE_START.match(text) is not None:
        return True
    for words, pattern in _FURNITURE_PHRASES:
        for word in words:
            if word in low:
                if pattern.search(text) is not None:
                    return True
                break
    return False


# A page this short whose every sentence (furniture aside) talks of the web site's own services, and that
# addresses its reader or carries furniture, is a service notice, not an article: a sign-in or error page, a
# video player's "try again later", a web-archive collection note, a shop's offer. Longer pages, and pages
# with one sentence of other matter (news about a web site says who did what), are kept.
NOTICE_MAX_SENTENCES = 6
_SERVICE = re.compile(
    r"\b(?:web\s?(?:site|page)s?|pages?|sites?|web|accounts?|sign(?:ed|ing)?\s+(?:in|up)|log(?:ged)?\s+(?:in|into|on)"
    r"|login|password|browser|cookies?|javascript|feature|crawl\w*|archiv\w*|links?|urls?|domains?|click\w*"
    r"|download\w*|subscri\w+|regist\w+|profile|terms\s+of|privacy|credit\s+card|charged?|cart|shop\w*"
    r"|try\s+again|rating|bookmark|webmaster|404|error)\b", re.IGNORECASE)
_READER = re.compile(r"\b(?:you|your|you're|yours|please)\b", re.IGNORECASE)
_REPORTED = re.compile(r"\b(?:said|says|told|according\s+to|announced|reported)\b", re.IGNORECASE)  # news
_HEADING_WORDS = 5  # a line this short ("You're Almost There...") may stand between the notice's sentences


def is_notice(texts: "list[str]") -> bool:
    """Whether a page's sentences are a web service's notice rather than an article (English patterns).

    >>> is_notice(["Rating is available when the video has been rented.",
    ...            "This feature is not available right now.", "Please try again later."])
    True
    >>> is_notice(["Twitter users could not log in for two hours on Tuesday, the company said.",
    ...            "Its engineers fixed the error by the evening.", "Share this article"])
    False
    """
    if not texts or len(texts) > NOTICE_MAX_SENTENCES:
        return False
    rest = [text for text in texts if not is_furniture(text)]
    if not rest or len(rest) == len(texts) and not any(_READER.search(text) for text in rest):
        return False
    if any(_REPORTED.search(text) for text in rest):
        return False
    service = [_SERVICE.search(text) is not None for text in rest]
    return any(service) and all(s or count_words(text) <= _HEADING_WORDS for s, text in zip(service, rest))
