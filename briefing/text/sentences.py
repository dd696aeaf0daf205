"""Offline, rule-based sentence splitter for news text.

A regex finds every candidate sentence end (terminal punctuation, closing quotes/brackets, then
whitespace); a small decision function looks only at the word before and the word after each candidate.
So the cost is one Python call per full stop, not per character. Sentences never cross paragraph breaks
(blank lines).

Run-ons longer than `MAX_WORDS` words (80, the same limit `Options.max_words` uses to reject them) are cut
at their softest boundaries by `runons.split_run_on`, so no piece is ever longer.
"""
from __future__ import annotations

import itertools
import re
from functools import lru_cache

from ..models import Document, Sentence
from .datelines import strip_dateline
from .normalize import GERSHAYIM, break_page_stamps, is_boilerplate_line, normalize_text
from .runons import split_run_on
from .standalone import SENTENCE_END
from .splitrules import CJK_CONTINUATION, CJK_START, MARKS, Tables, candidate_pattern, language_tables

MAX_WORDS = 80

# Titles that come before a name: never the end of a sentence.
_TITLES = frozenset(
    "mr mrs ms mx dr prof gen maj lt col sgt capt cpl pvt adm cmdr cdr brig gov sen rep rev fr hon pres "
    "supt det insp messrs mme mlle mt ft lieut atty amb st".split()
)
# Abbreviations that are followed by a number (`p. 55`, `No. 10`, `Jan. 6`, `N°. 12`).
_NUMBER_ABBREVS = frozenset(
    "p pp no nos nr vol vols fig figs art arts ch chap sec sect para paras op pt pts ed eds c ca approx tel "
    "ext jan feb mar apr jun jul aug sep sept oct nov dec n° nº".split()
)
# Abbreviations that never end a sentence in news text.
_NEVER_FINAL = frozenset("e.g i.e vs v cf viz approx incl esp".split())
# Abbreviations after a name (`Briggs & Co.`, `John Smith Jr.`): a boundary only before a sentence opener.
# (US state abbreviations are not here: mid-sentence AP style puts a comma after them, `Savannah, Ga., on`.)
_POSTPOSITIVE = frozenset("co corp inc ltd llc plc bros jr sr assn".split())
# Function words that open sentences but rarely continue a name: `the U.S. How ...` is two sentences,
# `the U.S. Army` is one.
_OPENERS = frozenset(
    "the a an he she it its they we i you this that these those there here his her their our my your "
    "but and or so yet nor however meanwhile moreover still then thus also how what when where why who "
    "which while if as after before although though because since in on at for from to with by of during "
    "despite under over among about into not no yes some many most all both each every one two three "
    "several few more other others another such now today yesterday earlier later last instead did do "
    "does is are was were can could will would should has have had may might must".split()
)
# A caption or credit glued after a sentence (`... D.C. Image: United States Navy.`) starts a unit of its own.
_CAPTION_MARKERS = frozenset(
    f"{word}{colon}" for word in ("Image", "Images", "Photo", "Photos", "Picture", "Pictures", "Video", "Credit", "Caption")
    for colon in (":", "：")
)
_ROMAN = frozenset("".join(p) for n in (2, 3, 4) for p in itertools.product("ivx", repeat=n))
# Words that need more than the common-case rule; every other alphabetic word before "." ends a sentence.
_SPECIAL = _TITLES | _NUMBER_ABBREVS | _NEVER_FINAL | _POSTPOSITIVE | _ROMAN
_TIME_ZONES = frozenset("et est edt ct cst cdt mt mst mdt pt pst pdt gmt utc bst cet cest eastern pacific central local".split())

# A candidate end (terminal punctuation, closing quotes, whitespace, the next word): see `splitrules`.
_CANDIDATE = candidate_pattern(None)
# `“War crime!” Zelenskyy added.`: a name and a speech verb after an exclaimed/asked quotation.
_ATTRIBUTION = re.compile(
    r"\s+((?:[A-Z][\w’'.-]*\s+){1,3})(?:said|says|added|adds|told|asked|asks|wrote|writes|tweeted|posted|stated|"
    r"declared|insisted|warned|explained|noted|replied|shouted|yelled|cried|recalled|argued|claimed|remarked|"
    r"continued|conceded|acknowledged|admitted|exclaimed|demanded|wondered)\b"
)
_DOTTED = re.compile(rf"(?:[^\W\d_][{MARKS}]*\.)+[^\W\d_][{MARKS}]*")  # U.S, a.m, U.S.S.R, Ph.D, सी.ओ.पी
_BLANK_OR_BULLETS = re.compile(r"[ \n•▪◦‣⁃●]*")
_LIST_MARKER = re.compile(r"(?:\d{1,3}|[a-z]|[ivx]{1,4})")
_LIST_START = re.compile(r"[•▪◦‣⁃●]?\s*(?:(\d{1,3})|([a-z]))(\.\)|\.|\))\s")
_BULLET = re.compile(r"[•▪◦‣⁃●](?<=\s.)")
_OPENING = "“\"‘'([{¿¡«*•▪◦‣⁃●"
_WORD_PUNCT = ",;:.!?”’\"')]»"
_QUOTE_REACH = 400  # characters; a quotation longer than this is not treated as one sentence
_PARAGRAPHS = re.compile(r"\n\s*\n")
# A wire dateline after other text (`… announces cease-fire MADRID, Spain (AP) _ The …`): the headline glued
# before it ends there. A city in capitals, maybe a place, the agency in brackets, then a dash.
_DATELINE = re.compile(
    r"(?<=[a-z0-9.!?\"”’)]) (?=[A-Z][A-Z.'’-]+(?: [A-Z][A-Z.'’-]+){0,3}(?:, [A-Z][\w.]+(?: [A-Z][\w.]+){0,2})? "
    r"\((?:AP|Reuters|AFP|UPI|CNN|dpa)\) ?[_—–-])"
)


_ENGLISH = Tables(_SPECIAL, _TITLES, _NUMBER_ABBREVS, _NEVER_FINAL, _OPENERS, False, _CANDIDATE, ("“", "”"))


@lru_cache(maxsize=64)
def _tables(language: str | None) -> Tables:
    """The tables for a BCP 47 language tag (English's for None, "en" and languages without tables)."""
    return language_tables(language, _ENGLISH)


def _opener(word: str, openers: frozenset[str] = _OPENERS) -> bool:
    """Whether the next word is a typical sentence opener (`The`, `He`, `How`, `It’s`)."""
    word = word.strip(_WORD_PUNCT).lower()
    return word in openers or word.split("’")[0].split("'")[0] in openers


def _decide(para: str, seg_start: int, m: re.Match[str], tables: Tables = _ENGLISH) -> int:
    """Where the candidate `m` ends a sentence, or -1 when it does not."""
    punct, close, openers, nxt = m.group(1, 2, 3, 4)
    end = m.end()
    # CJK full stop, or in Japanese/Chinese any sentence-final mark followed directly by Han or kana: a
    # boundary, unless a quotation's particle follows
    if punct[-1] in "。！？" or (tables.spaceless and nxt is None and CJK_START.match(para, end)):
        return -1 if close[-1:] in ("」", "』") and para[end : end + 1] in CJK_CONTINUATION else end
    if punct[-1] == "।" and nxt is None and para[end : end + 1].strip():  # a danda glued to the next sentence
        return end
    c = nxt[:1] if nxt else ""
    if not c or c.islower():  # paragraph end, or the sentence goes on (`Yahoo! in`, `co. at`, `'Great!' she said`)
        return -1
    start = m.start()
    if punct == ".":
        if c in "-–—":  # no sentence starts with a dash: `ALLENTOWN, Pa. - The ...` is a dateline
            return -1
        if nxt in _CAPTION_MARKERS:  # `in Washington D.C. Image: US Navy.`: a caption starts, whatever came before
            return end
        space = max(para.rfind(" ", seg_start, start), seg_start - 1)  # the word starts in this segment, and the
        token_start = max(space, para.rfind("\n", space + 1, start)) + 1  # newline is looked for after the space
        word = para[token_start:start]
        if len(word) > 1 and word.isalpha() and word.lower() not in tables.special:
            return end  # the common case: an ordinary word, then a full stop
        return _decide_period(para, seg_start, token_start, word.lstrip(_OPENING), close, openers, nxt, end, tables)
    if "." not in punct and "…" not in punct:  # ! ? ‽
        if close[:1] in ("”", '"'):
            attribution = _ATTRIBUTION.match(para, end)
            if attribution and not any(_opener(w) for w in attribution.group(1).split()):
                return -1
        return end
    dots = punct.count(".") + 3 * punct.count("…")
    upper_like = not c.isdigit() and (c.isalpha() or bool(openers))
    if para[start - 1 : start] == "[" or not upper_like:  # `[...]` marks an omission
        return -1
    if " " in punct:  # spaced: `word. . . . The` ends at the first dot; `a . . . b` is an omission
        if dots >= 4:
            return start + 1 if start > 0 and not para[start - 1].isspace() else end
        return -1
    if dots < 4 and (nxt == "I" or nxt[:2] in ("I’", "I'")):  # "I mean... I don't" trails on
        return -1
    return end


def _decide_period(
    para: str, seg_start: int, token_start: int, word: str, close: str, openers: str, nxt: str, end: int,
    tables: Tables = _ENGLISH,
) -> int:
    """The rules for a single full stop after an abbreviation, initial, number or acronym."""
    if not word:
        return end
    c = nxt[0]
    low = word.lower()
    if tables is not _ENGLISH:  # `l’art. 12`, `dell’art. 5`: the abbreviation follows an elided article
        low = low.rpartition("’")[2].rpartition("'")[2]
    if low in tables.never_final:
        return -1
    if tables.ordinal_dot and word.isdigit() and len(word) <= 3 and not close and not _opener(nxt, tables.openers):
        return -1  # an ordinal: `am 3. Oktober`, `der 2. Weltkrieg`
    blank = _BLANK_OR_BULLETS.match(para, seg_start, token_start)  # only bullets or spaces before the token
    first = token_start <= seg_start or (blank is not None and blank.end() == token_start)
    if first and _LIST_MARKER.fullmatch(low) and not close.startswith(("”", '"')):
        return -1  # `1. The first item`, `a. The first item`
    dotted = _DOTTED.fullmatch(word) is not None
    if c.isdigit() or c in "$£€¥#":
        if low in tables.number_abbrevs or low in tables.titles or (dotted and low not in ("a.m", "p.m")):
            return -1  # `p. 55`, `No. 10`, `the U.S. 10-year yield`
        return end
    if low in tables.titles:
        after_number = _previous_word(para, seg_start, token_start)[:1].isdigit()
        if low in ("st", "г", "гг") and (_opener(nxt, tables.openers) or (low == "st" and after_number)):
            return end  # `5th St. He ...` is a street, not a saint; `в 2020 г. Он` a year
        return -1
    if len(word) == 1 and word.isalpha():
        if word.islower():
            return end
        if len(nxt) > 1 and _opener(nxt, tables.openers) and not openers:
            return end  # `World War I. The ...`
        if word != "I":
            return -1  # an initial: `Jonas E. Smith`, `read J. R. R. Tolkien`
        before = _previous_word(para, seg_start, token_start)
        return end if before[:1].islower() or before[:1].isdigit() else -1  # `you and I. Now` vs `Albert I. Jones`
    if dotted:
        if low in ("a.m", "p.m"):
            if nxt.strip(_WORD_PUNCT).lower() in _TIME_ZONES:
                return -1
            # `At 5 a.m. Mr. Smith went` opens a sentence; `He left at 6 p.m. Mr. Smith` closes one
            return end if _spaces_at_least(para, seg_start, token_start, 3) else -1
        return end if openers or _opener(nxt, tables.openers) else -1
    if low in _POSTPOSITIVE:
        return end if openers or _opener(nxt, tables.openers) else -1
    return end


def _spaces_at_least(para: str, start: int, end: int, count: int) -> bool:
    """Whether `para[start:end]` holds `count` spaces, looking back from `end` only as far as it must."""
    for _ in range(count):
        end = para.rfind(" ", start, end)
        if end < 0:
            return False
    return True


def _previous_word(para: str, seg_start: int, token_start: int) -> str:
    """The word before the token that starts at `token_start` (empty at the start of a segment)."""
    if token_start - 1 <= seg_start:
        return ""
    return para[para.rfind(" ", seg_start, token_start - 1) + 1 : token_start - 1].lstrip(_OPENING)


def _list_cuts(para: str) -> list[int]:
    """Positions where list items start inside one paragraph (`1) a 2) b`, `a. x b. y`, `• x • y`)."""
    cuts = [m.start() for m in _BULLET.finditer(para)]
    m = _LIST_START.match(para)
    if m:
        numeric, first, style = m.group(1) is not None, m.group(1) or m.group(2), m.group(3)
        pos = m.end()
        for step in range(1, 1000):  # only the next label in sequence starts an item: `2.` after `1.`
            label = str(int(first) + step) if numeric else chr(ord(first) + step)
            found = para.find(f" {label}{style} ", pos) if numeric or label <= "z" else -1
            if found < 0:
                break
            cuts.append(len(para[: found + 1].rstrip(" •▪◦‣⁃●")))  # a bullet before the number goes with it
            pos = found + len(label) + len(style) + 2
    return sorted(set(cuts))


def _quote_suppressed(para: str, boundary: int, curly: bool, straight_before: int | None) -> bool:
    """Whether a boundary lies inside a quotation that the sentence continues after (`“I came. I saw.” he said`).

    `curly`: `para` holds a `“`; `straight_before`: how many `"` are in `para[:boundary]`, None if `para` has none.
    The caller knows both as it moves on, so a paragraph of many quotes is read once, not once per boundary.
    """
    if curly:
        opened = para.rfind("“", max(0, boundary - _QUOTE_REACH), boundary)
        closed = para.find("”", boundary, boundary + _QUOTE_REACH)
        inside = (
            opened >= 0
            and closed >= 0
            and para.rfind("”", opened, boundary - 1) < 0  # the quotation is still open at the boundary
            and para.find("“", boundary, closed) < 0  # and the next closing quote belongs to it
        )
    else:
        inside, closed = False, -1
    if not inside and straight_before is not None:
        closed = para.find('"', boundary, boundary + _QUOTE_REACH)
        inside = closed >= 0 and straight_before % 2 == 1
    if not inside or para[closed - 1] not in ",.!?…":
        return False
    return para[closed + 1 : closed + 3].lstrip()[:1].islower()


def _in_parentheses(para: str, seg_start: int, boundary: int) -> bool:
    """Whether a boundary lies inside a parenthesis closed soon after (`(Photo: Yum! Brands)`)."""
    opened = para.rfind("(", seg_start, boundary)
    if opened < 0 or para.find(")", opened, boundary) >= 0:
        return False
    closed = para.find(")", boundary, boundary + _QUOTE_REACH)
    return closed >= 0 and para.find("(", boundary, closed) < 0


def _split_paragraph(para: str, max_words: int, tables: Tables = _ENGLISH) -> list[str]:
    """Sentences of one paragraph, in order."""
    pieces: list[str] = []
    cuts = _list_cuts(para) if para[:1] in "•▪◦‣⁃●" or para[:1].isalnum() else []
    if "(" in para:  # a wire dateline inside a paragraph starts the story after a glued headline
        cuts = sorted({*cuts, *(m.end() for m in _DATELINE.finditer(para))})
    bounds = [0, *cuts, len(para)]
    for chunk_start, chunk_end in zip(bounds, bounds[1:]):
        chunk = para[chunk_start:chunk_end]
        curly, straight_quoted = "“" in chunk, '"' in chunk
        quoted = curly or straight_quoted
        # the quotation checks read Hebrew acronyms' gershayim as letters (same length: positions agree)
        quoting = GERSHAYIM.sub("״", chunk) if straight_quoted else chunk
        straight_quoted = '"' in quoting
        bracketed = "(" in chunk
        seg_start = straight = counted_to = 0  # straight quotes in quoting[:counted_to]
        for m in tables.candidate.finditer(chunk):
            boundary = _decide(chunk, seg_start, m, tables)
            if boundary <= seg_start or boundary >= len(chunk):
                continue
            if quoted:
                straight += quoting.count('"', counted_to, boundary)  # boundaries only move on
                counted_to = boundary
                if _quote_suppressed(quoting, boundary, curly, straight if straight_quoted else None):
                    continue
            if bracketed and _in_parentheses(chunk, seg_start, boundary):
                continue
            pieces.append(chunk[seg_start:boundary])
            seg_start = boundary
        pieces.append(chunk[seg_start:])
    sentences: list[str] = []
    for piece in pieces:
        piece = piece.strip()
        if piece:
            sentences.extend(split_run_on(piece, max_words) if piece.count(" ") >= max_words else [piece])
    return sentences


def split_text(text: str, max_words: int = MAX_WORDS, language: str | None = None) -> list[list[str]]:
    """Split already-normalised text into paragraphs of sentences (no normalisation, no filtering).

    Args:
        text: text whose paragraphs are separated by blank lines.
        max_words: longer run-ons are cut (see the module docstring).
        language: BCP 47 tag of the text (abbreviations, ordinals and quotation marks; None: English).
    Returns:
        One list of sentences per non-empty paragraph.

    >>> split_text("Mr. Smith left at 5 p.m. Then it rained.\\n\\nNo. 10 said so.")
    [['Mr. Smith left at 5 p.m.', 'Then it rained.'], ['No. 10 said so.']]
    """
    tables = _tables(language)
    return [s for s in (_split_paragraph(p.strip(), max_words, tables) for p in _PARAGRAPHS.split(text)) if s]


def split_sentences(text: str, max_words: int = MAX_WORDS, language: str | None = None) -> list[str]:
    """Split raw text into sentences: the splitter the pipeline uses.

    The text is first normalised (`briefing.text.normalize.normalize_text`: whitespace, invisible characters,
    broken quotes, boilerplate lines), so every returned sentence is a substring of `normalize_text(text)`.
    Sentences never cross paragraph breaks (blank lines, or one paragraph per line).

    Args:
        text: raw article text.
        max_words: run-ons longer than this are cut at `;`, dashes, `:` or `,` (see the module docstring).
        language: BCP 47 tag of the text (None: English); see `briefing.text.splitrules`.
    Returns:
        The sentences in order, stripped.

    >>> split_sentences("“I came. I saw.” he said. Maj. Gen. Smith met U.S. Army officials in the U.S. They agreed.")
    ['“I came. I saw.” he said.', 'Maj. Gen. Smith met U.S. Army officials in the U.S.', 'They agreed.']
    """
    return [s for paragraph in split_text(normalize_text(text), max_words, language) for s in paragraph]


def split_document(doc: Document, doc_position: int = 0, max_words: int = MAX_WORDS) -> list[Sentence]:
    """Split one document (whose text ingest has already normalised) into numbered Sentences.

    Unlike `split_sentences`, a quotation of several sentences stays in one unit when it fits in
    `max_words` (see `join_open_quotes`): a briefing item must not stop inside an open quote.
    Paragraphs that are boilerplate (share bars, bylines, credits) are skipped, in case the text did not
    come through ingest; paragraph numbers count only the paragraphs kept. The article's first sentence
    (after any headline lines) loses its wire dateline (`datelines.strip_dateline`).

    `doc_position` is the document's index in the input (kept on each Sentence for ordering); run-ons longer
    than `max_words` are cut. Returns Sentences with 0-based `index` and 0-based `paragraph`.
    """
    out: list[Sentence] = []
    paragraph = 0
    started = False  # whether a sentence has ended yet (before, only headline or kicker lines)
    tables = _tables(doc.language)
    for text in _PARAGRAPHS.split(break_page_stamps(doc.text)):
        text = text.strip()
        if not text or (len(text) < 600 and is_boilerplate_line(text)):
            continue
        sentences = join_open_quotes(_split_paragraph(text, max_words, tables), max_words, tables.quotes)
        sentences = [s for s in (strip_dateline(s, at_start=not started and k == 0) for k, s in enumerate(sentences)) if s]
        for sentence in sentences:
            out.append(Sentence(sentence, doc.id, len(out), paragraph, doc_position, doc.language))
            started = started or SENTENCE_END.search(sentence) is not None
        paragraph += 1 if sentences else 0
    return out


def join_open_quotes(sentences: list[str], max_words: int = MAX_WORDS, quotes: tuple[str, str] = ("“", "”")) -> list[str]:
    """Join a sentence that opens a quotation with the next ones until the quotation closes.

    `vowed: “We will never give up.` + `We will fight until the end.”` becomes one unit, so long as the
    whole stays within `max_words`; otherwise the sentences are left as split. Only the language's
    `quotes` (opening, closing) are followed (a straight `"` does not say whether it opens or closes).

    >>> join_open_quotes(["He vowed: “We will not give up.", "We will fight.”", "Then he left."])
    ['He vowed: “We will not give up. We will fight.”', 'Then he left.']
    """
    out: list[str] = []
    i = 0
    while i < len(sentences):
        current, depth, j = sentences[i], _quote_depth(sentences[i], quotes), i + 1
        while depth > 0 and j < len(sentences):
            joined = f"{current} {sentences[j]}"
            if joined.count(" ") + 1 > max_words:
                break
            current, depth, j = joined, depth + _quote_depth(sentences[j], quotes), j + 1
        if depth == 0 and j > i + 1:
            out.append(current)
            i = j
        else:
            out.append(sentences[i])
            i += 1
    return out


def _quote_depth(text: str, quotes: tuple[str, str] = ("“", "”")) -> int:
    """Double quotes opened minus closed."""
    return text.count(quotes[0]) - text.count(quotes[1])

