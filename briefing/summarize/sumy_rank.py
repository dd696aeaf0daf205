"""sumy's rankers (LexRank, TextRank, LSA, Luhn) as alternatives and baselines, driven through sumy's API.

Sentences come from our splitter and words from our tokenizer, so nothing needs NLTK data.
sumy is imported only when one of these rankers is asked for (it pulls in NLTK, which is slow to import).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..models import Sentence
from ..text.languages import primary
from ..text.vectors import WORD_RE, tokenize

if TYPE_CHECKING:
    import numpy as np

SUMY_ALGORITHMS = ("lexrank", "textrank", "lsa", "luhn")


class WordTokenizer:
    """The tokenizer interface sumy's Sentence expects (`language`, `to_words`), with no NLTK data.

    English words go to sumy as they are (sumy lower-cases and stems them); other languages get our
    tokens (stemmed, stopwords dropped, bigrams for Japanese and Chinese), which sumy then leaves alone.
    """

    language = "english"

    def __init__(self, language: str | None = None, ours: bool = False) -> None:
        self.code = primary(language)
        self.ours = ours or self.code != "en"  # our tokens (for every language of a mixed input)

    def to_words(self, text: str) -> tuple[str, ...]:
        """Words of a sentence, as sumy wants them."""
        if self.ours:
            return tuple(tokenize(text, self.code))
        return tuple(WORD_RE.findall(text))

    def to_sentences(self, text: str) -> tuple[str, ...]:
        """Sentences of a paragraph, by our splitter."""
        from ..text.sentences import split_sentences

        return tuple(split_sentences(text))


def _summarizer(algorithm: str, language: str = "en") -> Any:
    """A configured sumy summarizer with English stemming and stop words (both shipped, no downloads);
    for another language, our tokens need neither."""
    try:
        from sumy.nlp.stemmers import Stemmer
        from sumy.utils import get_stop_words
    except ImportError as exc:  # pragma: no cover - sumy is a core dependency
        raise ImportError('sumy is needed for this algorithm: pip install "briefing"') from exc
    if algorithm == "lexrank":
        from sumy.summarizers.lex_rank import LexRankSummarizer as cls
    elif algorithm == "textrank":
        from sumy.summarizers.text_rank import TextRankSummarizer as cls
    elif algorithm == "lsa":
        from sumy.summarizers.lsa import LsaSummarizer as cls
    elif algorithm == "luhn":
        from sumy.summarizers.luhn import LuhnSummarizer as cls
    else:
        raise ValueError(f"unknown sumy algorithm {algorithm!r}; choose from {', '.join(SUMY_ALGORITHMS)}")
    if language != "en":
        summarizer = cls(str)  # words are already stemmed, stopwords already dropped
        summarizer.stop_words = ()
        return summarizer
    summarizer = cls(Stemmer("english"))
    summarizer.stop_words = get_stop_words("english")
    return summarizer


def rank_with_sumy(sentences: Sequence[Sentence], algorithm: str) -> "np.ndarray":
    """Scores from sumy's `algorithm`: the best-rated sentence gets 1.0, the worst 1/n (sumy's rating order).

    All sentences go into one sumy document (one paragraph per input document), as sumy's own
    multi-document use does.
    """
    import numpy as np
    from sumy.models.dom import ObjectDocumentModel, Paragraph
    from sumy.models.dom import Sentence as SumySentence

    languages = {primary(s.language) for s in sentences}
    language = "en" if languages <= {"en"} else "xx"  # any other language: our tokens for every sentence
    tokenizers = {code: WordTokenizer(code, ours=language != "en") for code in languages}
    paragraphs: list[list[Any]] = []
    last_doc = None
    for s in sentences:
        if s.document != last_doc:
            paragraphs.append([])
            last_doc = s.document
        paragraphs[-1].append(SumySentence(s.text, tokenizers[primary(s.language)]))
    flat = [sentence for paragraph in paragraphs for sentence in paragraph]
    document = ObjectDocumentModel(tuple(Paragraph(p) for p in paragraphs))
    ranked: list[Any] = []

    def take_all(infos: Sequence[Any]) -> Sequence[Any]:
        """sumy hands a callable count the sentences in rating order: keep that order."""
        ranked.extend(infos)
        return infos

    with np.errstate(divide="ignore", invalid="ignore"):  # a zero vector (stop words only) is sumy's to rank
        _summarizer(algorithm, language)(document, take_all)
    n = len(flat)
    scores = np.zeros(n)
    for rank, info in enumerate(ranked):
        scores[info.order] = (n - rank) / n
    return scores
