"""ROUGE evaluation against reference summaries (briefing/evaluate.py) and `briefing eval`."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from briefing.cli import app
from briefing.errors import InputError
from briefing.evaluate import DEFAULT_SYSTEMS, METRICS, evaluate_file, format_table, read_clusters, truncate

# Every first sentence has exactly ten words, so at 20 words the lead baseline picks the first
# sentences of the first two articles: exactly the reference written for each cluster.
CLUSTERS: list[dict[str, list[str]]] = [
    {"a": ["Heavy rain flooded the old town of Paris on Monday.",
           "Firefighters rescued forty residents from flooded basements near the river.",
           "The city council will meet to discuss emergency funding."],
     "b": ["The Seine rose two metres above its normal level overnight.",
           "Schools in three districts stayed closed as a precaution.",
           "Insurers expect claims to run into the millions of euros."]},
    {"a": ["The central bank raised its main rate by a quarter.",
           "Markets had expected the move after months of strong inflation.",
           "Mortgage lenders will pass the higher rate on to borrowers."],
     "b": ["Bond yields climbed sharply after the decision was announced today.",
           "The currency gained against the dollar in afternoon trading.",
           "Economists expect one more increase before the end of summer."],
     "c": ["Retailers warned that higher borrowing costs would hurt holiday sales.",
           "Shoppers have already cut back on furniture and electronics.",
           "Some chains plan discounts to keep customers coming through doors."]},
    {"a": ["Voters in the northern region elected a new governor yesterday.",
           "Turnout reached its highest level in two decades, officials reported.",
           "The governor promised to repair roads and rural bridges quickly."],
     "b": ["The losing candidate conceded defeat shortly after midnight on Sunday.",
           "Her campaign had focused on schools and hospital waiting lists.",
           "Both parties will now negotiate over the regional budget."]},
]
WORDS = 20


def _reference(docs: dict[str, list[str]]) -> str:
    """The first sentences of the first two articles."""
    texts = list(docs.values())
    return f"{texts[0][0]} {texts[1][0]}"


def _line(number: int, docs: dict[str, list[str]], refs: list[str] | None = None) -> str:
    """One cluster as a JSONL line (paragraphs are separated by a blank line)."""
    return json.dumps({
        "id": f"c{number}",
        "docs": [{"id": doc_id, "title": None, "text": "\n\n".join(texts), "date": "2024-03-18", "source": f"S{doc_id}"}
                 for doc_id, texts in docs.items()],
        "refs": [_reference(docs)] if refs is None else refs,
    })


@pytest.fixture
def clusters_file(tmp_path: Path) -> Path:
    """Three small clusters with references written for them."""
    path = tmp_path / "clusters.jsonl"
    path.write_text("\n".join(_line(n, docs) for n, docs in enumerate(CLUSTERS)) + "\n", encoding="utf-8")
    return path


def test_first_sentences_have_ten_words() -> None:
    # Guards the premise of the lead-equals-reference test below.
    assert all(len(texts[0].split()) == 10 for docs in CLUSTERS for texts in docs.values())


def test_read_clusters(clusters_file: Path) -> None:
    clusters = list(read_clusters(clusters_file))
    assert [c[0] for c in clusters] == ["c0", "c1", "c2"]
    _, docs, refs, query = clusters[1]
    assert [d.id for d in docs] == ["a", "b", "c"] and docs[1].source == "Sb"
    assert refs == [_reference(CLUSTERS[1])] and query is None
    assert len(list(read_clusters(clusters_file, limit=2))) == 2


def test_every_system_scores_between_0_and_100_and_lead_matching_the_reference_wins(clusters_file: Path) -> None:
    table = evaluate_file(clusters_file, words=WORDS)
    assert table["words"] == WORDS and table["clusters"] == 3
    # No cluster has a query, so the +query rows (which would repeat the others) are left out.
    assert list(table["scores"]) == [s for s in DEFAULT_SYSTEMS if not s.endswith("+query")]
    for system, metrics in table["scores"].items():
        assert set(metrics) == set(METRICS)
        for metric in METRICS:
            for kind in ("recall", "f1"):
                assert 0.0 <= metrics[metric][kind] <= 100.0, (system, metric, kind)
    lead, random = table["scores"]["lead"], table["scores"]["random"]
    # The lead summary is the reference, word for word.
    for metric in METRICS:
        assert lead[metric]["f1"] == pytest.approx(100.0)
    assert lead["rouge1"]["f1"] > random["rouge1"]["f1"]
    assert lead["rouge2"]["f1"] > random["rouge2"]["f1"]


def test_a_cluster_query_is_read_and_scored_in_its_own_row(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    data = json.loads(_line(0, CLUSTERS[0]))
    data["query"] = {"title": "Rates", "narrative": "Describe the rate decision."}
    path.write_text(json.dumps(data) + "\n", encoding="utf-8")
    [(_, _, _, query)] = list(read_clusters(path))
    assert query == "Rates. Describe the rate decision."
    table = evaluate_file(path, WORDS, ["ours", "ours+query", "ours-nostories"])
    assert list(table["scores"]) == ["ours", "ours+query", "ours-nostories"]


def test_evaluation_is_deterministic(clusters_file: Path) -> None:
    systems = ["ours", "random"]
    assert evaluate_file(clusters_file, WORDS, systems) == evaluate_file(clusters_file, WORDS, systems)


def test_clusters_without_references_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(_line(0, CLUSTERS[0], refs=[]) + "\n" + _line(1, CLUSTERS[1]) + "\n", encoding="utf-8")
    assert evaluate_file(path, WORDS, ["lead"])["clusters"] == 1
    path.write_text(_line(0, CLUSTERS[0], refs=[]) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match="no cluster with reference summaries"):
        evaluate_file(path, WORDS, ["lead"])


@pytest.mark.parametrize("line", ["not json", "[1, 2]", '{"id": "x"}', '{"id": "x", "docs": "abc"}',
                                  '{"id": "x", "docs": [{"id": "a"}]}'])
def test_malformed_clusters_are_input_errors(tmp_path: Path, line: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(_line(0, CLUSTERS[0]) + "\n" + line + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad\.jsonl:2: not an evaluation cluster"):
        list(read_clusters(path))


@pytest.mark.parametrize("text", ["null", "42"])
def test_non_string_text_is_an_input_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"id": "x", "docs": [{"id": "a", "text": %s}], "refs": ["A ref."]}\n' % text, encoding="utf-8")
    with pytest.raises(InputError, match="not an evaluation cluster"):
        evaluate_file(path, WORDS, ["lead"])


def test_refs_must_be_a_list(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    docs = [{"id": "a", "text": "The council approved the new city budget on Monday evening."}]
    path.write_text(json.dumps({"id": "x", "docs": docs, "refs": "The council approved the budget."}) + "\n",
                    encoding="utf-8")
    with pytest.raises(InputError, match="not an evaluation cluster"):
        list(read_clusters(path))


def test_limit_counts_clusters_not_lines(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text("\n" + _line(0, CLUSTERS[0]) + "\n\n" + _line(1, CLUSTERS[1]) + "\n", encoding="utf-8")
    assert len(list(read_clusters(path, limit=2))) == 2


def test_truncate_cuts_to_the_budget() -> None:
    assert truncate(["One two three.", "Four  five\nsix."], 4) == "One two three. Four"
    assert truncate([], 5) == ""


def test_format_table_lists_every_system() -> None:
    table: dict[str, Any] = {"words": 20, "clusters": 1, "scores": {
        "ours": {m: {"recall": 12.345, "f1": 6.7} for m in METRICS},
        "lead": {m: {"recall": 1.0, "f1": 2.0} for m in METRICS}}}
    text = format_table(table)
    assert "ROUGE at 20 words over 1 clusters" in text
    assert "| ours | 12.35 / 6.70 | 12.35 / 6.70 | 12.35 / 6.70 |" in text
    assert "| lead | 1.00 / 2.00 |" in text


def test_cli_eval_prints_the_table_and_writes_json(clusters_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = CliRunner().invoke(app, ["eval", str(clusters_file), "--words", "50", "--json", str(out), "--limit", "2"])
    assert result.exit_code == 0, result.output
    assert "ROUGE at 50 words over 2 clusters" in result.stdout
    expected = [s for s in DEFAULT_SYSTEMS if not s.endswith("+query")]  # these clusters have no query
    for system in expected:
        assert f"| {system} |" in result.stdout
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["words"] == 50 and saved["clusters"] == 2
    assert set(saved["scores"]) == set(expected)


def test_cli_eval_malformed_file_is_one_error_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text("{not json\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(path), "--words", "50", "--quiet"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {path}:1: not an evaluation cluster (")
    assert result.stdout == ""


def test_cli_eval_unknown_system_is_one_error_line(clusters_file: Path) -> None:
    result = CliRunner().invoke(app, ["eval", str(clusters_file), "--system", "bogus", "--quiet"])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: unknown system 'bogus'")


def test_eval_warnings_print_once_escaped_and_never_when_quiet(tmp_path: Path) -> None:
    """rouge-score logs through absl, whose first message calls `logging.basicConfig()` when the root logger
    has no handler (as in a real `briefing eval` process, unlike under pytest): our warnings then also went
    to that root handler, a second time, with their control characters raw, and even under --quiet."""
    import subprocess
    import sys

    note = "Starting in 1996, Alexa Internet has been donating their crawl data to the Internet Archive."
    docs = [{"id": name, "text": " ".join(sentences)} for name, sentences in CLUSTERS[0].items()]
    docs.append({"id": "note\x1b[2J", "text": note})
    path = tmp_path / "clusters.jsonl"
    path.write_text(json.dumps({"id": "c", "docs": docs, "refs": ["Heavy rain flooded the old town of Paris."]}) + "\n",
                    encoding="utf-8")

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "briefing", "eval", str(path), "--words", "50",
                               "--system", "ours", *extra], capture_output=True, text=True, timeout=300)

    loud = run()
    assert loud.returncode == 0, loud.stderr
    assert loud.stderr.count("page furniture") == 1, loud.stderr
    assert "note\\x1b[2J" in loud.stderr and "\x1b" not in loud.stderr
    quiet = run("--quiet")
    assert quiet.returncode == 0 and quiet.stderr == ""


@pytest.mark.parametrize("field", ['"source": [1]', '"title": {"a": 1}', '"date": 7', '"language": 5'])
def test_a_document_with_non_string_metadata_is_one_error_line(tmp_path: Path, field: str) -> None:
    """Red team 8: `"source": [1]` in a cluster's document was a TypeError traceback deep in the pipeline
    (unhashable type: 'list'); the other fields went through as numbers. Now the file's line is named."""
    path = tmp_path / "bad.jsonl"
    text = "The council approved the new city budget on Monday evening after a long debate."
    path.write_text('{"id": "x", "docs": [{"id": "a", "text": "%s", %s}], "refs": ["A ref."]}\n' % (text, field),
                    encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(path), "--words", "50", "--quiet"])
    assert result.exit_code == 1 and not isinstance(result.exception, TypeError), result.exception
    assert result.stderr.startswith(f"Error: {path}:1: not an evaluation cluster (") and result.stderr.count("\n") == 1
