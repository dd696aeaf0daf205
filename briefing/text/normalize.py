"""Text normalisation: Unicode, whitespace, broken quotes, missing spaces and boilerplate lines.

The output of `normalize_text` is the text every later stage sees: paragraphs separated by exactly one
blank line, no line breaks inside a paragraph, single spaces, and no share buttons, bylines or credits.
It is idempotent: `normalize_text(normalize_text(t)) == normalize_text(t)`.
"""
from __future__ import annotations

import re
import unicodedata

# Invisible or layout-only characters. Zero-width (non-)joiners are kept: they change the spelling of
# Persian, Indic scripts and emoji sequences. Bidi marks only steer display and get in the way of matching.
_DELETE = "\u00ad\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff\ufffc\u180e"
_CONTROLS = "".join(chr(c) for c in [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1C), 0x7F, *range(0x80, 0x85), *range(0x86, 0xA0)])
_TRANSLATION = str.maketrans(
    {
        **{c: None for c in _DELETE + _CONTROLS},
        # line and paragraph separators from Word, PDFs and old Mac files
        "\r": "\n", "\x0c": "\n\n", "\x1c": "\n\n", "\x1d": "\n\n", "\x1e": "\n", "\x85": "\n",
        "\u2028": "\n", "\u2029": "\n\n",
        # the NFKC part that matters for matching words: typographic ligatures
        "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st",
    }
)
_INVISIBLE = re.compile("[" + re.escape(_DELETE + _CONTROLS) + "\r\x0c\x1c-\x1e\x85\u2028\u2029\ufb00-\ufb06]")
# Runs of spaces that are not already one plain space (tabs, NBSP, thin and ideographic spaces, doubles).
# Patterns below start with a character class (lookbehinds after it) so the regex engine can skip ahead fast.
_ODD_SPACES = re.compile(r" [^\S\n]+|[^\S\n ][^\S\n]*")
_ODD_SPACE = re.compile(r"[^\S\n ]")  # cheap pre-check: most texts need no space fixing at all
_BLANK_LINES = re.compile(r"\n\s*\n")

# A straight double quote, grave or acute accent between two letters is a mangled apostrophe
# (`Russia"s`, `don`t`); lower-then-upper (`said"We`) is a quote with a missing space, so it is left alone.
_BROKEN_APOSTROPHE = re.compile(r"[\"`´](?<=[^\W\d_][\"`´])(?=[^\W\d_])")
# A sentence end glued to the next sentence: `Twitter.“All`, `said.The`, `bullet.”“Next`.
# Two lowercase letters before the mark keep `U.S.`, `St.Petersburg`, `e.g.` and decimals out.
_GLUED_QUOTE = re.compile(r"[“‘](?:(?<=[^\W\d_]{2}[.!?][“‘])(?=[^\W\d_])|(?<=[.!?][”’]“))")
_GLUED_WORD = re.compile(r"[.!?](?<=[a-z]{2}[.!?])(?=[A-Z][a-z])")

_TERMINAL_END = re.compile(r"[.!?…:;][\"'”’»)\]]*$")
_LIST_LINE = re.compile(r"(?:[•▪◦‣⁃●*–—-]|\d{1,3}[.)]|[a-z][.)])\s")
_WRAP_MAX = 100  # lines of a hard-wrapped block are at most this long (email, plain-text feeds)

# Share-button vocabulary. A short line made only of these words (and punctuation) is a share bar.
_SHARE_WORDS = frozenset(
    "share shares sharing partager partagez teilen compartir compartilhar compartilhe condividi condividere "
    "delen deel dela del jaa udostępnij podijeli sdílet zdieľať megosztás distribuie поделиться поширити "
    "споделете مشاركة شارك شاركها שתף paylaş paylas 分享 シェア 공유 bagikan chia sẻ แชร์ साझा करें শেয়ার".split()
)
_NETWORKS = frozenset(
    "facebook twitter x whatsapp telegram linkedin reddit pinterest email e-mail mail messenger print sms vk "
    "viber tumblr flipboard pocket weibo wechat instagram threads bluesky mastodon tweet".split()
)
_SHARE_FILLERS = frozenset(
    "this article story page post via on with friends your the to copy link it pin en sur auf su em no na op в на على par per mit con".split()
)
_TOKEN_PUNCT = ":：|·•-–—,;()[]/«»\"'“”‘’"

# Whole-line patterns, tried only on short lines; each names a kind of page furniture, not a sentence.
_BOILERPLATE = re.compile(
    r"""^(?:
      (?:story\s+continues\s+(?:below|after)\s+)?advert(?:isement)?(?:\s*[-–—:|].*)?
    | ad | sponsored(?:\s+(?:content|post|links?|stories))? | promoted(?:\s+content)?
    | (?:read|see|watch|listen)\s+(?:more|also|next|the\s+full\s+(?:story|article))\b.*
    | (?:related|recommended|more\s+on\s+this\s+(?:story|topic))
      (?:\s+(?:articles?|stories|topics|content|links|reading|coverage))?\s*(?:[:…]\s*.*)?
    | continue\s+reading.* | listen\s+to\s+this\s+article.* | skip\s+to\s+(?:main\s+)?content.*
    | (?:click|tap)\s+(?:here|to|on)\b.*
    | follow\s+(?:us|me|@\S+|\S+(?:\s+\S+)?\s+on\s+(?:twitter|facebook|instagram|x|linkedin|telegram|tiktok|youtube|threads))\b.*
    | like\s+us\s+on\s+facebook.*
    | (?:sign\s+up|subscribe)\s+(?:for|to|now|here|today|free)\b.*
    | (?:get|join|receive)\s+(?:our|the)\b.*\bnewsletters?\b.*
    | copyright\s*(?:©|\(c\)|\d{4}).* | ©.* | \(c\)\s*\d{4}.* | .*\ball\s+rights\s+reserved\b.*
    | (?:photo(?:graph)?s?|images?|pictures?|pic|video|illustration|graphic)
      (?:\s+(?:credit|courtesy|source|caption|copyright))?\s*[:/|].*
    | (?:image|photo)\s+(?:copyright|source|credit|caption)\b.*
    | (?:[\w.&]+\s+)?via\s+getty\s+images | getty\s+images | shutterstock | alamy | reuters | afp | ap | epa
    | (?-i:[A-Z]{2,}/[\w .'’-]+)
    | [^.!?]*\bcontributed\s+(?:to\s+)?(?:this\s+(?:report|story|article)|reporting)\b[^.!?]*[.!]?
    | (?-i:CLOSE\s+[A-Z])[^.!?]*[.!?]?
    | newsletter\s+sign\s+up\b.*
    | (?:published|updated|last\s+updated|posted)(?:\s+(?:on|at))?\s*:?\s+[^.!?]{0,60}?(?:\d{1,2}:\d{2}|\b\d{4}\b)[^.!?]{0,30}
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
# Wire-service credits: `Reporting by Jane Doe; Editing by John Roe`, `(Additional reporting by ...)`.
_CREDIT = re.compile(
    r"^\(?(?:additional\s+)?(?:reporting|writing|editing|compiled|edited|written|produced|research|graphics)\s+by\s+(?-i:[A-Z])",
    re.IGNORECASE,
)
# A caption ending in a wire-photo credit: `... Kyiv, March 18. (AP Photo/Efrem Lukatsky)`.
_PHOTO_CREDIT = re.compile(r"\((?:[A-Z][\w.&-]*\s+){0,3}Photo(?:graph)?\s*(?:/|by\b)[^)]*\)\s*$", re.IGNORECASE)
# Words that may appear in a byline besides capitalised names.
_BYLINE_FILLERS = frozenset("and & of the de da van von der al bin el la le du di in for staff writer correspondent reporter editor".split())

# "Read also / see also / related" and paywall prompts, in the languages we split and detect most (issue 24 item 9,
# issue 26). A line that opens with one of these is a link to another article or a sales pitch, whatever follows
# (`Lire aussi : Ce qu'il faut savoir sur les séismes`, `VEA TAMBIÉN`, `To view the full story, please subscribe`).
_READ_ALSO = (
    r"read\s+also|see\s+also|also\s+read|more\s+from|you\s+(?:may|might)\s+also\s+like"
    r"|to\s+(?:view|read|continue|access)\s+(?:the\s+(?:full|rest|whole)|this|reading)\b.*\bsubscri\w*"
    r"|(?:please\s+)?subscribe\s+(?:now\s+)?to\s+(?:read|continue|view|access|unlock)"
    r"|th(?:is|e\s+full)\s+(?:article|story|content)\s+is\s+(?:only\s+)?(?:available\s+)?(?:to|for)\s+subscribers"
    r"|already\s+a\s+subscriber|you\s+have\s+reached\s+(?:your|the)\s+(?:limit|maximum)"
    r"|(?:à\s+)?lire\s+(?:aussi|également)|(?:à\s+)?voir\s+(?:aussi|également)|sur\s+le\s+même\s+sujet"  # fr
    r"|abonnez-vous\s+pour|(?:cet\s+article|la\s+suite)\s+est\s+réservée?\s+aux\s+abonnés|il\s+vous\s+reste\s+\d+\s*%"
    r"|lesen\s+sie\s+(?:auch|mehr)|lies\s+auch|auch\s+interessant|mehr\s+zum\s+thema|siehe\s+auch"  # de
    r"|das\s+könnte\s+sie\s+(?:auch\s+)?interessieren|(?:dieser\s+(?:artikel|inhalt|beitrag)\s+ist\s+)?(?:nur\s+)?für\s+abonnenten"
    r"|le[ae]\s+también|ve[ar]?\s+también|(?:también\s+)?(?:te|le)\s+puede\s+interesar"  # es
    r"|(?:notas|noticias|artículos)\s+relacionad[oa]s|suscríbete\s+para|contenido\s+exclusivo\s+para\s+suscriptores"
    r"|leggi\s+anche|vedi\s+anche|(?:ti\s+)?potrebbe\s+(?:anche\s+)?interessarti|articoli\s+correlati"  # it
    r"|abbonati\s+per|contenuto\s+riservato\s+agli\s+abbonati"
    r"|leia\s+(?:também|mais)|veja\s+também|confira\s+também|(?:notícias|matérias)\s+relacionadas"  # pt
    r"|assine\s+para|conteúdo\s+exclusivo\s+para\s+assinantes"
    r"|lees\s+ook|zie\s+ook|bekijk\s+ook|meer\s+over\s+dit\s+onderwerp|gerelateerde\s+artikelen"  # nl
    r"|читайте\s+также|смотрите\s+также|см\.\s+также|читайте\s+також|дивіться\s+також"  # ru, uk
    r"|czytaj\s+(?:też|także|więcej)|zobacz\s+(?:też|także)|przeczytaj\s+(?:też|także)"  # pl
    r"|čtěte\s+také|přečtěte\s+si\s+také|související\s+články"  # cs
    r"|läs\s+(?:också|även)|læs\s+også|les\s+også|se\s+(?:även|også)|lue\s+myös|katso\s+myös"  # sv, da, nb, fi
    r"|citește\s+și|citeşte\s+şi|vezi\s+(?:și|şi)|llegiu\s+també|llegeix\s+també|vegeu\s+també"  # ro, ca
    r"|baca\s+juga|lihat\s+juga|berita\s+terkait|ilgili\s+haberler|ayrıca\s+okuyun"  # id, tr
    r"|إقرأ\s+أيضا|اقرأ\s+أيضا|مواضيع\s+ذات\s+صلة|関連記事|あわせて読みたい|相关阅读|相关新闻|延伸阅读"  # ar, ja, zh
)
# Prompts that could also open a sentence ("Más información sobre el caso…"): furniture only on their own or
# before a colon, an arrow or an ellipsis.
_READ_MORE = (
    r"leer\s+más|más\s+información|sigue\s+leyendo|lire\s+la\s+suite|en\s+savoir\s+plus|weiterlesen"
    r"|continua\s+a\s+leggere|leggi\s+tutto|continue\s+lendo|saiba\s+mais|lees\s+meer|lees\s+verder"
    r"|подробнее|читать\s+далее|по\s+теме|ещё\s+по\s+теме|детальніше|czytaj\s+dalej|polecamy|läs\s+mer"
    r"|læs\s+mere|les\s+mer|lue\s+lisää|devamını\s+oku|daha\s+fazla|articole\s+similare|kapcsolódó\s+cikkek"
)
_PROMPT = re.compile(rf"^[\W_]*(?:(?:{_READ_ALSO})(?:\W.*)?|(?:{_READ_MORE})\s*(?:[:：»›>→|…–—-].*|\W*))$",
                     re.IGNORECASE | re.DOTALL)


# A page's "last updated" stamp that scraping glued between its headline and its first sentence: `Page last
# updated at 08:58 GMT, Thursday, 24 June 2010 09:58 UK`, `24 June 2010 Last updated at 14:59 GMT Help`,
# `Last updated: 1 may, 2009 - 17:54 GMT`, and a server's `(an error occurred while processing this directive)`.
_STAMP = re.compile(
    r"(?:\b\d{1,2} [A-Z][a-z]+ \d{4} )?(?:Page )?\b[Ll]ast updated(?: at| on|:)? [^()\n]{0,30}?\d{1,2}:\d\d ?(?:GMT|UTC|BST|UK)\b"
    r"(?:,? [A-Z][a-z]+day,? \d{1,2} [A-Z][a-z]+ \d{4})?(?: \d{1,2}:\d\d (?:GMT|UTC|BST|UK)\b)?"
    r"(?: ?\(an error occurred while processing this directive\))?(?: Help\b)?"
    r"|\(an error occurred while processing this directive\)")


def break_page_stamps(text: str) -> str:
    """`text` with each page stamp glued inside a line replaced by a paragraph break (the headline before it
    and the article after it are then paragraphs of their own).

    >>> break_page_stamps("Jackson doctor on trial Page last updated at 08:58 GMT, Thursday, 24 June 2010 The trial")
    'Jackson doctor on trial\\n\\nThe trial'
    """
    if "pdated" not in text and "directive)" not in text:
        return text
    return _STAMP.sub("\n\n", text).replace(" \n\n", "\n\n").replace("\n\n ", "\n\n")


def is_link_prompt(text: str) -> bool:
    """Whether a line or sentence opens with a "read also / see also / related" or paywall prompt, in any of
    about 20 languages (English "Read more" lines are caught by `is_boilerplate_line` too).

    >>> is_link_prompt("Lire aussi : Ce qu'il faut savoir sur les séismes"), is_link_prompt("VEA TAMBIÉN")
    (True, True)
    >>> is_link_prompt("Más información sobre el caso se dará el lunes.")
    False
    """
    return len(text) <= 600 and _PROMPT.match(text.strip()) is not None


def is_boilerplate_line(line: str) -> bool:
    """Whether one line (or paragraph) is page furniture rather than article text.

    Covers share buttons in any language, advertisement markers, "Read more"/"Click here"/"Follow us"/
    "Sign up" prompts, copyright notices, bylines, reporting credits ("... contributed to this report."),
    photo credits and video-player captions ("CLOSE ..."). Only short lines
    can match, so a real paragraph that starts with "By" or "Follow" is kept.

    Args:
        line: one line of text; surrounding whitespace is ignored.
    Returns:
        True when the line should be dropped.

    >>> is_boilerplate_line("مشاركة :"), is_boilerplate_line("By Jane Doe, Reuters")
    (True, True)
    >>> is_boilerplate_line("By Friday, the troops had left the city.")
    False
    """
    line = line.strip()
    if not line or len(line) > 600:
        return False
    spaces = line.count(" ")  # the number of words minus one (spaces are already collapsed)
    if line.endswith(")") and spaces < 80 and _PHOTO_CREDIT.search(line):
        return True
    if spaces >= 40:
        return False
    if _CREDIT.match(line) and (line.startswith("(") or ";" in line or not _ends_sentence(line)):
        return True
    if spaces >= 12:
        return _BOILERPLATE.match(line) is not None or is_link_prompt(line)
    words = line.split()
    return (_is_share_line(words) or _is_byline(line, words) or _BOILERPLATE.match(line) is not None
            or is_link_prompt(line))


def _is_share_line(words: list[str]) -> bool:
    """Whether a short line is only share buttons or network names (`Share:`, `مشاركة :`, `Facebook Twitter`)."""
    tokens = [t for t in (w.strip(_TOKEN_PUNCT).lower() for w in words) if t]
    if not tokens or not all(t in _SHARE_WORDS or t in _NETWORKS or t in _SHARE_FILLERS for t in tokens):
        return False
    return any(t in _SHARE_WORDS or t in _NETWORKS for t in tokens)


def _is_byline(line: str, words: list[str]) -> bool:
    """Whether a line is `By <names>[, <outlet>]`: "By" then only capitalised words and name particles."""
    if len(words) < 2 or words[0].lower() != "by" or not words[1][:1].isupper():
        return False
    if line.endswith((".", "!", "?")) and re.search(r"\s[A-Z]\.$", line) is None:  # `By John Q.` is fine
        return False
    return all(
        w[:1].isupper() or not w[:1].isalpha() or w.strip(",|").lower() in _BYLINE_FILLERS for w in words[1:]
    )


def _fix_text(text: str) -> str:
    """Collapse spaces, repair apostrophes and glued sentence ends (line breaks are kept)."""
    if "  " in text or _ODD_SPACE.search(text):
        text = _ODD_SPACES.sub(" ", text)
    if '"' in text or "`" in text or "´" in text:
        text = _BROKEN_APOSTROPHE.sub(_apostrophe, text)
    if "“" in text or "‘" in text:
        text = _GLUED_QUOTE.sub(r" \g<0>", text)
    if "\ufffd?" in text:  # `”` (cp1252 0x9D is undefined) mis-decoded into U+FFFD and "?"
        text = text.replace("\ufffd?", "”")
    return _GLUED_WORD.sub(_space_unless_address, text)


def _apostrophe(match: re.Match[str]) -> str:
    """`’` for a quote between letters, unless it sits between a lower and an upper case letter, or next to a
    Hebrew letter: there `"` is gershayim and `'` geresh (`ארה"ב`, `או"ם`), which write acronyms."""
    text, pos = match.string, match.start()
    if text[pos - 1].islower() and text[pos + 1].isupper():
        return match.group()
    if _HEBREW_LETTER.match(text, pos - 1) or _HEBREW_LETTER.match(text, pos + 1):
        return match.group()
    return "’"


_HEBREW_LETTER = re.compile("[\u05d0-\u05ea\u05f0-\u05f2\ufb1d-\ufb4f]")
# A straight double quote inside a Hebrew word is gershayim (`ארה"ב`, `או"ם`, `דו"חות`), not a quotation mark,
# unless the letters after it run to a closing quote: a prefix letter glued to a quotation (`ב"טעות"`, "by
# 'mistake'").
GERSHAYIM = re.compile('"(?<=[\u05d0-\u05ea]")(?=[\u05d0-\u05ea])(?![\u05d0-\u05ea]+"(?![\u05d0-\u05ea]))')


def balanced_quotes(text: str) -> bool:
    """Whether `text` closes every double quotation it opens (by count: scraped text mixes straight and curly
    marks; German opens with „ and closes with “); Hebrew gershayim (`ארה"ב`) are letters, not quotes.

    >>> balanced_quotes('He said: "No."'), balanced_quotes('He said: "No.'), balanced_quotes('ארה"ב אמרה.')
    (True, False, True)
    """
    if '"' in text:
        text = GERSHAYIM.sub("", text)
    return sum(map(text.count, '"“”„')) % 2 == 0


def _space_unless_address(match: re.Match[str]) -> str:
    """A space after a glued sentence end, unless the dot belongs to a URL, e-mail or file name."""
    text, pos = match.string, match.start()
    start = max(text.rfind(" ", 0, pos), text.rfind("\n", 0, pos)) + 1
    ends = [i for i in (text.find(" ", pos), text.find("\n", pos)) if i >= 0]
    token = text[start : min(ends) if ends else len(text)]
    if "@" in token or "/" in token or "\\" in token or "www." in token.lower() or "=" in token:
        return match.group()
    return match.group() + " "


def _ends_sentence(line: str) -> bool:
    """Whether a line ends with terminal punctuation (optionally followed by closing quotes/brackets)."""
    return _TERMINAL_END.search(line) is not None


def _join_block(lines: list[str]) -> list[str]:
    """Turn a run of non-blank lines into paragraphs: a line break is a paragraph break unless it wraps a sentence.

    In a hard-wrapped block (every line at most `_WRAP_MAX` characters, half of the breaks mid-sentence)
    a line that reaches near the block's width continues onto the next one. Elsewhere each line is a paragraph
    (as in scraped articles, where a line is a paragraph), except when the line stops mid-sentence and
    the next one starts in lower case.
    """
    width = max(len(line) for line in lines)
    # Evidence of hard wrapping: at least half of the line breaks fall mid-sentence.
    open_ends = sum(not _ends_sentence(line) for line in lines[:-1])
    wrapped = len(lines) >= 2 and 40 <= width <= _WRAP_MAX and open_ends * 2 >= len(lines) - 1
    paragraphs: list[str] = [lines[0]]
    for previous_line, line in zip(lines, lines[1:]):
        previous = paragraphs[-1]
        continues = not _ends_sentence(previous) and line[:1].islower()
        if _LIST_LINE.match(line):
            join = False
        elif wrapped:
            join = len(previous_line) >= 0.6 * width or continues
        else:
            join = continues
        if not join:
            paragraphs.append(line)
        elif previous.endswith("-") and previous[-2:-1].isalpha() and line[:1].islower():
            paragraphs[-1] = previous + line  # a word hyphenated at the wrap keeps its hyphen
        else:
            paragraphs[-1] = previous + " " + line
    return paragraphs


def normalize_text(text: str) -> str:
    """Normalise raw article text for splitting and display.

    Unicode NFC; odd spaces become spaces; zero-width characters, soft hyphens, bidi marks and control
    characters are removed; spaces are collapsed; a straight quote between letters becomes `’`; a missing
    space after a sentence end is restored (`Twitter.“All` -> `Twitter. “All`, but not in `U.S.`, URLs,
    e-mail addresses, decimals or `St.Petersburg`); boilerplate lines are dropped (see
    `is_boilerplate_line`); lines are joined into paragraphs, separated by exactly one blank line.

    Args:
        text: raw text; paragraphs are separated by blank lines or given one per line.
    Returns:
        The normalised text, without leading or trailing whitespace.

    >>> normalize_text('Russia"s  talks.\\n\\n\\nShare this article\\nThey ended.“Fine,” he said.')
    'Russia’s talks.\\n\\nThey ended. “Fine,” he said.'
    """
    text = text.replace("\r\n", "\n")
    if _INVISIBLE.search(text):
        text = text.translate(_TRANSLATION)
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    paragraphs: list[str] = []
    for block in _BLANK_LINES.split(_fix_text(text)):
        lines = [line.strip() for line in block.split("\n")]
        lines = [line for line in lines if line and not is_boilerplate_line(line)]
        if len(lines) == 1:
            paragraphs.append(lines[0])
        elif lines:  # joined lines can add up to a boilerplate line (`By Jane` + `Doe`)
            checked = set(lines)
            paragraphs.extend(p for p in _join_block(lines) if p in checked or not is_boilerplate_line(p))
    return "\n\n".join(paragraphs)
