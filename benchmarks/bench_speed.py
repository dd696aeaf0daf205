"""Speed benchmark: whole `briefing` processes on BBC articles, against an older build and sumy's LexRank.

Usage:
    python benchmarks/bench_speed.py BBC_CLUSTERS.jsonl [--sizes 10,300,2225] [--runs 5] [--words 250]
        [--baseline-src DIR] [--sumy-max 300] [--sumy-timeout 900] [--no-help] [--from-source]

BBC_CLUSTERS.jsonl is the BBC full-text corpus in the clusters format (shared/eval/README.md; build it with
`python3 ../shared/eval/build_bbc.py GITDIR OUT.jsonl`). For each size N the first N articles, taken
round-robin across the five topic clusters (so every size mixes topics), are written as a document JSONL
into a fresh temporary folder. Every command runs there (a neutral folder: no briefing.toml, and the
checkout does not shadow --baseline-src on sys.path), as a whole process, start-up included:

    ours:     PYTHONPATH=<this checkout> python -m briefing build FILE --words W --format json --output - --quiet
    baseline: the same with PYTHONPATH=<--baseline-src>, a source tree of an older build, e.g.
              `git archive 85a3da9 | tar -x -C /tmp/base85`
    help:     python -m briefing --help, for both builds
    sumy:     python benchmarks/sumy_baseline.py FILE --words W (pySBD sentences, LexRank), once per size

Both builds are byte-compiled first (`compileall` into their __pycache__ folders), as `pip install` leaves a
package: a run then reads bytecode instead of compiling every module from source, which PYTHONDONTWRITEBYTECODE
(set on the dev machines) would otherwise make every process do again. --from-source measures that way instead.
Ours and the baseline alternate run by run, so a change of machine load hits both alike; each is reported
as the median of --runs runs of CPU seconds (user + system, the process and its workers) and of wall
seconds, and the median peak resident memory (the largest of the process and its workers, from os.wait4).
sumy is skipped above --sumy-max articles or stopped past --sumy-timeout; its time is then extrapolated
quadratically in the number of sentences from the largest size it finished.
"""
from __future__ import annotations

import argparse
import compileall
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKOUT = HERE.parent


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


def write_sample(docs: Sequence[dict[str, object]], n: int, folder: Path) -> Path:
    """The first `n` documents as FOLDER/bbc-N.jsonl (document JSONL, see DESIGN.md)."""
    path = folder / f"bbc-{n}.jsonl"
    with open(path, "w", encoding="utf-8") as handle:
        for d in docs[:n]:
            handle.write(json.dumps(d, ensure_ascii=False) + "\n")
    return path


def count_sentences(docs: Sequence[dict[str, object]]) -> int:
    """Sentences in `docs` by our splitter (only to report input size and extrapolate sumy)."""
    sys.path.insert(0, str(CHECKOUT))
    from briefing.text.sentences import split_sentences

    return sum(len(split_sentences(str(d["text"]))) for d in docs)


def measure(command: Sequence[str], folder: Path, source: Path | None = None, timeout: float | None = None) -> Run:
    """Run one process to completion in `folder` (with PYTHONPATH=`source` when given); its time and peak RSS.

    The child is reaped with os.wait4, so the resource usage is its own and its reaped workers', not that
    of other children of this process.
    """
    env = dict(os.environ)
    if source is not None:
        env["PYTHONPATH"] = str(source)
    with open(folder / "last.out", "wb") as out, open(folder / "last.err", "wb") as err:
        start = time.perf_counter()
        pid = subprocess.Popen(list(command), stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=folder, env=env,
                               start_new_session=True).pid
        deadline = None if timeout is None else start + timeout
        while True:
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                break
            if deadline is not None and time.perf_counter() > deadline:
                os.killpg(pid, signal.SIGKILL)
                _, _, usage = os.wait4(pid, 0)
                return Run(time.perf_counter() - start, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
                           False, "timeout")
            time.sleep(0.002)
        seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    note = "" if code == 0 else f"exit {code}: {(folder / 'last.err').read_text(errors='replace').strip()[-300:]}"
    # ru_maxrss is in kilobytes on Linux.
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, code == 0, note)


def build_command(path: Path, words: int) -> list[str]:
    """`briefing build` as a user runs it, through `python -m briefing` so PYTHONPATH picks the build."""
    return [sys.executable, "-m", "briefing", "build", str(path), "--words", str(words), "--format", "json",
            "--output", "-", "--quiet"]


def help_command() -> list[str]:
    """`briefing --help`."""
    return [sys.executable, "-m", "briefing", "--help"]


def sumy_command(path: Path, words: int) -> list[str]:
    """The sumy LexRank baseline on the same file and budget."""
    return [sys.executable, str(HERE / "sumy_baseline.py"), str(path), "--words", str(words)]


def median_run(runs: Sequence[Run]) -> Run:
    """Medians of wall, CPU and peak memory taken one by one (a failure wins: it must be seen)."""
    failed = [r for r in runs if not r.ok]
    if failed:
        return failed[0]
    return Run(statistics.median(r.seconds for r in runs), statistics.median(r.cpu for r in runs),
               statistics.median(r.peak_mb for r in runs), True)


def alternate(commands: Sequence[tuple[list[str], Path | None]], runs: int, folder: Path) -> list[Run]:
    """Each (command, source tree) run `runs` times, taking turns; the median run of each."""
    results: list[list[Run]] = [[] for _ in commands]
    for _ in range(runs):
        for k, (command, source) in enumerate(commands):
            results[k].append(measure(command, folder, source))
    return [median_run(r) for r in results]


@dataclass(frozen=True)
class Row:
    """One line of the report."""

    name: str
    articles: int | None
    ours: Run
    base: Run | None
    sumy: Run | None
    sumy_guess: float | None = None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison; print a Markdown table."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("data", type=Path, help="BBC clusters JSONL (build: python3 ../shared/eval/build_bbc.py GITDIR OUT.jsonl)")
    parser.add_argument("--sizes", default="10,300,2225", help="article counts (default 10,300,2225)")
    parser.add_argument("--words", type=int, default=250, help="word budget (default 250)")
    parser.add_argument("--runs", type=int, default=5, help="runs of ours and of the baseline per row; medians reported (default 5)")
    parser.add_argument("--baseline-src", type=Path, default=None, help="source tree of the build to compare with")
    parser.add_argument("--sumy-max", type=int, default=300, help="largest size sumy is run on (default 300; 0: never)")
    parser.add_argument("--sumy-timeout", type=float, default=900.0, help="seconds before sumy is stopped (default 900)")
    parser.add_argument("--no-help", action="store_true", help="skip the `briefing --help` row")
    parser.add_argument("--from-source", action="store_true",
                        help="do not byte-compile the builds first (each process compiles what it imports)")
    args = parser.parse_args(argv)
    if not args.data.is_file():
        parser.error(f"{args.data}: no such file; build it with python3 ../shared/eval/build_bbc.py GITDIR OUT.jsonl")
    if args.baseline_src is not None and not (args.baseline_src / "briefing" / "__init__.py").is_file():
        parser.error(f"--baseline-src {args.baseline_src}: no briefing/__init__.py there")
    baseline = args.baseline_src.resolve() if args.baseline_src is not None else None

    docs = interleaved_documents(args.data)
    sizes = [min(int(s), len(docs)) for s in args.sizes.split(",") if s]
    rows: list[Row] = []
    with tempfile.TemporaryDirectory(prefix="bench_speed-") as scratch:
        folder = Path(scratch)
        builds = [CHECKOUT] + ([baseline] if baseline else [])
        if not args.from_source:
            for tree in builds:
                compileall.compile_dir(tree / "briefing", quiet=1)
        if not args.no_help:
            runs = alternate([(help_command(), tree) for tree in builds], args.runs, folder)
            rows.append(Row("`briefing --help`", None, runs[0], runs[1] if baseline else None, None))
            _progress(rows[-1])
        sumy_ref: tuple[int, Run] | None = None  # (sentences, run) of the largest size sumy finished
        for n in sizes:
            path = write_sample(docs, n, folder)
            sentences = count_sentences(docs[:n])
            runs = alternate([(build_command(path, args.words), tree) for tree in builds], args.runs, folder)
            sumy: Run | None = None
            if n <= args.sumy_max:
                sumy = measure(sumy_command(path, args.words), folder, timeout=args.sumy_timeout)
                if sumy.ok:
                    sumy_ref = (sentences, sumy)
            guess = None
            if (sumy is None or not sumy.ok) and sumy_ref is not None:
                guess = sumy_ref[1].seconds * (sentences / sumy_ref[0]) ** 2
            rows.append(Row(f"{n:,} articles ({sentences:,} sentences)", n, runs[0], runs[1] if baseline else None,
                            sumy, guess))
            _progress(rows[-1])
    print(report(rows, args))
    return 0 if all(r.ours.ok and (r.base is None or r.base.ok) for r in rows) else 1


def _progress(row: Row) -> None:
    """One line on stderr as each row is done."""
    base = f", baseline CPU {row.base.cpu:.2f} s" if row.base else ""
    print(f"  {row.name}: ours CPU {row.ours.cpu:.2f} s{base}", file=sys.stderr, flush=True)


def report(rows: Sequence[Row], args: argparse.Namespace) -> str:
    """The Markdown table: ours, the baseline and their ratios, then sumy."""
    base_name = f"`{args.baseline_src}`" if args.baseline_src else "none"
    lines = [
        f"Budget {args.words} words; medians of {args.runs} whole-process runs, ours and the baseline taking turns; "
        f"sumy once. Baseline: {base_name}. "
        + ("Modules compiled from source in every run." if args.from_source else "Both builds byte-compiled first."),
        "",
        "| run | ours CPU s | ours wall s | ours peak MB | baseline CPU s | baseline wall s | baseline peak MB "
        "| CPU ours/baseline | sumy LexRank wall s | sumy CPU s | sumy peak MB | ours faster than sumy (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cells = [row.name, *_cells(row.ours)]
        if row.base is not None:
            cells += [*_cells(row.base), f"{row.ours.cpu / row.base.cpu:.2f}" if row.ours.ok and row.base.ok else "–"]
        else:
            cells += ["–"] * 4
        if row.sumy is not None and row.sumy.ok:
            cells += [f"{row.sumy.seconds:.1f}", f"{row.sumy.cpu:.1f}", f"{row.sumy.peak_mb:.0f}",
                      f"{row.sumy.cpu / row.ours.cpu:.0f}×"]
        elif row.articles is not None:
            why = f"stopped after {args.sumy_timeout:g} s" if row.sumy is not None else "not run (quadratic)"
            guess = f"; extrapolated ≈ {row.sumy_guess:,.0f} s" if row.sumy_guess is not None else ""
            cells += [why + guess, "–", "–", "–"]
        else:
            cells += ["–"] * 4
        lines.append("| " + " | ".join(cells) + " |")
    for row in rows:
        for run in (row.ours, row.base, row.sumy):
            if run is not None and not run.ok:
                lines.append(f"\n{row.name}: {run.note}")
    return "\n".join(lines)


def _cells(run: Run) -> list[str]:
    """CPU, wall and peak memory of a run, or its failure."""
    if not run.ok:
        return [f"failed ({run.note[:60]})", "–", "–"]
    return [f"{run.cpu:.2f}", f"{run.seconds:.2f}", f"{run.peak_mb:.0f}"]


if __name__ == "__main__":
    sys.exit(main())
