import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

SAMPLE = Path(__file__).resolve().parent.parent / "sample_data" / "eval_sample.jsonl"

TINY = [
    {"id": "a", "title": "Finance Officer", "text": "Process supplier invoices, purchase orders and expense claims.",
     "grade": 5},
    {"id": "b", "title": "Finance Assistant", "text": "Process invoices and expense claims under supervision.",
     "grade": 4},
    {"id": "c", "title": "Research Technician", "text": "Prepare reagents and culture media for the laboratory.",
     "grade": 5},
    {"id": "d", "title": "Laboratory Assistant", "text": "Wash glassware and prepare simple media for the laboratory.",
     "grade": 2},
    {"id": "e", "title": "Head of Finance", "text": "Lead the finance team and set the budget strategy.", "grade": 9},
]


def write_jsonl(path: Path, rows) -> Path:
    path.write_text("".join((row if isinstance(row, str) else json.dumps(row)) + "\n" for row in rows))
    return path


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_eval_prints_one_json_object_with_fractions_and_the_plain_baseline(tmp_path):
    path = write_jsonl(tmp_path / "tiny.jsonl", TINY)
    report = json.loads(run("jd-match-eval", str(path), "--json", "--k", "3"))
    # Since issue 11 item 26 the object also carries the file, the number of grades and the
    # plain baseline's figures.
    assert set(report) == {"file", "n", "grades", "exact", "within_one", "plain_exact", "plain_within_one",
                           "seconds"}
    assert report["file"] == str(path) and report["n"] == 5 and report["grades"] == 4
    assert 0 <= report["exact"] <= report["within_one"] <= 1 and report["seconds"] >= 0
    assert 0 <= report["plain_exact"] <= report["plain_within_one"] <= 1


def test_eval_on_the_sample_file_beats_always_guessing_the_commonest_grade():
    report = json.loads(run("jd-match-eval", str(SAMPLE), "--json"))
    lines = SAMPLE.read_text().splitlines()
    grades = [json.loads(line)["grade"] for line in lines]
    commonest_share = max(grades.count(g) for g in set(grades)) / len(grades)
    assert report["n"] == len(lines) >= 60 and set(grades) == set(range(1, 11))
    assert report["exact"] > 2 * commonest_share


def test_eval_reports_in_plain_words_without_json(tmp_path):
    text = run("jd-match-eval", str(write_jsonl(tmp_path / "tiny.jsonl", TINY)))
    assert "tiny.jsonl: leave-one-out on 5 job descriptions, 4 grades (2–9)" in text and "within one" in text


def test_eval_prints_the_suggestion_beside_the_plain_baseline_for_every_file(tmp_path):
    first = write_jsonl(tmp_path / "first.jsonl", TINY)
    second = write_jsonl(tmp_path / "second.jsonl", [dict(row, grade=row["grade"] - 1) for row in TINY])
    text = run("jd-match-eval", str(first), str(second))
    blocks = text.split(str(second))
    assert len(blocks) == 2 and str(first) in blocks[0]
    for block in blocks:
        assert "suggestion (tfidf, 20 voting)" in block and "plain TF-IDF kNN (k=5)" in block
    assert "beats the plain baseline on both exact and within one grade in" in text and "of 2 files" in text
    lines = run("jd-match-eval", str(first), str(second), "--json").splitlines()
    assert [json.loads(line)["file"] for line in lines] == [str(first), str(second)]


def test_eval_tune_chooses_settings_on_the_other_files(tmp_path):
    first = write_jsonl(tmp_path / "first.jsonl", TINY)
    second = write_jsonl(tmp_path / "second.jsonl", [dict(row, grade=row["grade"] - 1) for row in TINY])
    text = run("jd-match-eval", "--tune", str(first), str(second))
    assert "Leave-one-set-out over 2 files" in text and "Chosen on all files:" in text
    assert "first.jsonl" in text and "second.jsonl" in text


def test_eval_tune_needs_two_files(tmp_path):
    with pytest.raises(CommandError, match="--tune needs at least two files"):
        run("jd-match-eval", "--tune", str(write_jsonl(tmp_path / "tiny.jsonl", TINY)))


@pytest.mark.parametrize(("bad_line", "message"), [
    ("{not json", "Line 3 is not valid JSON"),
    (json.dumps({"id": "x", "title": "T", "text": "Some text."}), "Line 3 has no grade"),
    (json.dumps({"id": "x", "title": "T", "text": "Some text.", "grade": "five"}),
     "Line 3: the grade must be a whole number"),
    (json.dumps({"id": "x", "title": "T", "text": "  ", "grade": 5}), "Line 3 has no text to match"),
    (json.dumps({"id": "a", "title": "T", "text": "Some text.", "grade": 5}), "Line 3 repeats the id 'a'"),
])
def test_eval_names_the_bad_line(tmp_path, bad_line, message):
    path = write_jsonl(tmp_path / "bad.jsonl", [TINY[0], TINY[1], bad_line, TINY[2]])
    with pytest.raises(CommandError, match=message):
        run("jd-match-eval", str(path), "--json")


def test_eval_of_a_missing_file_says_so(tmp_path):
    with pytest.raises(CommandError, match="There is no file"):
        run("jd-match-eval", str(tmp_path / "nowhere.jsonl"))


def test_bench_at_a_small_size_prints_its_json_keys():
    report = json.loads(run("jd-match-bench", "--size", "500", "--queries", "20", "--json"))
    assert set(report) == {"size", "build_seconds", "p50_ms", "p95_ms"}
    assert report["size"] == 500 and report["build_seconds"] > 0
    assert 0 < report["p50_ms"] <= report["p95_ms"]


def test_bench_finds_near_copies_of_library_jds():
    text = run("jd-match-bench", "--size", "300", "--queries", "10")
    assert "near copies whose original ranked first: 100%" in text


def test_commands_are_listed_by_gradepath_help():
    from django.core.management import get_commands

    assert {"jd-match-eval", "jd-match-bench"} <= set(get_commands())
