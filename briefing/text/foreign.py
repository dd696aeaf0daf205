"""Tokens of languages other than English, and word counts of scripts written without spaces.

Space-separated languages: lower-cased words, elided articles cut off (`l’armée` -> `armée`), the
language's stopwords dropped, Snowball stems. Japanese and Chinese: character bigrams of each run of
Han/kana characters (no dictionary needed; a bigram of two Japanese kana is grammar, not content, and is
dropped), plus the Latin words and numbers among them.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .languages import SPACELESS, bare, stemmer, stopwords

# Han ideographs (with extension A and compatibility forms), hiragana, katakana, halfwidth katakana,
# the iteration mark 々 and the prolonged sound mark ー.
_CJK_CHARS = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\u3005"
CJK = re.compile(f"[{_CJK_CHARS}]")
_CJK_RUN = re.compile(f"[{_CJK_CHARS}]+")
_KANA = re.compile("[\u3040-\u309f\u30fc]+")  # hiragana (and ー): particles and endings
# Combining marks (Unicode categories Mn, Mc, Me, below U+2000) and the zero-width joiners are part of a word:
# a Devanagari vowel sign, a Hebrew or an Arabic point. `\w` leaves them out, and would cut `अमेरिका` into
# pieces at each one.
_MARKS = "".join(chr(c) for c in range(0x300, 0x2000) if unicodedata.category(chr(c))[0] == "M") + "\u200c\u200d"
WORD = re.compile(rf"(?:[^\W_]|[{_MARKS}])+(?:['’](?:[^\W_]|[{_MARKS}])+)*")
# Hebrew has no Snowball stemmer, and writes its one-letter prefixes (ו and, ה the, ב in, ל to, מ from, ש that,
# כ as) onto the word: one is cut when 3 letters or more remain (בבית, הבית -> בית). On the MultiLing dev
# topics a Hebrew day of 5 topics was 19 stories (B3 F1 0.771) with words kept whole, 9 (0.918) this way.
_HEBREW_PREFIXES = frozenset("והבלמשכ")
# Languages whose articles and pronouns are elided with an apostrophe (`l’`, `dell’`, `qu’`).
_ELIDING = frozenset({"fr", "it", "ca", "pt"})
_MAX_ELISION = 7  # `lorsqu’`, `quell’`: a longer prefix is part of the word (`aujourd’hui`)


def foreign_tokens(text: str, code: str) -> tuple[str, ...]:
    """Content tokens of `text` in the language `code` (a primary subtag other than "en")."""
    return _tokens(text, code)


@lru_cache(maxsize=1 << 16)
def _tokens(text: str, code: str) -> tuple[str, ...]:
    """`foreign_tokens`, cached (ranking, selection and stories tokenise the same sentences)."""
    if code in SPACELESS and CJK.search(text):
        return tuple(_spaceless_tokens(text, code))
    words = WORD.findall(text.lower())
    return tuple(stem for stem in (_word(word, code) for word in words) if stem)


@lru_cache(maxsize=1 << 17)
def _word(word: str, code: str) -> str:
    """The stem of one lower-cased word, or "" for a stopword or a lone letter."""
    word = word.replace("’", "'")
    if code == "he" and word[:1] in _HEBREW_PREFIXES and sum(c.isalpha() for c in word) > 3:
        word = word[1:]
    if code in _ELIDING and "'" in word:
        head, _, tail = word.rpartition("'")
        if len(head) < _MAX_ELISION and tail:
            word = tail
    stops = stopwords(code)
    if word in stops or bare(word) in stops or (len(word) < 2 and not word.isdigit()):
        return ""
    stem = stemmer(code)
    return stem(word) if stem else word


def _spaceless_tokens(text: str, code: str) -> list[str]:
    """Character bigrams of each Han/kana run, and the other words (Latin names, numbers) as they are."""
    tokens: list[str] = []
    position = 0
    for run in _CJK_RUN.finditer(text):
        tokens.extend(t for t in (_word(w, "en") for w in WORD.findall(text[position : run.start()].lower())) if t)
        chars = run.group()
        if len(chars) == 1:
            grams = [chars]
        else:
            grams = [chars[i : i + 2] for i in range(len(chars) - 1)]
        tokens.extend(g for g in grams if not (code == "ja" and _KANA.fullmatch(g)) and g not in stopwords(code))
        position = run.end()
    tokens.extend(t for t in (_word(w, "en") for w in WORD.findall(text[position:].lower())) if t)
    return tokens


def spaceless_words(token: str) -> int:
    """Reader's words in one whitespace-separated token: one per two Han/kana characters (rounded up),
    plus one per other word in it (`GDP成長率は2.5%` is 2 + 3)."""
    cjk = len(CJK.findall(token))
    if not cjk:
        return 1
    others = len(WORD.findall(CJK.sub(" ", token)))
    return (cjk + 1) // 2 + others
