"""Where one build's time and memory go: CPU seconds and peak RSS of each stage of `build_briefing`.

Usage:
    python benchmarks/profile_stages.py DOCS.jsonl [--words 250]

Imports are timed first (numpy + scipy.sparse, with numpy's developer tools deferred as the CLI defers them;
scipy.sparse.csgraph: used above 2,000 documents; the briefing modules); then each stage function that
`briefing.summarize.pipeline` calls is wrapped to add up its CPU time (`time.process_time`, this process
only: set BRIEFING_WORKERS=1 to count the work of the worker processes) and to report the peak resident memory
after it. One run, caches cold, as in a fresh `briefing build`.
"""
from __future__ import annotations

import argparse
import collections
import functools
import importlib
import resource
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
# The stages of `build_briefing` (indented: the steps inside them), each found in the module that calls it.
STAGES = [("pipeline", "prepare_day"), ("pipeline", "with_languages"), ("pipeline", "collapse_documents"),
          ("pipeline", "split_documents"), ("pipeline", "document_vectors"), ("pipeline", "group_stories"),
          ("pipeline", "rank_day"), ("rankday", "_rank_stories"), ("rankday", "_global_scores"),
          ("pipeline", "weigh_history"), ("pipeline", "choose_items"), ("pipeline", "select_items"),
          ("pipeline", "credit_copies"), ("pipeline", "make_sections")]
_INNER = {"with_languages", "collapse_documents", "split_documents", "document_vectors", "group_stories",
          "_rank_stories", "_global_scores", "select_items", "credit_copies"}


def peak_mb() -> float:
    """This process's peak resident memory so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("docs", type=Path, help="document JSONL (e.g. a sample written by bench_speed.py)")
    parser.add_argument("--words", type=int, default=250)
    args = parser.parse_args()
    lines = []
    start = time.process_time()
    importlib.import_module("briefing.lazyimport").defer_numpy_tools()  # as the CLI does
    importlib.import_module("scipy.sparse")
    lines.append(("import numpy + scipy.sparse", time.process_time() - start, peak_mb()))
    start = time.process_time()
    importlib.import_module("scipy.sparse.csgraph")
    lines.append(("import scipy.sparse.csgraph", time.process_time() - start, peak_mb()))
    start = time.process_time()
    pipeline = importlib.import_module("briefing.summarize.pipeline")
    from briefing.options import Options
    from briefing.outputs.render import render_briefing
    from briefing.sources.ingest import load_documents

    lines.append(("import briefing (pipeline, ingest, render)", time.process_time() - start, peak_mb()))
    spent: collections.Counter[str] = collections.Counter()
    peaks: dict[str, float] = {}

    def timed(name: str, func: Any) -> Any:
        """`func`, adding its CPU time to `spent[name]`."""
        @functools.wraps(func)
        def call(*a: Any, **k: Any) -> Any:
            begin = time.process_time()
            try:
                return func(*a, **k)
            finally:
                spent[name] += time.process_time() - begin
                peaks[name] = peak_mb()
        return call

    for module_name, name in STAGES:
        module = importlib.import_module(f"briefing.summarize.{module_name}")
        if hasattr(module, name):
            setattr(module, name, timed(name, getattr(module, name)))
    options = Options(words=args.words, quiet=True)
    start = time.process_time()
    documents = load_documents([str(args.docs)], options)
    lines.append(("load_documents", time.process_time() - start, peak_mb()))
    start = time.process_time()
    briefing = pipeline.build_briefing(documents, options)
    total = time.process_time() - start
    lines += [(("    " if name in _INNER else "  ") + name, spent[name], peaks[name]) for _, name in STAGES if name in spent]
    lines.append(("build_briefing (all of it)", total, peak_mb()))
    start = time.process_time()
    render_briefing(briefing, "json")
    lines.append(("render json", time.process_time() - start, peak_mb()))
    print(f"{len(documents)} documents\n\n| step | CPU s | peak RSS after, MB |\n|---|---:|---:|")
    for name, cpu, peak in lines:
        print(f"| {name} | {cpu:.3f} | {peak:.0f} |")


if __name__ == "__main__":
    main()
