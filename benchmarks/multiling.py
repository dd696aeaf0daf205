"""MultiLing 2011 dev: ROUGE recall per language for ours and the baselines, one table.

Usage: python benchmarks/multiling.py [--dir DIR] [--words N] [--tokenizer auto|rouge|unicode] [--json FILE]

Runs `briefing eval` (`briefing.evaluate.evaluate_file`) on DIR/clusters-{ar,cs,el,en,fr,he,hi}.jsonl
(default benchmarks/data/multiling, built by ../shared/eval/build_multiling.py: the 5 dev topics only) with
the systems ours, lead (every article's first sentence, then second, ...), lexrank (sumy, the language's
Snowball stemmer) and lead-first (the first article's opening), and prints R-1 / R-2 recall × 100 per
language and their mean. With "auto", English is scored by rouge-score's tokenizer and the other languages
by the Unicode one; "unicode" scores English the same way as the others.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefing.evaluate import evaluate_file  # noqa: E402

LANGUAGES = ("ar", "cs", "el", "en", "fr", "he", "hi")
SYSTEMS = ("ours", "lead", "lexrank", "lead-first")
DEFAULT_DIR = REPO / "benchmarks" / "data" / "multiling"


def main(argv: list[str] | None = None) -> int:
    """Score every language file and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of clusters-LANG.jsonl files")
    parser.add_argument("--words", type=int, default=250)
    parser.add_argument("--tokenizer", default="auto", choices=("auto", "rouge", "unicode"))
    parser.add_argument("--json", type=Path, help="also save every language's full table here")
    args = parser.parse_args(argv)

    tables = {}
    for language in LANGUAGES:
        path = args.dir / f"clusters-{language}.jsonl"
        if not path.exists():
            print(f"{path} not found: build it with ../shared/eval/build_multiling.py", file=sys.stderr)
            return 1
        tables[language] = evaluate_file(path, words=args.words, systems=SYSTEMS, tokenizer=args.tokenizer)
    print(f"MultiLing dev, {args.words} words, R-1 / R-2 recall × 100 (tokenizer: {args.tokenizer}; "
          + ", ".join(f"{lang} {next(iter(t['languages'].values()))['tokenizer']}" for lang, t in tables.items())
          + ")\n")
    print("| system | " + " | ".join(LANGUAGES) + " | mean |")
    print("|---|" + "---|" * (len(LANGUAGES) + 1))
    for system in SYSTEMS:
        cells, r1, r2 = [], 0.0, 0.0
        for language in LANGUAGES:
            scores = tables[language]["scores"][system]
            cells.append(f"{scores['rouge1']['recall']:.2f} / {scores['rouge2']['recall']:.2f}")
            r1 += scores["rouge1"]["recall"] / len(LANGUAGES)
            r2 += scores["rouge2"]["recall"] / len(LANGUAGES)
        print(f"| {system} | " + " | ".join(cells) + f" | {r1:.2f} / {r2:.2f} |")
    if args.json:
        args.json.write_text(json.dumps(tables, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
