"""Scale benchmark: time and peak memory of whole `briefing build` processes on firehose days.

Usage:
    python benchmarks/bench_scale.py [--sizes 10000,20000,50000,100000] [--flood 10000]
        [--bbc benchmarks/data/bbc_fulltext.jsonl] [--baseline-src DIR] [--timeout 900] [--json OUT.json]

Each day is written by benchmarks/firehose.py (seed 1, shards of 10,000 articles) into benchmarks/data/
(git-ignored), then built as one process, start-up included:

    python -m briefing build DIR --words 250 --format json --output - --quiet --date 2024-03-18

Wall time is measured around the process, CPU time (user + system) and peak resident memory come from
os.wait4 (the largest of the process and its workers, as ru_maxrss reports the biggest child). The BBC
runs (the first 300 and all 2,225 articles, round-robin across topics as in bench_speed.py) are also
run with the source tree given by --baseline-src (e.g. a `git archive` of main), for comparison.
A run past --timeout is stopped and reported as such.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
sys.path.insert(0, str(HERE))

from bench_speed import interleaved_documents  # noqa: E402
from firehose import base_articles, day, flood, write  # noqa: E402


def measure(inputs: list[str], source_tree: Path | None, timeout: float) -> dict[str, object]:
    """One `briefing build` process: wall seconds, CPU seconds, peak RSS in MB, exit status, items."""
    env = dict(os.environ)
    if source_tree is not None:
        env["PYTHONPATH"] = str(source_tree)
    # Run from a neutral directory: `python -m` puts the working directory first on sys.path, which would
    # shadow --baseline-src with the checkout the benchmark is started from.
    command = [sys.executable, "-m", "briefing", "build", *(str(Path(i).resolve()) for i in inputs), "--words", "250", "--format", "json",
               "--output", "-", "--quiet", "--date", "2024-03-18"]
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                               cwd=tempfile.gettempdir())
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        return {"seconds": None, "note": f"stopped after {timeout:.0f} s"}
    seconds = time.perf_counter() - start
    usage = _children_usage()
    result: dict[str, object] = {"seconds": round(seconds, 1), "cpu": round(usage[0], 1), "peak_mb": round(usage[1])}
    if process.returncode != 0:
        result["note"] = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {process.returncode}"]
        return result
    briefing = json.loads(out)
    items = [i for s in briefing["sections"] for i in s["items"]]
    result["items"] = len(items)
    result["documents"] = len(briefing["documents"])
    result["top_outlets"] = [i.get("outlets", len(i["sources"])) for i in briefing["sections"][0]["items"]] if items else []
    return result


_last_usage = [0.0, 0.0]


def _children_usage() -> tuple[float, float]:
    """CPU seconds and peak RSS (MB) of the children waited for since the last call."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = usage.ru_utime + usage.ru_stime
    delta = cpu - _last_usage[0]
    _last_usage[0] = cpu
    return delta, usage.ru_maxrss / 1024


def main() -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,20000,50000,100000", help="articles per day, comma-separated")
    parser.add_argument("--flood", type=int, default=10_000, help="copies of one story (0: skip)")
    parser.add_argument("--bbc", type=Path, default=Path(__file__).resolve().parent / "data" / "bbc_fulltext.jsonl", help="BBC clusters")
    parser.add_argument("--multinews", type=Path, default=Path(__file__).resolve().parent / "data" / "multinews_val250.jsonl",
                        help="Multi-News clusters")
    parser.add_argument("--baseline-src", type=Path, default=None, help="source tree of the baseline (main)")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds before a run is stopped")
    parser.add_argument("--json", type=Path, default=None, help="also save the results here")
    args = parser.parse_args()
    # ru_maxrss of RUSAGE_CHILDREN is the largest child so far: run each measurement in its own process.
    if os.environ.get("_BENCH_SCALE_ONE"):
        spec = json.loads(os.environ["_BENCH_SCALE_ONE"])
        tree = Path(spec["tree"]) if spec["tree"] else None
        print(json.dumps(measure(spec["inputs"], tree, args.timeout)))
        return
    base = base_articles([args.bbc, args.multinews])
    runs: list[tuple[str, list[str], Path | None]] = []
    for size in [int(s) for s in args.sizes.split(",") if s]:
        folder = DATA / f"firehose-{size}"
        if not folder.exists():
            write(day(base, size, 1, 0.3), folder, 10_000)
        runs.append((f"{size:,} articles", [str(folder)], None))
    if args.flood:
        folder = DATA / f"flood-{args.flood}"
        if not folder.exists():
            write(flood(base, args.flood, 1), folder, 10_000)
        runs.append((f"flood: {args.flood:,} copies", [str(folder)], None))
    bbc = interleaved_documents(args.bbc)
    for size in (300, len(bbc)):
        path = DATA / f"bbc-{size}.jsonl"
        if not path.exists():
            DATA.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in bbc[:size]), encoding="utf-8")
        runs.append((f"BBC {size:,}", [str(path)], None))
        if args.baseline_src is not None:
            runs.append((f"BBC {size:,} (baseline)", [str(path)], args.baseline_src))
    results = []
    print("| run | wall s | CPU s | peak MB | items | documents after collapse | outlets of the first story's items |")
    print("|---|---|---|---|---|---|---|")
    for name, inputs, tree in runs:
        spec = json.dumps({"inputs": inputs, "tree": str(tree) if tree else None})
        child = subprocess.run([sys.executable, __file__, "--timeout", str(args.timeout)], capture_output=True,
                               env={**os.environ, "_BENCH_SCALE_ONE": spec}, check=False)
        result = json.loads(child.stdout) if child.returncode == 0 else {"note": child.stderr.decode()[-200:]}
        results.append({"run": name, **result})
        print(f"| {name} | {result.get('seconds')} | {result.get('cpu')} | {result.get('peak_mb')} | "
              f"{result.get('items')} | {result.get('documents')} | {result.get('top_outlets')} {result.get('note', '')}|",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
