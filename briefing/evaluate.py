"""`briefing eval`: ROUGE of our briefings and of classic baselines against human reference summaries.

Every system sees the same sentences (our splitter) and the same budget; every summary is truncated to the
budget; scores (rouge-score, Porter stemming) are averaged over a cluster's references, then over clusters.
"""
from __future__ import annotations

import json
import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .errors import BriefingError, InputError, NoInputError
from .models import Document, Sentence
from .options import ALGORITHMS, Options
from .summarize.pipeline import build_briefing, split_documents

DEFAULT_SYSTEMS = ("ours", "ours-nostories", "ours+query", "lead", "lexrank", "textrank", "lsa", "random")
# Our rows: the default build (stories on), the same with --no-stories, and with each cluster's query.
OURS = {"ours": {}, "ours-nostories": {"stories": False}, "ours+query": {"query": True},
        "ours-nostories+query": {"stories": False, "query": True}}
METRICS = ("rouge1", "rouge2", "rougeL")


def read_clusters(path: str | Path, limit: int | None = None
                  ) -> Iterator[tuple[str, list[Document], list[str], str | None]]:
    """Yield (id, documents, references, query) per line of an evaluation file (format in shared/eval/README.md).

    The query is the cluster's topic title and narrative joined ("TITLE. NARRATIVE"), or None.
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
                if not isinstance(data.get("refs", []), list) or not all(isinstance(r, str) for r in data.get("refs", [])):
                    raise TypeError("'refs' must be a list of strings")
                docs = [
                    Document(id=str(d.get("id") or f"{number}-{k}"), text=d["text"], title=d.get("title"),
                             source=d.get("source"), date=d.get("date"))
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


def evaluate_file(
    path: str | Path,
    words: int = 250,
    systems: Sequence[str] | None = None,
    limit: int | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Score `systems` on every cluster of `path`.

    Returns:
        {"words": N, "clusters": K, "scores": {system: {"rouge1": {"recall": .., "f1": ..}, ...}}} with values × 100.
    """
    from rouge_score import rouge_scorer

    systems = tuple(systems or DEFAULT_SYSTEMS)
    known = (*OURS, "random", *ALGORITHMS)
    for system in systems:
        if system not in known or system == "graph":
            raise BriefingError(f"unknown system {system!r}: choose from {', '.join(k for k in known if k != 'graph')}")
    scorer = rouge_scorer.RougeScorer(list(METRICS), use_stemmer=True)
    totals = {s: {m: [0.0, 0.0] for m in METRICS} for s in systems}
    clusters = list(read_clusters(path, limit))
    if not any(query for *_, query in clusters):  # no cluster has a query: the query rows would repeat others
        systems = tuple(s for s in systems if not s.endswith("+query"))
        totals = {s: totals[s] for s in systems}
    scored = 0
    for index, (_, documents, refs, query) in enumerate(_progress(clusters, progress)):
        if not refs:
            continue
        sentences = split_documents(documents)
        for system in systems:
            summary = truncate(system_summary(system, documents, sentences, words, seed=index, query=query), words)
            per_ref = [scorer.score(ref, summary) for ref in refs]
            for metric in METRICS:
                totals[system][metric][0] += sum(s[metric].recall for s in per_ref) / len(refs)
                totals[system][metric][1] += sum(s[metric].fmeasure for s in per_ref) / len(refs)
        scored += 1
    if not scored:
        raise InputError(f"{path}: no cluster with reference summaries")
    table = {
        s: {m: {"recall": 100 * r / scored, "f1": 100 * f / scored} for m, (r, f) in metrics.items()}
        for s, metrics in totals.items()
    }
    return {"words": words, "clusters": scored, "scores": table}


def _progress(items: list[Any], show: bool) -> Iterator[Any]:
    """Iterate with a progress bar on stderr when asked and stderr is a terminal."""
    if not show:
        yield from items
        return
    from rich.console import Console
    from rich.progress import track

    yield from track(items, description="scoring", console=Console(stderr=True), transient=True)


def format_table(table: dict[str, Any]) -> str:
    """A Markdown table: recall / F1 × 100 per metric."""
    lines = [
        f"ROUGE at {table['words']} words over {table['clusters']} clusters (recall / F1 × 100)",
        "",
        "| system | ROUGE-1 | ROUGE-2 | ROUGE-L |",
        "|---|---|---|---|",
    ]
    for system, metrics in table["scores"].items():
        cells = [f"{metrics[m]['recall']:.2f} / {metrics[m]['f1']:.2f}" for m in METRICS]
        lines.append(f"| {system} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def save_table(table: dict[str, Any], path: str | Path) -> None:
    """Write the table as JSON (atomically)."""
    from .atomic import write_atomic

    write_atomic(path, json.dumps(table, indent=2) + "\n")
