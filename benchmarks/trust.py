"""Trust checker: are citations true, items self-contained, lines real sentences, section titles apt?

Usage: python benchmarks/trust.py [FILE.jsonl ...] [--words N] [--limit K] [--show N] [--json OUT]

Runs the default build (`build_briefing` with default `Options`, `--words 250`) on each evaluation file
(default: benchmarks/data/multinews_val250.jsonl and duc2007_main15.jsonl) and checks the briefing's JSON as
a reader would. It deliberately uses none of the project's similarity or tokenising code: its own word
regex, stopword list and crude stemmer (first 6 letters), so a change to our similarity measure cannot
make its own check pass.

Checks (per cluster, pooled over a file):
- supported: a corroborating citation (every source after the first) is supported when the cited text
  (a) really occurs in the cited document (90% of its words are words of that document),
  (b) is a statement: not a question, not a fragment (fewer than 6 words or no end punctuation), not a
      link prompt ("click here", "read more", a URL),
  (c) says the item's fact: it shares at least 3 content words with the item, the shared words are at
      least half of the shorter sentence's content words AND at least a quarter of the longer one's (a
      measure on both sentences, so a short reply naming the same person, or a long sentence about
      something else that mentions the topic, does not count).
- 2+ outlets: items whose sources name two or more different documents (in brackets: those of them with
  at least one supported corroboration).
- dangling: the item opens with a pronoun, a connective or a back-reference ("He", "But", "That",
  "However", "The pair", "The company", ...), after any opening quotes.
- junk: credit/byline lines, captions and photo/video furniture, "click here"/"read more" prompts,
  a date glued to a caption, lists of names, URLs/e-mail addresses, web-archive notices (any mention of
  the Wayback Machine or the Internet Archive, "crawl data": stricter than the briefing's own filter).
- ROUGE-1/2 recall (x 100) of the briefings as built (stories on, strict budget) against the references,
  for comparison with `briefing eval` (which scores selection alone, without stories).
- titles fit: a section title (sections with a title only) is the title of a document the section cites
  (or, when no cited document has a title, the opening words of one of its items) and shares a content
  word with the section's items.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefing import Document, Options, build_briefing  # noqa: E402

DEFAULT_FILES = [Path(__file__).resolve().parent / "data" / "multinews_val250.jsonl", Path(__file__).resolve().parent / "data" / "duc2007_main15.jsonl"]
DATE = "2026-01-01"

_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_STOP = frozenset(
    """a an the and or but nor so yet of in on at to for from by with without about into onto over under after
    before during between against among through since until than then there here this that these those it its
    it's he she they them their his her him we our us you your i me my is are was were be been being am do does
    did done has have had having will would shall should can could may might must not no yes as if when where
    which who whom whose what why how all any some each every both either neither more most much many few other
    another such own same only also just very too said says say saying told tell tells according mr mrs ms dr
    one two new up down out off now still even well back last first year years time times s t""".split()
)
_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"

# First words (or two) that point back to something the reader has not been told.
_DANGLING_WORDS = frozenset(
    """he she they it its it's his her their them him this that these those but and or so yet however also
    still meanwhile moreover furthermore instead nevertheless nonetheless then thus therefore hence besides
    otherwise indeed likewise similarly such both another later afterwards additionally consequently
    regardless anyway plus""".split()
)
_DANGLING_PHRASES = (
    "the pair", "the two", "the three", "the company", "the firm", "the group", "the move", "the decision",
    "the deal", "the latter", "the former", "the same", "the couple", "the film", "the man", "the woman",
    "the suspect", "the incident", "the report", "the study", "the plan", "the bill", "the agency", "the club",
    "in addition", "as a result", "on the other hand", "in contrast", "by contrast", "even so", "despite this",
    "because of this", "after that", "at the same time", "in response", "to that end", "for his part",
    "for her part", "for their part",
)
_JUNK = [
    ("credit", re.compile(r"contributed (?:to )?(?:this|reporting|to the report)|^\(?(?:additional )?(?:reporting|writing|editing) by\b|"
                          r"^(?-i:By [A-Z][a-z]+ [A-Z][a-z]+)\b|\bstaff writer\b|\bfollow (?:him|her|them|us|@)|"
                          r"\bon twitter at\b|\bcan be reached at\b", re.I)),
    ("caption", re.compile(r"\b(?:image|photo|picture|video)(?: credit| caption| copyright)?\s*:|\(\s*(?:AP|Reuters|AFP|Getty)"
                           r"[^)]*(?:photo|images)[^)]*\)|getty images|\bphoto(?:graph)? by\b|\bpictured\b|"
                           r"\bimage caption\b|\bfile photo\b|\(photo\b|\bphoto courtesy\b|\bcredit:|^\W*(?:\([^)]*\)\s*)?in this [^.]{0,40}\bphoto\b,", re.I)),
    ("video", re.compile(r"^(?-i:CLOSE|Replay|Autoplay)\b|^(?:video|watch)\s*:|^watch\b|\bskip in \d|\bnext video\b|"
                         r"\bmedia playback is unsupported\b|\b(?:video|clip) (?:above|below)\b", re.I)),
    ("prompt", re.compile(r"\bclick here\b|\bread (?:more|the full)\b|\bsign up\b|\bsubscribe\b|\bnewsletter\b|"
                          r"\bcontinue reading\b|\bshare this\b|\bcomments? (?:below|section)\b|\bdownload the app\b", re.I)),
    ("dateline glue", re.compile(rf"^(?:{_MONTHS} \d{{1,2}}, \d{{4}}|\d{{1,2}} {_MONTHS} \d{{4}}|\d{{4}}-\d\d-\d\d)\s+[A-Z]")),
    ("address", re.compile(r"https?://|www\.|\b[\w.]+@[\w.]+\.\w+")),
    ("web archive", re.compile(r"\bwayback machine\b|\binternet archive\b|\barchive-it\b|\bcrawls? (?:data|of)\b|\bthese crawls\b", re.I)),
]


def words(text: str) -> list[str]:
    """Lower-cased word tokens."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def stem(word: str) -> str:
    """A crude stem: possessive and one common suffix off, then the first 6 letters."""
    word = word.removesuffix("'s")
    for suffix in ("ings", "ing", "edly", "ed", "es", "s", "ly"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return word[:6]


def content(text: str) -> set[str]:
    """Content words of a text, crudely stemmed (names and numbers kept)."""
    return {stem(w) for w in words(text) if w not in _STOP and (len(w) > 1 or w.isdigit())}


def is_statement(text: str) -> bool:
    """A whole declarative sentence: 6+ words, terminal punctuation other than '?', no link prompt."""
    stripped = text.strip().rstrip("\"'”’)]» ")
    if len(text.split()) < 6 or not stripped or stripped[-1] not in ".!…":
        return False
    return not re.search(r"\bclick here\b|\bread more\b|https?://|www\.|:\s*here\s*[.!]?$", text, re.I)


def in_document(text: str, doc_words: set[str]) -> bool:
    """Whether the cited text is (almost all) made of words of the cited document."""
    tokens = words(text)
    return bool(tokens) and sum(t in doc_words for t in tokens) >= 0.9 * len(tokens)


def supports(item: str, cited: str, doc_words: set[str]) -> bool:
    """Whether a corroborating source's sentence says the item's fact (see the module docstring)."""
    if not in_document(cited, doc_words) or not is_statement(cited):
        return False
    a, b = content(item), content(cited)
    shared = len(a & b)
    small, large = sorted((len(a), len(b)))
    return shared >= 3 and shared >= 0.5 * small and shared >= 0.25 * large


def dangling(text: str) -> bool:
    """Whether the item opens with a pronoun, a connective or a back-reference."""
    lead = text.lstrip("\"'“‘«([ —–-")
    tokens = words(lead[:60])
    if not tokens:
        return False
    if tokens[0] in _DANGLING_WORDS:
        return True
    opening = " ".join(tokens[:4])
    return any(opening == p or opening.startswith(p + " ") for p in _DANGLING_PHRASES)


def junk(text: str) -> str | None:
    """The kind of junk a line is, or None for a real sentence."""
    for kind, pattern in _JUNK:
        if pattern.search(text):
            return kind
    # A list of names or results: many commas and almost only capitalised words.
    tokens = text.split()
    if text.count(",") >= 4 and len(tokens) >= 6:
        capitalised = sum(t[:1].isupper() or t[:1].isdigit() for t in tokens)
        if capitalised >= 0.85 * len(tokens):
            return "name list"
    return None


def title_fits(title: str, items: list[dict[str, Any]], titles_by_doc: dict[str, str | None]) -> bool:
    """Whether a section title is a cited document's title and shares a content word with the items."""
    cited = {src["document"] for item in items for src in item["sources"]}
    if any(titles_by_doc.get(doc) for doc in cited):
        if not any(titles_by_doc.get(doc) == title for doc in cited):
            return False
    elif not any(item["text"].startswith(title.rstrip("…").rstrip()) for item in items):
        return False
    said = set().union(*(content(item["text"]) for item in items))
    return bool(content(title) & said)


def check_cluster(documents: list[Document], data: dict[str, Any], stats: Counter[str], examples: dict[str, list[str]]) -> None:
    """Add one briefing's checks to `stats` (and failing examples to `examples`)."""
    doc_words = {d.id: set(words(d.text)) for d in documents}
    titles = {d.id: d.title for d in documents}
    for section in data["sections"]:
        for item in section["items"]:
            text = item["text"]
            stats["items"] += 1
            if len({src["document"] for src in item["sources"]}) >= 2:
                stats["multi"] += 1
            backed = False
            for src in item["sources"][1:]:
                stats["corroborations"] += 1
                cited = src.get("text") or ""
                if supports(text, cited, doc_words.get(src["document"], set())):
                    stats["supported"] += 1
                    backed = True
                else:
                    examples["unsupported"].append(f"{text}\n      <- {cited}")
            stats["multi_supported"] += backed
            if dangling(text):
                stats["dangling"] += 1
                examples["dangling"].append(text)
            kind = junk(text)
            if kind:
                stats["junk"] += 1
                examples["junk"].append(f"[{kind}] {text}")
        if section["title"] is not None:
            stats["titled"] += 1
            if title_fits(section["title"], section["items"], titles):
                stats["fit"] += 1
            else:
                examples["title"].append(f"{section['title']!r} over {[i['text'][:60] for i in section['items']]}")


def read_file(path: Path, limit: int | None) -> list[tuple[list[Document], list[str]]]:
    """The clusters of an evaluation file as (Documents, reference summaries)."""
    clusters = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            if limit is not None and len(clusters) >= limit:
                break
            data = json.loads(line)
            clusters.append(([
                Document(id=str(d.get("id") or f"{number}-{k}"), text=d["text"], title=d.get("title"),
                         source=d.get("source"), date=d.get("date"))
                for k, d in enumerate(data["docs"])
            ], [str(r) for r in data.get("refs", [])]))
    return clusters


def measure(path: Path, words_budget: int, limit: int | None) -> tuple[Counter[str], dict[str, list[str]]]:
    """Build each cluster's briefing with default options and check it."""
    stats: Counter[str] = Counter()
    examples: dict[str, list[str]] = {"unsupported": [], "dangling": [], "junk": [], "title": []}
    from rouge_score import rouge_scorer

    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    options = Options(words=words_budget, date=DATE, quiet=True)
    for documents, refs in read_file(path, limit):
        briefing = build_briefing(documents, options)
        check_cluster(documents, briefing.to_dict(), stats, examples)
        if refs:  # ROUGE recall of the briefing as built (stories on, strict budget), x 100 x 1000 clusters
            summary = " ".join(" ".join(item.text for item in briefing.items).split()[:words_budget])
            scores = [scorer.score(ref, summary) for ref in refs]
            stats["scored"] += 1
            for metric in ("rouge1", "rouge2"):
                stats[metric] += round(1e5 * sum(s[metric].recall for s in scores) / len(refs))
    return stats, examples


def row(name: str, stats: Counter[str]) -> dict[str, Any]:
    """One table row: the five numbers."""
    pct = lambda a, b: 100.0 * stats[a] / stats[b] if stats[b] else float("nan")  # noqa: E731
    return {
        "file": name,
        "items": stats["items"],
        "supported_pct": pct("supported", "corroborations"),
        "corroborations": stats["corroborations"],
        "multi_outlet_items": stats["multi"],
        "multi_outlet_items_supported": stats["multi_supported"],
        "dangling_pct": pct("dangling", "items"),
        "junk_items": stats["junk"],
        "titles_fit_pct": pct("fit", "titled"),
        "titled_sections": stats["titled"],
        "rouge1_recall": stats["rouge1"] / 1e3 / stats["scored"] if stats["scored"] else float("nan"),
        "rouge2_recall": stats["rouge2"] / 1e3 / stats["scored"] if stats["scored"] else float("nan"),
    }


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", type=Path, default=DEFAULT_FILES)
    parser.add_argument("--words", type=int, default=250, help="word budget (default 250)")
    parser.add_argument("--limit", type=int, default=None, help="only the first K clusters of each file")
    parser.add_argument("--show", type=int, default=0, help="print up to N failing examples per check")
    parser.add_argument("--json", type=Path, default=None, help="also save the table as JSON")
    args = parser.parse_args()
    rows = []
    for path in args.files:
        stats, examples = measure(path, args.words, args.limit)
        rows.append(row(path.name, stats))
        for kind, found in examples.items():
            for text in found[: args.show]:
                print(f"{path.name} {kind}: {text}")
    print(f"\nTrust at {args.words} words, default options\n")
    print("| file | items | corroborating citations supported | items citing 2+ outlets (of them with a supported corroboration) | dangling openings | junk items | titles fit | ROUGE-1 / ROUGE-2 recall |")
    print("|---|---|---|---|---|---|---|---|")
    def titles(r: dict) -> str:
        """How many section titles fit, of how many ("none" when no section has one)."""
        return f"{r['titles_fit_pct']:.1f}% of {r['titled_sections']}" if r["titled_sections"] else "none titled"

    for r in rows:
        print(f"| {r['file']} | {r['items']} | {r['supported_pct']:.1f}% of {r['corroborations']} | {r['multi_outlet_items']} ({r['multi_outlet_items_supported']}) "
              f"| {r['dangling_pct']:.1f}% | {r['junk_items']} | {titles(r)} "
              f"| {r['rouge1_recall']:.2f} / {r['rouge2_recall']:.2f} |")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
