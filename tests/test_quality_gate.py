"""Ranking-quality floor: ROUGE recall of our summaries on tests/data/clusters.jsonl must not drop.

tests/data/clusters.jsonl holds eight small news clusters (invented events, three articles each, with one or
two editor-style reference summaries) written for this test. It is far too small to measure quality; it only
catches regressions in CI, which has no development data. Quality itself is measured on Multi-News with
benchmarks/eval_gate.py (see benchmarks/RESULTS.md).

When ranking improves, raise the floor explicitly and commit it with the change:

    python -m pytest tests/test_quality_gate.py --update-floor

(`--update-floor` is registered in tests/conftest.py.) It refuses to lower any value: a drop must be fixed, or
the floor edited by hand with the reason in the commit message.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from briefing.evaluate import evaluate_file

DATA = Path(__file__).resolve().parent / "data" / "clusters.jsonl"
FLOOR = Path(__file__).resolve().parent / "quality_floor.json"
WORDS = 60
SYSTEMS = ["ours", "lead", "lexrank", "random"]
GATED = ("rouge1", "rouge2")  # recall × 100 of "ours"
EPSILON = 0.01  # float noise across platforms and library versions, not a tolerated regression


def current_scores(table: dict[str, Any]) -> dict[str, float]:
    """Our recall per gated metric, rounded to two decimals as stored in the floor file."""
    return {metric: round(table["scores"]["ours"][metric]["recall"], 2) for metric in GATED}


def raised_floor(old: dict[str, float], new: dict[str, float]) -> dict[str, float]:
    """The floor after an update: each value may rise; a real drop raises ValueError naming the metric.

    A value below the floor by no more than EPSILON is noise: the old floor is kept.
    """
    dropped = [f"{m} recall {new[m]:.2f} < floor {old[m]:.2f}" for m in old if m in new and new[m] < old[m] - EPSILON]
    if dropped:
        raise ValueError("refusing to lower the quality floor: " + "; ".join(dropped))
    return {m: max(old.get(m, new[m]), new[m]) for m in new}


@pytest.fixture(scope="module")
def table() -> dict[str, Any]:
    """The evaluation of every system on the test clusters (computed once, ~1–2 s)."""
    return evaluate_file(DATA, words=WORDS, systems=SYSTEMS)


def test_ours_stays_at_or_above_the_floor(table: dict[str, Any], request: pytest.FixtureRequest) -> None:
    assert table["clusters"] == 8
    stored = json.loads(FLOOR.read_text(encoding="utf-8")) if FLOOR.is_file() else {"words": WORDS, "recall": {}}
    assert stored["words"] == WORDS
    new = current_scores(table)
    if request.config.getoption("--update-floor"):
        try:
            floor = raised_floor(stored["recall"], new)
        except ValueError as exc:
            pytest.fail(str(exc))
        FLOOR.write_text(json.dumps({"words": WORDS, "recall": floor}, indent=2) + "\n", encoding="utf-8")
        pytest.skip(f"wrote {FLOOR.name}: {floor}")
    assert set(stored["recall"]) == set(GATED), f"{FLOOR} is incomplete: run pytest --update-floor"
    for metric in GATED:
        assert new[metric] >= stored["recall"][metric] - EPSILON, (
            f"{metric} recall of ours fell to {new[metric]:.2f}, below the floor {stored['recall'][metric]:.2f}")


def test_ours_beats_random(table: dict[str, Any]) -> None:
    ours, random = table["scores"]["ours"], table["scores"]["random"]
    for metric in GATED:
        assert ours[metric]["recall"] > random[metric]["recall"], metric


def test_floor_update_raises_values_and_ignores_noise() -> None:
    old = {"rouge1": 55.0, "rouge2": 30.0}
    assert raised_floor(old, {"rouge1": 56.2, "rouge2": 29.995}) == {"rouge1": 56.2, "rouge2": 30.0}
    assert raised_floor({}, {"rouge1": 55.0, "rouge2": 30.0}) == {"rouge1": 55.0, "rouge2": 30.0}


def test_floor_update_refuses_to_lower_and_names_the_metric() -> None:
    with pytest.raises(ValueError, match=r"refusing to lower the quality floor: rouge2 recall 29\.50 < floor 30\.00$"):
        raised_floor({"rouge1": 55.0, "rouge2": 30.0}, {"rouge1": 55.5, "rouge2": 29.5})
