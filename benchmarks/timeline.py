"""A daily reader with memory, on Timeline17 dev topics: does the history pick each day's news?

Each topic's days are briefed in date order with one history per topic, as `briefing build DAY.jsonl
--words 60 --date DAY --history H` would on each morning: in-process, through the same workflow functions
as the CLI (`workflow.read_and_build` reads the day's JSONL and the history, `workflow.deliver_and_record`
records the items and what the day's articles said). Every day is briefed (the history sees them all);
the days with human timeline entries are scored: ROUGE-1/2 recall x 100, Porter stemming, the briefing
truncated to the budget, against that day's entries joined into one reference.

Three runs per topic, in the same run of this script:
- `history`: as above;
- `no-history`: the same days, each briefed alone (`--no-history`);
- `lead`: `--algorithm lead --no-history`, the articles' openings.

    python benchmarks/timeline.py benchmarks/data/timeline17_dev.jsonl [--words 60] [--topics bpoil,MJ] [--jobs 2]
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

RUNS = ("history", "no-history", "lead")


def brief_topic(job: tuple[str, list[dict[str, Any]], int, tuple[str, ...]]) -> dict[str, list[tuple[float, float]]]:
    """Brief one topic's days in order for each run; (R-1, R-2) recall of each day with references."""
    from rouge_score import rouge_scorer

    from briefing.errors import NoInputError
    from briefing.workflow import deliver_and_record, read_and_build, resolve_settings

    logging.disable(logging.WARNING)  # raw page text warns of long documents on many days
    topic, days, words, runs = job
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2"], use_stemmer=True)
    scores: dict[str, list[tuple[float, float]]] = {run: [] for run in runs}
    with tempfile.TemporaryDirectory(prefix=f"timeline-{topic}-") as tmp:
        folder = Path(tmp)
        for day in days:
            if not day["documents"]:
                continue
            source = folder / f"{day['date']}.jsonl"
            source.write_text("".join(json.dumps(d) + "\n" for d in day["documents"]), encoding="utf-8")
            for run in runs:
                overrides: dict[str, Any] = {"words": words, "date": day["date"], "quiet": True, "title": topic}
                if run == "history":
                    overrides["history"] = str(folder / "history.sqlite")
                else:
                    overrides["use_history"] = False
                if run == "lead":
                    overrides["algorithm"] = "lead"
                settings = resolve_settings([str(source)], None, overrides, cwd=folder)
                try:
                    _, briefing = read_and_build(settings)
                except NoInputError:  # nothing briefable (or all said before): an empty briefing
                    summary = ""
                else:
                    deliver_and_record(settings, briefing, lambda: None)  # the history records it
                    summary = " ".join(" ".join(item.text for item in briefing.items).split()[:words])
                if day["references"]:
                    result = scorer.score(" ".join(day["references"]), summary)
                    scores[run].append((result["rouge1"].recall, result["rouge2"].recall))
    return scores


def main() -> int:
    """Brief every dev topic in the three runs and print per-topic and mean ROUGE recall."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("days", help="timeline17_dev.jsonl")
    parser.add_argument("--words", type=int, default=60)
    parser.add_argument("--topics", help="comma-separated topics (default: all in the file)")
    parser.add_argument("--runs", default=",".join(RUNS), help="comma-separated runs (default: all three)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (topics run in parallel)")
    args = parser.parse_args()
    by_topic: dict[str, list[dict[str, Any]]] = defaultdict(list)
    with open(args.days, encoding="utf-8") as handle:
        for line in handle:
            day = json.loads(line)
            by_topic[day["topic"]].append(day)
    wanted = args.topics.split(",") if args.topics else sorted(by_topic)
    runs = tuple(run for run in args.runs.split(",") if run)
    if not set(runs) <= set(RUNS):
        parser.error(f"--runs: choose among {', '.join(RUNS)}")
    jobs = [(topic, sorted(by_topic[topic], key=lambda d: d["date"]), args.words, runs) for topic in wanted]
    jobs.sort(key=lambda job: -sum(len(d["documents"]) for d in job[1]))  # the biggest topic starts first
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = dict(zip([job[0] for job in jobs], pool.map(brief_topic, jobs)))
    print(f"Timeline17 dev, {args.words} words, ROUGE recall x 100 (R-1 / R-2), days with references")
    print()
    print("| run | " + " | ".join(f"{t} ({len(results[t][runs[0]])} days)" for t in wanted) + " | mean of days | mean of topics |")
    print("|---|" + "---|" * (len(wanted) + 2))
    for run in runs:
        cells = []
        every: list[tuple[float, float]] = []
        per_topic: list[tuple[float, float]] = []
        for topic in wanted:
            rows = results[topic][run]
            every.extend(rows)
            mean = (sum(r[0] for r in rows) / len(rows), sum(r[1] for r in rows) / len(rows))
            per_topic.append(mean)
            cells.append(f"{100 * mean[0]:.2f} / {100 * mean[1]:.2f}")
        day_mean = (sum(r[0] for r in every) / len(every), sum(r[1] for r in every) / len(every))
        topic_mean = (sum(m[0] for m in per_topic) / len(per_topic), sum(m[1] for m in per_topic) / len(per_topic))
        cells.append(f"{100 * day_mean[0]:.2f} / {100 * day_mean[1]:.2f}")
        cells.append(f"{100 * topic_mean[0]:.2f} / {100 * topic_mean[1]:.2f}")
        print(f"| {run} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
