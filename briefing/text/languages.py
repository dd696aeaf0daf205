"""Languages: BCP 47 tags, offline detection, and each language's stemmer and stopwords.

A document's language comes from its input when the input declares one (JSONL `language`, `<html lang>`,
a feed's `xml:lang`/`<language>`); otherwise it is detected offline by py3langid, whose model ships inside
the package (nothing is downloaded). Stemming is Snowball (PyStemmer, about 25 languages); stopwords come
from the `stop-words` and `stopwordsiso` packages; English keeps the tokenizer's own list
(`briefing.text.vectors.STOPWORDS`).
Japanese and Chinese are written without spaces: their tokens are character bigrams (see `vectors`).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from functools import lru_cache
from typing import Any

from ..errors import ConfigError
from ..models import Document

UNDETERMINED = "und"  # BCP 47 for "language not known"
# A tag as inputs write it: `fr`, `pt-BR`, `zh_Hant_TW`, `en-US-x-private`.
_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*")
# Scripts written without spaces between words: tokens are character bigrams, budgets count characters.
SPACELESS = frozenset({"ja", "zh"})
# Languages written right to left (HTML output marks their sections `dir="rtl"`).
RIGHT_TO_LEFT = frozenset({"ar", "fa", "he", "ur", "yi", "ps", "sd", "ug", "dv"})

# ISO 639-1 -> the Snowball algorithm's name in PyStemmer.
_SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian", "nn": "norwegian",
    "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}
# Codes the `stop-words` package knows under another code.
_STOPWORD_CODE = {"no": "nb", "nn": "nb"}
# Languages the detector may answer: those the pipeline treats specially, plus the larger news languages.
# (Restricting the choice keeps short texts from being labelled with a rare language.)
_DETECTABLE = sorted(
    set(_SNOWBALL) - {"eo", "ga", "nb", "nn", "yi"}
    | {"ja", "zh", "ko", "he", "uk", "bg", "sk", "sl", "hr", "vi", "th", "ms", "ur", "bn", "ms", "lv"}
)
# English function words: a text where they are this common is English (the detector's model, which
# takes a second to load, is not needed for the common case).
_ENGLISH_MARKERS = frozenset("the of and to in is was that for with on as by at from has have are were said".split())
_ENGLISH_SHARE = 0.18
# ... or where these, which no other language uses as words, are (tables, result lists and name-heavy
# English texts have fewer function words; no non-English sample reaches this).
_ENGLISH_ONLY = frozenset("the of and that with which would their this from".split())
_ENGLISH_ONLY_SHARE = 0.04
# ... unless the function words of the other big Latin-script languages are common too (a quote in English).
_OTHER_MARKERS = frozenset("""le la les des et est une du dans pour qui der die das und ist nicht ein eine mit
    el los las y del por una il di che della non nel para com uma não het een van op och att är og er""".split())
_OTHER_SHARE = 0.03
# Without the model (which takes a second to load): scripts that one detectable language writes, and the
# function words of the big Latin-script languages.
_SCRIPTS = {script: re.compile(f"[{ranges}]") for script, ranges in {
    "greek": "\u0370-\u03ff\u1f00-\u1fff", "cyrillic": "\u0400-\u052f",
    "armenian": "\u0530-\u058f", "hebrew": "\u0590-\u05ff\ufb1d-\ufb4f",
    "arabic": "\u0600-\u06ff\u0750-\u077f\ufb50-\ufeff", "devanagari": "\u0900-\u097f", "bengali": "\u0980-\u09ff",
    "tamil": "\u0b80-\u0bff", "thai": "\u0e00-\u0e7f", "hangul": "\u1100-\u11ff\uac00-\ud7af",
    "kana": "\u3040-\u30ff\uff66-\uff9f", "han": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
}.items()}
_SCRIPT_SAMPLE_CHARS = 600  # enough letters to see the script
_SCRIPT_CHARS = 150
_SCRIPT_LANGUAGE = {"greek": "el", "hebrew": "he", "armenian": "hy", "bengali": "bn", "tamil": "ta", "thai": "th",
                    "hangul": "ko"}
_KANA = re.compile("[\u3040-\u30ff\uff66-\uff9f]")
_PERSIAN_URDU = re.compile("[پچژگکیۀےٹڈڑںہ]")
_HINDI_MARKERS = frozenset("है हैं के की का में और से को ने पर था थी थे भी कि यह".split())
_RUSSIAN = re.compile("[ыэЫЭ]")
_NOT_RUSSIAN = re.compile("[іїєґўјљњћђџІЇЄҐЎЈЉЊЋЂЏ]")
_FUNCTION_WORDS = {code: frozenset(words.split()) for code, words in {
    "fr": "le la les des et est une du dans pour qui au aux sur pas ont été cette avec mais ne",
    "de": "der die das und ist nicht ein eine mit den dem des sich auf für von zu im wird wurde auch",
    "es": "el los las y del por una con para como más pero fue su sus al lo según este",
    "it": "di che della non nel per sono gli è con delle dei alla anche ha del degli nella",
    "pt": "o os as do da dos das não com para uma em é ao pelo pela mais foi seu sua",
    "nl": "het een van is op niet dat zijn voor met er werd ook naar bij aan",
    "ca": "els amb és aquest aquesta va seva seu però dels pels i",
    "cs": "se je že které který která podle jsou pro ve byl bylo byla by jeho také nebo",
    "sk": "sa je že ktoré ktorý ktorá podľa sú pre vo bol bolo bola by jeho tiež alebo",
    "pl": "się jest że które który która przez są dla w był było była nie oraz także lub",
}.items()}
# word -> the languages whose function word it is (one dictionary lookup per word)
_FUNCTION_WORD_LANGUAGES = {word: tuple(code for code, words in _FUNCTION_WORDS.items() if word in words)
                            for words in _FUNCTION_WORDS.values() for word in words}
_FUNCTION_SHARE = 0.15
_FUNCTION_MIN_WORDS = 12  # a shorter text is left to the model
_SAMPLE_CHARS = 3000  # the opening of a document is enough to tell its language
_MIN_LETTERS = 12  # fewer letters than this: too little to tell
# At least _MIN_LETTERS letters somewhere (stops at the _MIN_LETTERS-th: cheap on long text).
_ENOUGH_LETTERS = re.compile(rf"(?:[^\W\d_][\W\d_]*){{{_MIN_LETTERS}}}")
# The function-word checks read this much (a few hundred words: enough, and cheap on a day of 100,000 articles).
_ENGLISH_SAMPLE_CHARS = 1500


def normalize_tag(tag: str | None) -> str | None:
    """A declared language as a BCP 47 tag (`fr_fr` -> `fr-FR`), or None when it is not a language tag.

    >>> normalize_tag("fr_fr"), normalize_tag("EN"), normalize_tag("zh-hant-tw"), normalize_tag("French")
    ('fr-FR', 'en', 'zh-Hant-TW', None)
    """
    if not tag:
        return None
    tag = tag.strip()
    if not _TAG.fullmatch(tag):
        return None
    parts = re.split(r"[-_]", tag)
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 2 and part.isalpha():
            out.append(part.upper())  # region
        elif len(part) == 4 and part.isalpha():
            out.append(part.title())  # script
        else:
            out.append(part.lower())
    return "-".join(out) if out[0] != UNDETERMINED else None


def primary(tag: str | None) -> str:
    """The primary language subtag (`pt-BR` -> `pt`); English when the language is not known.

    >>> primary("pt-BR"), primary(None), primary("und")
    ('pt', 'en', 'en')
    """
    code = (tag or "en").split("-")[0].lower()
    return "en" if code == UNDETERMINED else code


def detect_language(text: str) -> str:
    """The language of `text` as a BCP 47 tag (`und` when there is too little text to tell).

    Offline: a quick check for English function words, then for a script only one language writes (Hebrew,
    Greek, kana, Hangul, ...; Arabic without Persian letters, Hindi by its function words) and for the function
    words of the big Latin-script languages; only text none of these settles needs py3langid's Naive Bayes
    model (shipped with the package, loaded once on first use: about a second).

    >>> detect_language("The council said on Monday that the budget was approved by the mayor.")
    'en'
    >>> detect_language("Le conseil municipal a approuvé lundi le nouveau budget de la ville.")
    'fr'
    """
    sample = text[:_SAMPLE_CHARS]
    if not _ENOUGH_LETTERS.search(sample):
        return UNDETERMINED
    words = sample[:_ENGLISH_SAMPLE_CHARS].lower().split()
    if _looks_english(words):
        return "en"
    quick = _by_script(sample[:_ENGLISH_SAMPLE_CHARS]) or _by_function_words(words)
    if quick:
        return quick
    language, _ = _identifier().classify(sample)
    return str(language)


def _by_script(sample: str) -> str | None:
    """The language when the letters' script says it (most letters Hebrew, Greek, kana, ...), else None."""
    sample = sample[:_SCRIPT_SAMPLE_CHARS]
    found = "".join(sample.split())[:_SCRIPT_CHARS]  # the script of the first letters is enough
    letters = sum(map(str.isalpha, found))
    if not letters or found.isascii():
        return None
    counts = {script: len(pattern.findall(found)) for script, pattern in _SCRIPTS.items()}
    counts["han"] += counts.pop("kana")  # Japanese: kanji and kana
    script = max(counts, key=counts.__getitem__)
    n = counts[script]
    if n * 2 < letters:  # Latin (or mixed): not for this check
        return None
    if script == "han":  # Japanese writes kana between its kanji; Chinese none
        return "ja" if _KANA.search(found) else "zh"
    if script == "arabic":  # Persian and Urdu write letters Arabic does not have
        return None if _PERSIAN_URDU.search(sample) else "ar"
    if script == "devanagari":  # Hindi by its function words (Nepali and Marathi share the script)
        words = sample.split()
        return "hi" if sum(map(_HINDI_MARKERS.__contains__, words)) >= 0.08 * len(words) else None
    if script == "cyrillic":  # Russian has ы and э; Ukrainian and Belarusian і, Serbian and Macedonian ј
        return "ru" if _RUSSIAN.search(sample) and not _NOT_RUSSIAN.search(sample) else None
    return _SCRIPT_LANGUAGE.get(script)


def _by_function_words(words: Sequence[str]) -> str | None:
    """A Latin-script language whose function words clearly dominate (twice any other's share), else None."""
    words = [w for w in words if w.isalpha()]
    if len(words) < _FUNCTION_MIN_WORDS:
        return None
    counts = dict.fromkeys(_FUNCTION_WORDS, 0)
    for word in words:
        for language in _FUNCTION_WORD_LANGUAGES.get(word, ()):
            counts[language] += 1
    shares = sorted(((n, code) for code, n in counts.items()), reverse=True)
    (best, code), (second, _) = shares[0], shares[1]
    return code if best >= _FUNCTION_SHARE * len(words) and best >= 2 * second else None


def _looks_english(words: Sequence[str]) -> bool:
    """Whether lower-cased words are English by their function words (no model needed).

    Whitespace-separated words: a marker with punctuation attached ("said,") is missed, which only lowers the
    share a little; str.split keeps this cheap on a day of 100,000 articles.
    """
    if not words:
        return False
    if sum(map(_ENGLISH_MARKERS.__contains__, words)) >= _ENGLISH_SHARE * len(words):
        return True
    return (sum(map(_ENGLISH_ONLY.__contains__, words)) >= _ENGLISH_ONLY_SHARE * len(words)
            and sum(map(_OTHER_MARKERS.__contains__, words)) < _OTHER_SHARE * len(words))


@lru_cache(maxsize=1)
def _identifier() -> Any:  # py3langid's LanguageIdentifier (untyped)
    """py3langid's identifier, restricted to `_DETECTABLE` (loaded once: about a second)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=False)
    known = set(identifier.labels)
    identifier.set_languages([code for code in _DETECTABLE if code in known])
    return identifier


def with_languages(documents: Iterable[Document], language: str | None = None) -> list[Document]:
    """The documents, each with a language: `language` for all when given (`Options.language`, no detection),
    else the declared one (normalised) or the detected one.

    >>> [d.language for d in with_languages([Document("a", "The mayor spoke.", language="en")], "pt_br")]
    ['pt-BR']
    """
    forced = normalize_tag(language) if language else None
    if language and forced is None:
        raise ConfigError(f"language {language!r} is not a language tag: use a BCP 47 tag such as fr or pt-BR")
    out = []
    for doc in documents:
        language = forced or normalize_tag(doc.language) or detect_language(f"{doc.title or ''}\n{doc.text}")
        out.append(doc if language == doc.language else replace(doc, language=language))
    return out


def checked_tag(value: Any, where: str) -> str:
    """`value` as a BCP 47 tag (`fr_ca` -> `fr-CA`); ConfigError naming `where` when it is none."""
    tag = normalize_tag(value) if isinstance(value, str) else None
    if tag is None:
        raise ConfigError(f'{where} must be a BCP 47 tag such as "he" or "pt-BR", got {value!r}')
    return tag


def source_tables(items: Sequence[Any], where: str) -> tuple[list[Any], list[tuple[str, str]]]:
    """Config `sources` entries, where a table such as `{ url = "...", language = "he" }` (`path` for a file)
    gives its source's language: (the entries without their `language` keys, the (source, tag) pairs). The
    entries are otherwise checked by `briefing.sources.names.parse_sources`.

    >>> source_tables(["a/", {"path": "b.xml", "language": "he"}], "sources")
    (['a/', {'path': 'b.xml'}], [('b.xml', 'he')])
    """
    plain: list[Any] = []
    tagged: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, dict) and "language" in item:
            source = item.get("url", item.get("path"))
            if isinstance(source, str):
                tagged.append((source, checked_tag(item["language"], f"{where}: language")))
            item = {key: value for key, value in item.items() if key != "language"}
        plain.append(item)
    return plain, tagged


def assign_languages(documents: Iterable[Document], language: str | None = None,
                     by_source: Sequence[tuple[str, str]] = ()) -> list[Document]:
    """The documents with the language the user set: `language` for all (`--language`), else the language of
    the source they came from (`{ source = "...", language = "he" }` in briefing.toml: a file, a folder the
    file is in, or a feed or page URL), else the one they have.

    >>> assign_languages([Document("a", "Hola.", path="es/a.txt")], by_source=[("es", "es")])[0].language
    'es'
    """
    out = []
    for doc in documents:
        tag = normalize_tag(language) or source_language(doc.path, by_source)
        out.append(doc if tag is None or tag == doc.language else replace(doc, language=tag))
    return out


def source_language(path: str | None, by_source: Sequence[tuple[str, str]]) -> str | None:
    """The language briefing.toml sets for `path`'s source (the path itself, or a folder it is in), else None.

    >>> source_language("es/a.txt", [("es", "es")]), source_language("esp/a.txt", [("es", "es")])
    ('es', None)
    """
    if not path:
        return None
    return next((normalize_tag(lang) for source, lang in by_source
                 if path == source or path.startswith((source.rstrip("/\\") + "/", source.rstrip("/\\") + "\\"))),
                None)


def document_language(text: str, declared: str | None, default: str | None = None) -> str:
    """The language of a document: `declared` when it is a language tag, else `default` (the language the run
    or the source sets: `--language`, briefing.toml), else detected from `text`."""
    return normalize_tag(declared) or normalize_tag(default) or detect_language(text)


@lru_cache(maxsize=64)
def stemmer(language: str | None) -> Callable[[str], str] | None:
    """The Snowball stemmer of a language (PyStemmer's C implementation), or None when there is none."""
    name = _SNOWBALL.get(primary(language))
    if name is None:
        return None
    import Stemmer

    stem: Callable[[str], str] = Stemmer.Stemmer(name).stemWord
    return stem


@lru_cache(maxsize=64)
def stopwords(language: str | None) -> frozenset[str]:
    """Function words of a language, lower case, each also without its diacritics (`bare`); empty when neither
    list has the language.

    The lists of the `stop-words` and `stopwordsiso` packages together: each misses common words the other
    has (stop-words' Greek list is Ancient Greek, `καί` and `τῶν`; its Hebrew entries carry JSON quotes and
    commas, `"את",`, which are cut off here), and a text writes diacritics that a list leaves out (`είναι`
    for `ειναι`, `أن` for `ان`).
    """
    import stopwordsiso
    from stop_words import StopWordError, get_stop_words

    code = primary(language)
    try:
        words: set[str] = set(get_stop_words(_STOPWORD_CODE.get(code, code), cache=False))
    except StopWordError:
        words = set()
    if stopwordsiso.has_lang(code):
        words |= stopwordsiso.stopwords(code)
    cleaned = {w.strip().strip('",').strip().lower().replace("’", "'") for w in words}
    return frozenset(cleaned | {bare(w) for w in cleaned}) - {""}


def bare(word: str) -> str:
    """`word` without its diacritics: accents, Greek tonos, Arabic hamza and short vowels, Hebrew points (the
    combining marks of class 10 and up; a virama, a nukta or a kana voicing mark is part of the letter).

    >>> bare("είναι"), bare("أن"), bare("été"), bare("क्या")
    ('ειναι', 'ان', 'ete', 'क्या')
    """
    if word.isascii():
        return word
    kept = "".join(c for c in unicodedata.normalize("NFD", word) if unicodedata.combining(c) < 10)
    return unicodedata.normalize("NFC", kept)


def is_spaceless(language: str | None) -> bool:
    """Whether a language is written without spaces between words (Japanese, Chinese)."""
    return primary(language) in SPACELESS


def is_right_to_left(language: str | None) -> bool:
    """Whether a language is written right to left (Arabic, Persian, Hebrew, Urdu, ...)."""
    return primary(language) in RIGHT_TO_LEFT


__all__ = ["UNDETERMINED", "normalize_tag", "primary", "detect_language", "with_languages", "assign_languages",
           "checked_tag", "source_tables", "source_language", "document_language", "stemmer", "stopwords", "bare", "is_spaceless", "is_right_to_left"]
