"""Speed benchmark: `briefing build` vs sumy's LexRank on the same BBC articles, and our scaling series.

Usage:
    python benchmarks/bench_speed.py BBC_CLUSTERS.jsonl [--sizes 100,300,1000,2225] [--words 250]
                                     [--sumy-timeout 900] [--sumy-max 300] [--runs 3] [--no-one-graph]

BBC_CLUSTERS.jsonl is the BBC full-text corpus in the clusters format (shared/eval/README.md); build it
with `python3 ../shared/eval/build_bbc.py GITDIR OUT.jsonl`. For each size N the first N articles, taken
round-robin across the five topic clusters (so every size mixes topics), are written as a document JSONL
into benchmarks/data/ (git-ignored). Both sides then run as whole processes on that file, start-up
included, one after the other in the same run:

    ours: briefing build FILE --words W --format json --output - --quiet
    sumy: python benchmarks/sumy_baseline.py FILE --words W     (pySBD sentences, LexRank)
    one graph: ours with Options(stories=False), one ranking over all sentences (the top-k graph path)

Wall time is measured around each process; peak memory is the child's max RSS from os.wait4. sumy is
skipped above --sumy-max articles or when it runs past --sumy-timeout; its time is then extrapolated
quadratically in the number of sentences from the largest size it finished.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"


@dataclass(frozen=True)
class Run:
    """One measured process: wall seconds, CPU seconds (user + system), peak resident memory."""

    seconds: float
    cpu: float
    peak_mb: float
    ok: bool
    note: str = ""


def interleaved_documents(clusters_path: Path) -> list[dict[str, object]]:
    """All articles of the clusters file in round-robin order: cluster 1's first, cluster 2's first, ..."""
    clusters = []
    with open(clusters_path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                clusters.append(json.loads(line)["docs"])
    docs: list[dict[str, object]] = []
    for k in range(max(len(c) for c in clusters)):
        for cluster in clusters:
            if k < len(cluster):
                d = cluster[k]
                docs.append({"id": d["id"], "text": d["text"], "title": d.get("title"), "url": None,
                             "source": d.get("source"), "date": d.get("date")})
    return docs


def write_sample(docs: Sequence[dict[str, object]], n: int) -> Path:
    """The first `n` documents as benchmarks/data/bbc-N.jsonl (document JSONL, see DESIGN.md)."""
    DATA.mkdir(exist_ok=True)
    path = DATA / f"bbc-{n}.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for d in docs[:n]:
            handle.write(json.dumps(d, ensure_ascii=False) + "\n")
    return path


def count_sentences(docs: Sequence[dict[str, object]]) -> int:
    """Sentences in `docs` by our splitter (only to report input size and extrapolate sumy)."""
    sys.path.insert(0, str(HERE.parent))
    from briefing.text.sentences import split_sentences

    return sum(len(split_sentences(str(d["text"]))) for d in docs)


def measure(command: Sequence[str], timeout: float | None = None) -> Run:
    """Run one process to completion (stdout/stderr to files in benchmarks/data/); its time and peak RSS.

    The child is reaped with os.wait4, so the resource usage is its own (not the sum of all children).
    """
    DATA.mkdir(exist_ok=True)
    with open(DATA / "last.out", "wb") as out, open(DATA / "last.err", "wb") as err:
        start = time.perf_counter()
        pid = subprocess.Popen(list(command), stdout=out, stderr=err, stdin=subprocess.DEVNULL).pid
        deadline = None if timeout is None else start + timeout
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if deadline is not None and time.perf_counter() > deadline:
                os.kill(pid, signal.SIGKILL)
                _, _, usage = os.wait4(pid, 0)
                return Run(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                           False, "timeout")
            time.sleep(0.005)
        seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    note = "" if code == 0 else f"exit {code}: {(DATA / 'last.err').read_text(errors='replace').strip()[-300:]}"
    # ru_maxrss is in kilobytes on Linux.
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code == 0, note)


def briefing_command(path: Path, words: int) -> list[str]:
    """`briefing build` as a user runs it (the console script next to this Python, else `python -m briefing`)."""
    script = Path(sys.executable).with_name("briefing")
    head = [str(script)] if script.exists() else [sys.executable, "-m", "briefing"]
    return head + ["build", str(path), "--words", str(words), "--format", "json", "--output", "-", "--quiet"]


def sumy_command(path: Path, words: int) -> list[str]:
    """The sumy LexRank baseline on the same file and budget."""
    return [sys.executable, str(HERE / "sumy_baseline.py"), str(path), "--words", str(words)]


def one_graph_command(path: Path, words: int) -> list[str]:
    """Ours with story grouping off: one similarity graph over every sentence (the top-k path above EXACT_LIMIT)."""
    code = (
        f"import sys; sys.path.insert(0, {str(HERE.parent)!r}); "
        "from briefing.sources.ingest import load_documents; from briefing.options import Options; "
        "from briefing.summarize.pipeline import build_briefing; from briefing.outputs.render import render_briefing; "
        "o = Options(words=int(sys.argv[2]), stories=False); "
        "print(render_briefing(build_briefing(load_documents([sys.argv[1]], o), o), 'json'))"
    )
    return [sys.executable, "-c", code, str(path), str(words)]


def median_run(runs: Sequence[Run]) -> Run:
    """The run with the median wall time (failures win: they must be seen)."""
    failed = [r for r in runs if not r.ok]
    if failed:
        return failed[0]
    ordered = sorted(runs, key=lambda r: r.seconds)
    return ordered[len(ordered) // 2]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison and the scaling series; print a Markdown report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="BBC clusters JSONL (build: python3 ../shared/eval/build_bbc.py GITDIR OUT.jsonl)")
    parser.add_argument("--sizes", default="100,300,1000,2225", help="article counts (default 100,300,1000,2225)")
    parser.add_argument("--words", type=int, default=250, help="word budget (default 250)")
    parser.add_argument("--runs", type=int, default=3, help="runs of ours per size; the median is reported (default 3)")
    parser.add_argument("--sumy-max", type=int, default=300, help="largest size sumy is run on (default 300)")
    parser.add_argument("--sumy-timeout", type=float, default=900.0, help="seconds before sumy is stopped (default 900)")
    parser.add_argument("--no-one-graph", action="store_true", help="skip the stories-off series (one graph over all)")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        parser.error(f"{args.data}: no such file; build it with python3 ../shared/eval/build_bbc.py GITDIR OUT.jsonl")

    docs = interleaved_documents(args.data)
    sizes = [min(int(s), len(docs)) for s in args.sizes.split(",")]
    rows = []
    sumy_ref: tuple[int, Run] | None = None  # (sentences, run) of the largest size sumy finished
    for n in sizes:
        path = write_sample(docs, n)
        sentences = count_sentences(docs[:n])
        ours = median_run([measure(briefing_command(path, args.words)) for _ in range(args.runs)])
        whole = None if args.no_one_graph else measure(one_graph_command(path, args.words))
        sumy: Run | None = None
        if n <= args.sumy_max:
            sumy = measure(sumy_command(path, args.words), args.sumy_timeout)
            if sumy.ok:
                sumy_ref = (sentences, sumy)
        print(f"  {n} articles: ours {ours.seconds:.2f} s" + (f", sumy {sumy.seconds:.1f} s" if sumy else ""),
              file=sys.stderr, flush=True)
        rows.append((n, sentences, ours, sumy, whole))
    print(report(rows, sumy_ref, args))
    return 0 if all(r[2].ok and (r[4] is None or r[4].ok) for r in rows) else 1


def report(rows: list[tuple[int, int, Run, Run | None, Run | None]], sumy_ref: tuple[int, Run] | None, args: argparse.Namespace) -> str:
    """The Markdown tables: ours vs sumy per size, then the scaling of ours."""
    lines = [
        f"Budget {args.words} words; ours = median of {args.runs} runs; times are whole processes (start-up included).",
        "",
        "| articles | sentences | ours wall s | ours CPU s | ours peak MB | sumy LexRank wall s | sumy CPU s | sumy peak MB | speed-up (wall) | speed-up (CPU) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for n, sentences, ours, sumy, _ in rows:
        cells = [str(n), str(sentences), _t(ours), f"{ours.cpu:.2f}", f"{ours.peak_mb:.0f}"]
        if sumy is not None and sumy.ok:
            cells += [f"{sumy.seconds:.1f}", f"{sumy.cpu:.1f}", f"{sumy.peak_mb:.0f}",
                      f"{sumy.seconds / ours.seconds:.0f}×", f"{sumy.cpu / ours.cpu:.0f}×"]
        else:
            why = f"timeout (> {args.sumy_timeout:g} s" if sumy is not None else "skipped (quadratic"
            guess = ""
            if sumy_ref is not None:
                ref_sentences, ref = sumy_ref
                estimate = ref.seconds * (sentences / ref_sentences) ** 2
                guess = f"; extrapolated ≈ {estimate:,.0f} s"
                ratio = f"≈ {estimate / ours.seconds:,.0f}×"
            else:
                ratio = "–"
            cells += [f"{why}{guess})", "–", "–", ratio, "–"]
        lines.append("| " + " | ".join(cells) + " |")
    base = next((row for row in rows if row[0] == 300), None)
    if base is not None:
        lines += ["", "Scaling against the 300-article run (ours = default build with stories; one graph = stories off, "
                  "a single similarity graph over all sentences):", "",
                  "| articles | input × | ours wall × | ours CPU × | ours peak MB | one graph wall s | one graph CPU s "
                  "| one graph CPU × | one graph peak MB |", "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for n, _, ours, _, whole in rows:
            cells = [str(n), f"{n / base[0]:.2f}", f"{ours.seconds / base[2].seconds:.2f}", f"{ours.cpu / base[2].cpu:.2f}",
                     f"{ours.peak_mb:.0f}"]
            if whole is not None and whole.ok and base[4] is not None and base[4].ok:
                cells += [f"{whole.seconds:.2f}", f"{whole.cpu:.2f}", f"{whole.cpu / base[4].cpu:.2f}", f"{whole.peak_mb:.0f}"]
            else:
                cells += ["–"] * 4
            lines.append("| " + " | ".join(cells) + " |")
    failures = [(n, r.note) for n, _, ours, sumy, whole in rows for r in (ours, sumy, whole) if r is not None and not r.ok]
    for n, note in failures:
        lines.append(f"\n{n} articles: {note}")
    return "\n".join(lines)


def _t(run: Run) -> str:
    """Wall seconds, or the failure."""
    return f"{run.seconds:.2f}" if run.ok else f"failed ({run.note})"


if __name__ == "__main__":
    sys.exit(main())
