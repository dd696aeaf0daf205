"""Article-text extraction benchmark: our HTML ingest against trafilatura (and readability-lxml) on real pages.

Usage:
    python benchmarks/extraction.py build GITDIR_OR_CHECKOUT   # once: write benchmarks/data/extraction/
    python benchmarks/extraction.py run [--only NAME ...] [--json FILE] [--show-empty]

The dev set is github:scrapinghub/article-extraction-benchmark (MIT): 181 real article pages
(`html/*.html.gz`) with their hand-checked `articleBody` (`ground-truth.json`). `build` reads them from a bare
git directory (via `git show`) or a checkout and writes each page, decompressed, as
`benchmarks/data/extraction/html/KEY.html` plus `ground-truth.json` (git-ignored; never committed).

`run` extracts every page with every extractor in the same process, page by page in turn (so each sees the
same machine load), and scores each as the benchmark's evaluate.py does: the text is cut into `\\w+` tokens,
tokens into overlapping 4-token shingles; per page tp/fp/fn are the shingle-count overlaps normalised to sum
to 1; precision is the mean over pages with a prediction, recall the mean over pages with a truth, and F1 is
the harmonic mean of those two means. The scorer here is our own code written from that description.

Extractors:
    ours                 `load_documents([page.html], Options())`, the code path of `briefing build page.html`
    trafilatura          `trafilatura.extract(bytes)` with default settings
    trafilatura_recall   the same with `favor_recall=True`
    readability          readability-lxml `Document(bytes).summary()`, as text (when it is installed)

Time is per page of each extractor's call (file read and decoding included for ours): CPU time of this process
(`time.process_time`, steady on a shared machine) and wall time. The first page of each extractor is left out of
the medians (imports and one-off set-up) and reported as "first page" (wall).
"""
from __future__ import annotations

import argparse
import gzip
import json
import logging
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data" / "extraction"
_TOKEN = re.compile(r"\w+")


# --- data -----------------------------------------------------------------------------------------


def build(source: Path) -> None:
    """Write the benchmark's pages (decompressed) and ground truth into DATA."""
    bare = not (source / "ground-truth.json").exists()

    def read(path: str) -> bytes:
        """One file of the source, from the bare git directory or the checkout."""
        if bare:
            return subprocess.run(["git", f"--git-dir={source}", "show", f"HEAD:{path}"], check=True,
                                  capture_output=True).stdout
        return (source / path).read_bytes()

    truth = json.loads(read("ground-truth.json"))
    (DATA / "html").mkdir(parents=True, exist_ok=True)
    for key in truth:
        (DATA / "html" / f"{key}.html").write_bytes(gzip.decompress(read(f"html/{key}.html.gz")))
    (DATA / "ground-truth.json").write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"wrote {len(truth)} pages and ground-truth.json to {DATA}")


# --- scoring --------------------------------------------------------------------------------------


def shingles(text: str, n: int = 4) -> Counter[tuple[str, ...]]:
    """Counts of the text's overlapping n-token shingles (a text shorter than n is one shingle)."""
    tokens = _TOKEN.findall(text or "")
    if len(tokens) < n:
        return Counter([tuple(tokens)] if tokens else [])
    return Counter(tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1))


def page_counts(truth: str, pred: str) -> tuple[float, float, float]:
    """(tp, fp, fn) of one page over shingles, normalised to sum to 1 so that long pages weigh no more."""
    want, got = shingles(truth), shingles(pred)
    tp = float(sum((want & got).values()))
    fp = float(sum((got - want).values()))
    fn = float(sum((want - got).values()))
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def score(counts: list[tuple[float, float, float]]) -> dict[str, float]:
    """Precision (mean over pages with a prediction), recall (mean over pages with a truth) and their F1."""
    def ratio(a: float, b: float, other: float) -> float:
        """a / (a + b), 1.0 when nothing was wrong, 0.0 when nothing was right."""
        if b == other == 0:
            return 1.0
        return a / (a + b) if a + b else 0.0

    precision = statistics.mean([ratio(tp, fp, fn) for tp, fp, fn in counts if tp + fp > 0] or [0.0])
    recall = statistics.mean([ratio(tp, fn, fp) for tp, fp, fn in counts if tp + fn > 0] or [0.0])
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


# --- extractors -----------------------------------------------------------------------------------


def _ours() -> Callable[[Path], str]:
    """Our ingest on the saved page file."""
    from briefing import Options
    from briefing.errors import NoInputError
    from briefing.sources.ingest import load_documents

    options = Options()

    def extract(path: Path) -> str:
        """The text of the page's document ('' when ingest finds none)."""
        try:
            return "\n\n".join(doc.text for doc in load_documents([str(path)], options))
        except NoInputError:
            return ""

    return extract


def _trafilatura(**settings: bool) -> Callable[[Path], str]:
    """trafilatura.extract on the page's bytes with the given settings."""
    import trafilatura

    return lambda path: trafilatura.extract(path.read_bytes(), **settings) or ""


def _readability() -> Callable[[Path], str]:
    """readability-lxml's summary of the page, as text."""
    from lxml.html import fromstring
    from readability import Document

    def extract(path: Path) -> str:
        """The summary's text, one paragraph per block."""
        summary = Document(path.read_bytes()).summary(html_partial=True)
        return "\n\n".join(" ".join(p.text_content().split()) for p in fromstring(summary).iter("p", "h2", "li"))

    return extract


EXTRACTORS: dict[str, Callable[[], Callable[[Path], str]]] = {
    "ours": _ours,
    "trafilatura": lambda: _trafilatura(),
    "trafilatura_recall": lambda: _trafilatura(favor_recall=True),
    "readability": _readability,
}


def run(names: list[str], json_path: Path | None, show_empty: bool) -> None:
    """Extract every page with every extractor, then print the score and time table."""
    truth = json.loads((DATA / "ground-truth.json").read_text(encoding="utf-8"))
    extractors: dict[str, Callable[[Path], str]] = {}
    for name in names:
        try:
            extractors[name] = EXTRACTORS[name]()
        except ImportError as exc:
            print(f"{name}: not installed ({exc}); left out", file=sys.stderr)
    counts: dict[str, list[tuple[float, float, float]]] = {name: [] for name in extractors}
    seconds: dict[str, list[float]] = {name: [] for name in extractors}
    cpu: dict[str, list[float]] = {name: [] for name in extractors}
    empty: dict[str, list[str]] = {name: [] for name in extractors}
    for key, item in truth.items():
        path = DATA / "html" / f"{key}.html"
        for name, extract in extractors.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            text = extract(path)
            seconds[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
            counts[name].append(page_counts(item.get("articleBody", ""), text))
            if not text.strip():
                empty[name].append(key)
    rows = {}
    print(f"{len(truth)} pages\n")
    print("| extractor | precision | recall | F1 | pages with no text | median CPU ms/page | median wall ms/page "
          "| mean wall ms/page | first page ms |")
    print("|---|---|---|---|---|---|---|---|---|")
    for name in extractors:
        metrics = score(counts[name])
        warm = seconds[name][1:] or seconds[name]
        rows[name] = {**metrics, "empty": len(empty[name]), "cpu_ms": 1000 * statistics.median(cpu[name][1:] or cpu[name]),
                      "median_ms": 1000 * statistics.median(warm),
                      "mean_ms": 1000 * statistics.mean(warm), "first_ms": 1000 * seconds[name][0]}
        r = rows[name]
        print(f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | {r['empty']} | "
              f"{r['cpu_ms']:.1f} | {r['median_ms']:.1f} | {r['mean_ms']:.1f} | {r['first_ms']:.0f} |")
    if "ours" in extractors and "trafilatura" in extractors:
        lost = sorted(set(empty["ours"]) - set(empty["trafilatura"]))
        print(f"\npages empty for ours but not for trafilatura default: {len(lost)}")
        if show_empty:
            for key in lost:
                print("  ", key, truth[key].get("url"))
    if json_path:
        json_path.write_text(json.dumps({"rows": rows, "per_page": counts}, indent=1), encoding="utf-8")


def main() -> None:
    """Command line: build or run."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser("build", help="write the dev set into benchmarks/data/extraction/")
    build_cmd.add_argument("source", type=Path, help="bare git directory or checkout of article-extraction-benchmark")
    run_cmd = commands.add_parser("run", help="score every extractor")
    run_cmd.add_argument("--only", nargs="+", choices=sorted(EXTRACTORS), default=list(EXTRACTORS))
    run_cmd.add_argument("--json", type=Path, help="also write the rows and per-page counts here")
    run_cmd.add_argument("--show-empty", action="store_true", help="list the pages only we leave empty")
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)  # our per-page warnings would drown the table
    if args.command == "build":
        build(args.source)
    else:
        run(args.only, args.json, args.show_empty)


if __name__ == "__main__":
    main()
