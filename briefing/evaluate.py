"""`briefing eval`: ROUGE of our briefings and of classic baselines against human reference summaries.

Every system sees the same sentences (our splitter) and the same budget; every summary is truncated to the
budget; scores (rouge-score) are averaged over a cluster's references, then over clusters, per language.

Tokenizers: "rouge" is rouge-score's own (lower case, `[a-z0-9]` only, Porter stemming): English numbers stay
comparable with published ones, but it cannot read other scripts. "unicode" reads every script: NFKC,
casefold, Unicode punctuation and symbols to spaces, whitespace split; Japanese and Chinese by characters;
the language's Snowball stemmer (Porter for English). "auto" (the default) uses "rouge" for English clusters
and "unicode" for the others.
"""
from __future__ import annotations

import json
import random
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import BriefingError, InputError, NoInputError
from .models import Document, Sentence
from .options import ALGORITHMS, Options
from .summarize.pipeline import build_briefing, split_documents
from .text.languages import detect_language, normalize_tag, primary, stemmer

DEFAULT_SYSTEMS = ("ours", "ours-nostories", "ours+query", "lead", "lexrank", "textrank", "lsa", "random")
# The first article's opening, in order (the "lead" system takes every article's first sentence, then second, ...).
FIRST_LEAD = "lead-first"
# Our rows: the default build (stories on), the same with --no-stories, and with each cluster's query.
OURS = {"ours": {}, "ours-nostories": {"stories": False}, "ours+query": {"query": True},
        "ours-nostories+query": {"stories": False, "query": True}}
METRICS = ("rouge1", "rouge2", "rougeL")
TOKENIZERS = ("auto", "rouge", "unicode")


def read_clusters(path: str | Path, limit: int | None = None
                  ) -> Iterator[tuple[str, list[Document], list[str], str | None]]:
    """Yield (id, documents, references, query) per line of an evaluation file (format in shared/eval/README.md).

    The query is the cluster's topic title and narrative joined ("TITLE. NARRATIVE"), or None. A document's
    language is its own `language`, else the cluster's, else detected.
    """
    yielded = 0
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if limit is not None and yielded >= limit:
                return
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not all(isinstance(d["text"], str) for d in data["docs"]):
                    raise TypeError("every document needs a string 'text'")
                for key in ("title", "source", "date", "language"):  # the same rule as a JSONL input's (ingest)
                    if not all(isinstance(d.get(key), (str, type(None))) for d in data["docs"]):
                        raise TypeError(f"a document's '{key}' must be a string or null")
                if not isinstance(data.get("refs", []), list) or not all(isinstance(r, str) for r in data.get("refs", [])):
                    raise TypeError("'refs' must be a list of strings")
                docs = [
                    Document(id=str(d.get("id") or f"{number}-{k}"), text=d["text"], title=d.get("title"),
                             source=d.get("source"), date=d.get("date"),
                             language=normalize_tag(d.get("language") or data.get("language")))
                    for k, d in enumerate(data["docs"])
                ]
                refs = [str(r) for r in data.get("refs", [])]
                query = _query_text(data.get("query"))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise InputError(f"{path}:{number}: not an evaluation cluster ({exc})") from None
            yielded += 1
            yield str(data.get("id", number)), docs, refs, query


def _query_text(query: Any) -> str | None:
    """A cluster's query as one text: {"title", "narrative"} joined, or a plain string."""
    if isinstance(query, dict):
        parts = [str(query.get(k) or "").strip().rstrip(".") for k in ("title", "narrative")]
        text = ". ".join(p for p in parts if p)
        return text + "." if text else None
    return str(query) if query else None


def system_summary(system: str, documents: Sequence[Document], sentences: Sequence[Sentence], words: int, seed: int = 0,
                   query: str | None = None) -> list[str]:
    """The sentences a system picks for one cluster, in its order."""
    from .summarize.rank import rank_sentences

    if not sentences:
        return []
    options = Options(words=words, stories=False, quiet=True, date="2000-01-01")
    if system in OURS:
        variant = OURS[system]
        options = options.replace(stories=variant.get("stories", True), query=query if variant.get("query") else None)
        # Like every baseline, ours may run past the budget with its last sentence; the summary is then truncated.
        try:
            return [i.text for i in build_briefing(documents, options, overflow=True).items]
        except NoInputError:
            return []
    if system == "random":
        order = list(range(len(sentences)))
        random.Random(seed).shuffle(order)
    elif system == FIRST_LEAD:
        first = min(s.doc_position for s in sentences)
        order = [i for i, s in enumerate(sentences) if s.doc_position == first]
    else:
        scores = rank_sentences(sentences, options.replace(algorithm=system))
        order = sorted(range(len(sentences)), key=lambda i: -scores[i])
    picked, total = [], 0
    for i in order:  # baselines: rating order until the budget, as in shared/eval/BASELINES.md
        picked.append(sentences[i].text)
        total += len(sentences[i].text.split())
        if total >= words:
            break
    return picked


def truncate(texts: Sequence[str], words: int) -> str:
    """The summary as one text cut to `words` words."""
    return " ".join(" ".join(texts).split()[:words])


class UnicodeTokenizer:
    """rouge-score's tokenizer interface (`tokenize(text) -> list[str]`) for any script.

    NFKC, casefold, every Unicode punctuation mark and symbol to a space, whitespace split; Han and kana
    one token per character (ROUGE-2 then counts character bigrams); each word stemmed by the language's
    Snowball stemmer, Porter for English (as rouge-score does, words of more than 3 letters).

    >>> UnicodeTokenizer("fr").tokenize("L’Élysée a «confirmé» les réformes.")
    ['l', 'élys', 'a', 'confirm', 'les', 'réform']
    >>> UnicodeTokenizer("ja").tokenize("東京、2024年。")
    ['東', '京', '2024', '年']
    """

    def __init__(self, language: str | None = "en") -> None:
        self.code = primary(language)
        self._stem = _porter() if self.code == "en" else stemmer(self.code)

    def tokenize(self, text: str) -> list[str]:
        """The tokens of `text`."""
        text = unicodedata.normalize("NFKC", text).casefold()
        text = "".join(" " if unicodedata.category(c)[0] in "PS" else c for c in text)
        if self.code in ("ja", "zh"):
            text = _HAN_KANA.sub(r" \g<0> ", text)
        words = text.split()
        if self._stem is None:
            return words
        stem = self._stem
        return [stem(w) if len(w) > 3 and not _HAN_KANA.match(w) else w for w in words]


# Han ideographs, hiragana, katakana (and their half-width forms, the iteration mark and the prolonged sound mark).
_HAN_KANA = re.compile("[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\u3005]")


def _porter() -> Callable[[str], str]:
    """rouge-score's Porter stemmer (the one its own tokenizer uses)."""
    # rouge-score's dependency; its own tokenizer stems with this
    from nltk.stem.porter import PorterStemmer  # type: ignore[import-untyped]

    stem: Callable[[str], str] = PorterStemmer().stem
    return stem


def cluster_language(documents: Sequence[Document], refs: Sequence[str]) -> str:
    """A cluster's language: the one most of its documents declare, else detected from its references."""
    declared = [primary(d.language) for d in documents if d.language]
    if declared:
        return max(sorted(set(declared)), key=declared.count)
    return primary(detect_language(" ".join(refs)))


def scorer_for(language: str, tokenizer: str = "auto") -> Any:
    """A rouge-score scorer for clusters in `language` with the chosen tokenizer ("auto", "rouge" or "unicode")."""
    from rouge_score import rouge_scorer

    if tokenizer not in TOKENIZERS:
        raise BriefingError(f"unknown tokenizer {tokenizer!r}: choose from {', '.join(TOKENIZERS)}")
    if tokenizer == "rouge" or (tokenizer == "auto" and language == "en"):
        return rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    return rouge_scorer.RougeScorer(list(METRICS), tokenizer=UnicodeTokenizer(language))


def evaluate_file(
    path: str | Path,
    words: int = 250,
    systems: Sequence[str] | None = None,
    limit: int | None = None,
    progress: bool = False,
    tokenizer: str = "auto",
) -> dict[str, Any]:
    """Score `systems` on every cluster of `path`.

    Args:
        tokenizer: "auto" (rouge-score's own for English, the Unicode one otherwise), "rouge" or "unicode".
    Returns:
        {"words": N, "clusters": K, "scores": {system: {"rouge1": {"recall": .., "f1": ..}, ...}},
         "languages": {code: {"clusters": k, "tokenizer": "rouge"|"unicode", "scores": {...}}}}, values × 100.
    """
    systems = tuple(systems or DEFAULT_SYSTEMS)
    known = (*OURS, "random", FIRST_LEAD, *ALGORITHMS)
    for system in systems:
        if system not in known or system == "graph":
            raise BriefingError(f"unknown system {system!r}: choose from {', '.join(k for k in known if k != 'graph')}")
    if tokenizer not in TOKENIZERS:
        raise BriefingError(f"unknown tokenizer {tokenizer!r}: choose from {', '.join(TOKENIZERS)}")
    clusters = list(read_clusters(path, limit))
    if not any(query for *_, query in clusters):  # no cluster has a query: the query rows would repeat others
        systems = tuple(s for s in systems if not s.endswith("+query"))
    totals: dict[str, dict[str, dict[str, list[float]]]] = {}  # language -> system -> metric -> [recall, f1]
    counts: dict[str, int] = {}
    scorers: dict[str, Any] = {}
    for index, (_, documents, refs, query) in enumerate(_progress(clusters, progress)):
        if not refs:
            continue
        language = cluster_language(documents, refs)
        scorer = scorers.get(language) or scorers.setdefault(language, scorer_for(language, tokenizer))
        table = totals.setdefault(language, {s: {m: [0.0, 0.0] for m in METRICS} for s in systems})
        sentences = split_documents(documents)
        for system in systems:
            summary = truncate(system_summary(system, documents, sentences, words, seed=index, query=query), words)
            per_ref = [scorer.score(ref, summary) for ref in refs]
            for metric in METRICS:
                table[system][metric][0] += sum(s[metric].recall for s in per_ref) / len(refs)
                table[system][metric][1] += sum(s[metric].fmeasure for s in per_ref) / len(refs)
        counts[language] = counts.get(language, 0) + 1
    scored = sum(counts.values())
    if not scored:
        raise InputError(f"{path}: no cluster with reference summaries")

    def mean(sums: dict[str, dict[str, list[float]]], n: int) -> dict[str, Any]:
        return {s: {m: {"recall": 100 * r / n, "f1": 100 * f / n} for m, (r, f) in metrics.items()}
                for s, metrics in sums.items()}

    overall = {s: {m: [sum(totals[lang][s][m][k] for lang in totals) for k in (0, 1)] for m in METRICS}
               for s in systems}
    languages = {
        lang: {"clusters": counts[lang], "scores": mean(totals[lang], counts[lang]),
               "tokenizer": "rouge" if tokenizer == "rouge" or (tokenizer == "auto" and lang == "en") else "unicode"}
        for lang in sorted(totals)
    }
    return {"words": words, "clusters": scored, "scores": mean(overall, scored), "languages": languages}


def _progress(items: list[Any], show: bool) -> Iterator[Any]:
    """Iterate with a progress bar on stderr when asked and stderr is a terminal."""
    if not show:
        yield from items
        return
    from rich.console import Console
    from rich.progress import track

    yield from track(items, description="scoring", console=Console(stderr=True), transient=True)


def format_table(table: dict[str, Any]) -> str:
    """A Markdown table: recall / F1 × 100 per metric; one per language when the clusters have several."""
    languages = table.get("languages") or {}
    parts = [(None, table["clusters"], table["scores"], None)]
    if len(languages) > 1:
        parts += [(lang, row["clusters"], row["scores"], row["tokenizer"]) for lang, row in languages.items()]
    elif languages:
        (lang, row), = languages.items()
        parts = [(lang, row["clusters"], row["scores"], row["tokenizer"])]
    blocks = []
    for language, clusters, scores, tokenizer in parts:
        where = f" in {language}, {tokenizer} tokenizer" if language else ", all languages"
        lines = [
            f"ROUGE at {table['words']} words over {clusters} clusters{where} (recall / F1 × 100)",
            "",
            "| system | ROUGE-1 | ROUGE-2 | ROUGE-L |",
            "|---|---|---|---|",
        ]
        for system, metrics in scores.items():
            cells = [f"{metrics[m]['recall']:.2f} / {metrics[m]['f1']:.2f}" for m in METRICS]
            lines.append(f"| {system} | " + " | ".join(cells) + " |")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def save_table(table: dict[str, Any], path: str | Path) -> None:
    """Write the table as JSON (atomically)."""
    from .atomic import write_atomic

    write_atomic(path, json.dumps(table, indent=2) + "\n")
