"""Per-language tables for the sentence splitter: abbreviations, sentence openers, quotation marks.

`briefing.text.sentences` holds the English tables and the decision rules; for another language it adds
that language's tables here to the English ones (news in any language quotes `Dr.` and `U.S.`). Each
table is a set of lower-case words written without their final full stop.

- titles: come before a name and never end a sentence (`M.`, `Hr.`, `Sra.`, `проф.`);
- number_abbreviations: come before a number (`Nr. 5`, `núm. 3`, `стр. 12`);
- never_final: never end a sentence (`z. B.`, `bzw.`, `т.е.`);
- openers: function words that open sentences; after an ambiguous abbreviation, they mark a boundary;
- ordinal_dot: a number followed by a full stop is an ordinal (`am 3. Oktober`, `den 5. maj`) unless an
  opener follows;
- quotes: the opening and closing double quotation marks (`„…“` in German, Czech, Polish, ...; `«…»` in
  French, Spanish, Italian and Russian);
- spaceless: the language is written without spaces (Japanese, Chinese): `?`, `!`, `…` and `。` (half- or
  full-width), with any closing quotes after them, end a sentence when a Han or kana character follows
  directly.

Scripts without letter case (Arabic, Hebrew, Devanagari, ...) cannot tell a name after an abbreviation from
a new sentence, so their tables list the abbreviations that news writes before a word of the same sentence:
Arabic initials spelled as letter names (`جورج دبليو. بوش`, George W. Bush), Hindi dotted abbreviations
(`कि.मी.`; any dotted Devanagari acronym such as `सी.ओ.पी.` is handled by the splitter itself).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from .languages import primary


@dataclass(frozen=True)
class SplitRules:
    """One language's additions to the splitter's English tables."""

    titles: frozenset[str] = frozenset()
    number_abbreviations: frozenset[str] = frozenset()
    never_final: frozenset[str] = frozenset()
    openers: frozenset[str] = frozenset()
    ordinal_dot: bool = False
    quotes: tuple[str, str] = ("“", "”")
    spaceless: bool = False


def _words(text: str) -> frozenset[str]:
    """A table from a space-separated string."""
    return frozenset(text.split())


_GUILLEMETS = ("«", "»")  # French, Spanish, Italian, Russian
_LOW_QUOTES = ("„", "“")  # German, Czech, Slovak, Polish, Hungarian, Romanian, Bulgarian, Croatian, ...

_RULES = {
    "fr": SplitRules(
        quotes=_GUILLEMETS,
        titles=_words("m mm mme mmes mlle mlles me mes mgr pr dr drs ste sts st gal cdt col lt sgt"),
        number_abbreviations=_words("n° no nos p pp art chap vol fig env tél"),
        never_final=_words("cf av apr boul bd c.-à-d c.à.d ex ibid"),
        openers=_words(
            "le la les l un une des du il elle ils elles on nous vous je j ce cet cette ces c mais et ou donc or "
            "ni car puis ensuite alors selon dans en à au aux pour par avec sans sur sous depuis pendant après "
            "avant lors si quand comme cependant toutefois pourtant néanmoins enfin aujourd hier lundi mardi "
            "mercredi jeudi vendredi samedi dimanche qui que quoi où pourquoi comment d de ses son sa leur leurs "
            "tous toutes plusieurs certains aucun ne pas"
        ),
    ),
    "de": SplitRules(
        titles=_words("hr hrn fr frl dr prof st sr dipl ing mag"),
        number_abbreviations=_words("nr s bd abs art kap ca no tel str"),
        never_final=_words(
            "z d u v o s bzw vgl ggf evtl inkl bspw sog jh jhd mio mrd tsd gen z.b d.h u.a v.a o.ä u.u s.o s.u "
            "u.ä m.e i.d.r z.t a.d"
        ),
        openers=_words(
            "der die das den dem des ein eine einer einen einem er sie es wir ich ihr man dies diese dieser "
            "dieses doch aber und oder denn so auch nun jetzt heute gestern damit dann danach zudem außerdem "
            "allerdings jedoch trotzdem wie was wer wo wann warum im in am an auf aus bei mit nach seit von vor "
            "zu zum zur für gegen ohne um unter über nicht kein keine laut bereits noch dabei deshalb daher"
        ),
        ordinal_dot=True,
        quotes=_LOW_QUOTES,
    ),
    "es": SplitRules(
        quotes=_GUILLEMETS,
        titles=_words("sr sra srta sres sras dr dra lic ing prof dña d gral excmo excma"),
        number_abbreviations=_words("núm nº n° pág págs art vol cap tel"),
        never_final=_words("ee uu ee.uu aprox etc.etc vs"),
        openers=_words(
            "el la los las lo un una unos unas él ella ellos ellas este esta estos estas ese esa esos esas eso "
            "pero y o sin además también ahora hoy ayer según en de con por para desde durante tras sobre ante "
            "no sí cuando donde como qué quién cuál su sus al del se le les nos todos todas muchos varios"
        ),
    ),
    "it": SplitRules(
        quotes=_GUILLEMETS,
        titles=_words("sig sigg sig.ra sig.na dott dott.ssa dr prof ing avv on sen gen mons geom rag"),
        number_abbreviations=_words("n nn art pag pagg vol cap tel"),
        never_final=_words("ecc.ecc cfr es"),
        openers=_words(
            "il lo la i gli le l un una uno lui lei loro questo questa questi queste quello quella ma e o però "
            "anche oggi ieri secondo in con per da su tra fra non se quando dove come chi che cosa perché al "
            "del della nel nella sul sulla dopo prima durante ci si tutti tutte molti alcuni"
        ),
    ),
    "pt": SplitRules(
        titles=_words("sr sra srta dr dra prof eng exmo exma d dª"),
        number_abbreviations=_words("nº n° n art pág págs vol cap tel"),
        never_final=_words("ex"),
        openers=_words(
            "o a os as um uma uns umas ele ela eles elas este esta estes estas esse essa isso isto mas e ou "
            "também hoje ontem segundo em no na nos nas com por para de do da desde durante após sobre não sim "
            "quando onde como que quem qual seu sua seus suas ao à todos todas muitos vários se"
        ),
    ),
    "nl": SplitRules(
        titles=_words("dhr mevr mr dr prof ir drs ing mw st"),
        number_abbreviations=_words("nr nrs blz art tel vol"),
        never_final=_words("bijv vs o.a d.w.z m.a.w i.p.v t.o.v z.g.a.n m.b.t e.d enz.enz"),
        openers=_words(
            "de het een hij zij ze wij we ik jij je dit dat deze die maar en of ook nu vandaag gisteren volgens "
            "in op met voor na bij van niet geen er toen als wanneer waar hoe wat wie waarom zijn haar hun alle "
            "veel sommige daarna bovendien echter toch"
        ),
    ),
    "ru": SplitRules(
        titles=_words("им ул пр просп пер проф акад св д г гг т тт ген полк"),
        number_abbreviations=_words("стр с рис табл № п пп ст гл"),
        never_final=_words("т.е т.к т.н т.ч напр см ср тыс млн млрд руб коп долл"),
        openers=_words(
            "он она оно они мы я вы ты это этот эта эти тот та те но и а однако также сейчас сегодня вчера по "
            "в во на с со из за при после до для не как что когда где кто почему его её их все многие "
            "несколько кроме поэтому тогда затем"
        ),
        quotes=_GUILLEMETS,
    ),
    "cs": SplitRules(
        titles=_words("ing mudr judr phdr rndr paeddr mvdr mgr bc doc prof dr sv p pí gen plk"),
        number_abbreviations=_words("č čj s str odst tel r obr tab kap"),
        never_final=_words("tzv např resp tj popř mj zejm tzn srov viz cca"),
        openers=_words(
            "v ve na a to ten ta ty je jsou se podle už také tak ale i když po pro při od do z ze s o k "
            "jeho její jejich on ona ono oni my já vy tento tato toto tyto však proto potom dnes včera"
        ),
        ordinal_dot=True,
        quotes=_LOW_QUOTES,
    ),
    "ar": SplitRules(
        # Latin initials spelled out (`جورج دبليو. بوش`), and `د.` (doctor) / `أ.` (professor) before a name.
        titles=_words(
            "دبليو إيه بي سي دي إف جي جيه إتش إتشيه كيه إل إم إن آر إس تي يو واي زد إكس كيو د أ م.د أ.د"
        ),
        number_abbreviations=_words("ص رقم ج"),
    ),
    "hi": SplitRules(
        titles=_words("डॉ प्रो श्री श्रीमती सुश्री मि"),
        never_final=_words("कि.मी मि.मी से.मी कि.ग्रा मि.ग्रा ई.पू सी.ओ.पी सी.एम.पी"),
        number_abbreviations=_words("सं क्र पृ"),
    ),
    "ja": SplitRules(quotes=("「", "」"), spaceless=True),
    "zh": SplitRules(spaceless=True),
}
# Languages that write numbers as ordinals with a full stop and open quotations low (`„`), without an
# abbreviation table of their own here.
_ORDINAL_DOT = frozenset({"da", "no", "nb", "nn", "fi", "cs", "sk", "sl", "hr", "sr", "bs", "hu", "et", "lv", "is", "tr"})
_LOW = frozenset({"cs", "sk", "pl", "hu", "ro", "bg", "hr", "sl", "sr", "bs", "lt", "et", "ka", "uk"})


@lru_cache(maxsize=64)
def split_rules(language: str | None) -> SplitRules | None:
    """The splitter's additions for `language`, or None for English (and unknown languages: English rules).

    >>> split_rules("de-AT").ordinal_dot, split_rules("en") is None
    (True, True)
    """
    code = primary(language)
    if code == "en":
        return None
    rules = _RULES.get(code)
    if rules is not None:
        return rules
    if code in _ORDINAL_DOT or code in _LOW:
        return SplitRules(ordinal_dot=code in _ORDINAL_DOT, quotes=_LOW_QUOTES if code in _LOW else ("“", "”"))
    return SplitRules()


# A candidate sentence end, for `briefing.text.sentences`: terminal punctuation (or a spaced ellipsis
# `. . .`), closing quotes/brackets, then whitespace, whose next word (after opening quotes/brackets) is
# captured by a lookahead; CJK full stops need no space, and neither does a Devanagari danda (scraped Hindi
# often glues the next sentence to it: `मुताबिक ।रौयल`). Arabic ؟, Urdu ۔ and Devanagari । end sentences
# like ? and !. It starts with a character class so the regex engine skips ahead fast.
_CANDIDATE = (
    r"([.!?…‽。！？؟۔।](?:(?<=\.)(?: \.)+|[.!?…‽。！？؟۔।]*))({close}[”’\"'»)\]」』）{extra_close}]*)"
    r"(?:(?=\s+({opening})(\S*))|(?=\s*$)|(?<=[。！？」』）])|(?<=[。！？][”’])|(?<=।)(?=[^\s।]){spaceless})"
)
# Japanese and Chinese: half-width `?` `!`, `…` and `。` (the full-width ones are above), after any closing
# quotes, end a sentence when a Han or kana character follows directly.
_SPACELESS_END = "|(?<=[?!…。！？？！”’\"」』）])(?<![^?!…。！？][”’\"」』）])(?=[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff])"
_OPENING = "“\"‘'(\\[{¿¡«"
# A Han or kana character: after `?`, `!`, `…` or `。` in Japanese or Chinese it starts a new sentence.
CJK_START = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff]")
# Combining marks (Devanagari vowel signs and viramas, Arabic harakat, ...), for a character class: they are
# part of the letter before them (`सी.ओ.पी` is a dotted acronym like `U.S.A`).
MARKS = re.escape("".join(c for c in map(chr, range(0x300, 0x3000)) if unicodedata.category(c)[0] == "M"))
# After a closing 」, a quotative particle continues the sentence: `「…。」と述べた。`
CJK_CONTINUATION = "とっのはがをにもでや"


def candidate_pattern(rules: SplitRules | None) -> re.Pattern[str]:
    """The candidate-end regex: English's for None; with a language's quotation marks otherwise, where a
    guillemet may be spaced from its text (`« Oui. » Il`)."""
    if rules is None:
        return re.compile(_CANDIDATE.format(close="", extra_close="", opening=f"[{_OPENING}]*", spaceless=""))
    opening, closing = rules.quotes
    extra_open = re.escape(opening) if opening not in "“«" else ""
    return re.compile(_CANDIDATE.format(
        close=r"(?: ?»)?", extra_close=re.escape(closing) if closing != "»" else "",
        opening=f"(?:« |[{_OPENING}{extra_open}])*", spaceless=_SPACELESS_END if rules.spaceless else ""))


@dataclass(frozen=True)
class Tables:
    """The splitter's tables for one language: English's plus the language's own."""

    special: frozenset[str]
    titles: frozenset[str]
    number_abbrevs: frozenset[str]
    never_final: frozenset[str]
    openers: frozenset[str]
    ordinal_dot: bool
    candidate: re.Pattern[str]
    quotes: tuple[str, str]
    spaceless: bool = False


def language_tables(language: str | None, english: Tables) -> Tables:
    """`english` plus the additions of `language` (English's own tables for None and "en")."""
    rules = split_rules(language)
    if rules is None:
        return english
    titles = english.titles | rules.titles
    numbers = english.number_abbrevs | rules.number_abbreviations
    never = english.never_final | rules.never_final
    return Tables(english.special | titles | numbers | never, titles, numbers, never, english.openers | rules.openers,
                  rules.ordinal_dot, candidate_pattern(rules), rules.quotes, rules.spaceless)
