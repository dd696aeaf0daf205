"""Quality gate on development data: ROUGE recall of ours must not fall below a floor in benchmarks/floors/.

Usage:
    python benchmarks/eval_gate.py DEV.jsonl [--update] [--floor PATH]

DEV.jsonl is a development set built as in ../shared/eval/README.md (multinews_val250.jsonl,
duc2007_main15.jsonl); its floor is benchmarks/floors/<file name without .jsonl>.json. The script runs
`briefing.evaluate.evaluate_file` at 250 and 100 words for ours, the default build (and, when the clusters
have queries, ours+query; lead is printed for context only, not gated) and compares ROUGE-1 and ROUGE-2
recall × 100 with the floor. It exits 1 with one line per metric that dropped by more than TOLERANCE, and 0
otherwise.

`--update` raises the floor to the current numbers and never lowers it: it exits 1, naming the metric, when a
value dropped by more than TOLERANCE (a smaller drop keeps the old value). Lower the floor only by editing the
file by hand, with the reason in the commit message. CI has no development data; the test suite gates a small
hand-written set instead (tests/test_quality_gate.py).
"""
from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FLOORS = HERE / "floors"
BUDGETS = (250, 100)
GATED = ("rouge1", "rouge2")
TOLERANCE = 0.1  # recall × 100; the evaluation is deterministic, so this only absorbs library-version noise

# {"system budget" (e.g. "ours 250"): {metric: recall × 100}}
Scores = dict[str, dict[str, float]]


def measure(path: Path, progress: bool) -> tuple[int, Scores, Scores]:
    """Cluster count, then our gated systems' and lead's recall per budget and metric (two decimals)."""
    from briefing.evaluate import evaluate_file

    clusters, ours, lead = 0, {}, {}
    for words in BUDGETS:
        table = evaluate_file(path, words=words, systems=["ours", "ours+query", "lead"], progress=progress)
        clusters = table["clusters"]
        for system, scores in table["scores"].items():
            row = {m: round(scores[m]["recall"], 2) for m in GATED}
            if system == "lead":
                lead[f"ours {words}"] = lead[f"ours+query {words}"] = row
            else:
                ours[f"{system} {words}"] = row
    return clusters, ours, lead


def drops(floor: Scores, current: Scores) -> list[str]:
    """One message per budget and metric where current is below the floor by more than TOLERANCE."""
    return [
        f"{words} words {metric} recall {current.get(words, {}).get(metric, 0.0):.2f} < floor {value:.2f}"
        for words, metrics in floor.items()
        for metric, value in metrics.items()
        if current.get(words, {}).get(metric, 0.0) < value - TOLERANCE
    ]


def raised(floor: Scores, current: Scores) -> Scores:
    """The floor raised to current wherever current is higher (callers check `drops` first)."""
    return {
        words: {m: max(floor.get(words, {}).get(m, v), v) for m, v in metrics.items()}
        for words, metrics in current.items()
    }


def report(clusters: int, floor: Scores, ours: Scores, lead: Scores) -> str:
    """A Markdown table: floor, ours, the difference and lead per budget and metric."""
    lines = [f"ROUGE recall × 100 over {clusters} clusters", "",
             "| system and budget | metric | floor | now | now − floor | lead |", "|---|---|---|---|---|---|"]
    for words, metrics in ours.items():
        for metric, value in metrics.items():
            old = floor.get(words, {}).get(metric)
            cells = ("–", "–") if old is None else (f"{old:.2f}", f"{value - old:+.2f}")
            lines.append(f"| {words} | {metric} | {cells[0]} | {value:.2f} | {cells[1]} | {lead[words][metric]:.2f} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the gate; the exit status is 0 when ours holds the floor, 1 otherwise."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="evaluation clusters (JSONL), e.g. multinews_val250.jsonl")
    parser.add_argument("--update", action="store_true", help="raise the floor to the current numbers (never lowers)")
    parser.add_argument("--floor", type=Path, help="floor file (default: floors/<data file stem>.json here)")
    args = parser.parse_args(argv)
    args.floor = args.floor or FLOORS / f"{args.data.stem}.json"
    if not args.data.is_file():
        print(f"Error: {args.data} does not exist: build it as in ../shared/eval/README.md", file=sys.stderr)
        return 2
    stored: dict[str, Any] = {}
    if args.floor.is_file():
        stored = json.loads(args.floor.read_text(encoding="utf-8"))
    elif not args.update:
        print(f"Error: {args.floor} does not exist: run with --update to create it", file=sys.stderr)
        return 2
    floor: Scores = stored.get("recall", {})

    clusters, ours, lead = measure(args.data, progress=sys.stderr.isatty())
    print(report(clusters, floor, ours, lead))
    if stored and stored.get("clusters") != clusters:
        # A floor set on another sample says nothing about this one.
        print(f"Error: the floor was set on {stored.get('clusters')} clusters, {args.data} has {clusters}",
              file=sys.stderr)
        return 1
    dropped = drops(floor, ours)
    if dropped:
        verb = "refusing to lower the quality floor" if args.update else "quality dropped below the floor"
        for line in dropped:
            print(f"Error: {verb}: {line} (tolerance {TOLERANCE})", file=sys.stderr)
        return 1
    if args.update:
        stored = {"data": args.data.name, "clusters": clusters, "recall": raised(floor, ours)}
        args.floor.parent.mkdir(parents=True, exist_ok=True)
        args.floor.write_text(json.dumps(stored, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.floor}")
    else:
        print("\nquality gate passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
