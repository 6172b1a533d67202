"""The evaluation's plain baseline, the suggestion's vote and the choice of its settings
(issue 11 item 26). No database: these are pure functions."""

from types import SimpleNamespace

import pytest

from gradepath.jobs.matching.evaluation import (
    TOLERANCE,
    Record,
    TuningReport,
    choose_settings,
    plain_baseline,
    tune_across_sets,
)
from gradepath.jobs.matching.matcher import MatchList, suggest_grade

# A hand-made set whose TF-IDF similarities can be worked out on paper (smoothed idf: "apple" is
# in 4 of the 5 texts, so it weighs little; "zebra" shares no word with anything):
#   1–2 are identical (similarity 1); 1 or 2 against 3 or 4 share only "apple": 0.216;
#   3 against 4: 0.240; 5 against anything: 0.
HAND_MADE = [
    Record("1", "", "apple banana cherry", 1),
    Record("2", "", "apple banana cherry", 1),
    Record("3", "", "apple kiwi", 2),
    Record("4", "", "apple mango", 2),
    Record("5", "", "zebra", 3),
]


def test_plain_baseline_votes_the_similarity_weighted_grade_of_the_nearest_others():
    # 1: its twin (1.0, grade 1) outweighs 3 and 4 (0.216 + 0.216, grade 2). 3: the twins
    # together (0.432, grade 1) outweigh the single closest other, 4 (0.240, grade 2).
    # 5: nothing is similar, so no vote at all.
    assert plain_baseline(HAND_MADE) == [1, 1, 1, 1, None]


def test_plain_baseline_with_one_neighbour_takes_the_closest_others_grade():
    # Never a record itself: 1's closest other is its twin; 3's is 4.
    assert plain_baseline(HAND_MADE, k=1) == [1, 1, 2, 2, None]


def test_plain_baseline_leaves_the_record_itself_out():
    alone = [Record("a", "", "unique words here", 4), Record("b", "", "other text entirely", 6)]
    assert plain_baseline(alone) == [None, None]


def test_plain_baseline_reads_the_title_too():
    records = [Record("a", "Porter", "moves furniture", 2), Record("b", "Porter", "delivers post", 3),
               Record("c", "", "teaches chemistry", 7)]
    assert plain_baseline(records)[:2] == [3, 2]


def neighbours(*rows):
    return [SimpleNamespace(grade_number=grade, score=score, title=title) for grade, score, title in
            [(row + ("",))[:3] for row in rows]]


def test_neighbouring_grades_support_each_other_in_the_suggestion():
    close = neighbours((4, 0.5), (5, 0.45), (6, 0.45), (9, 0.6))
    # Alone, grade 9 has the most weight; grade 5 with the support of 4 and 6 beside it has more.
    assert suggest_grade(close, near_support=0.0, scale=(0.15, 0.8)).grade == 9
    assert suggest_grade(close, near_support=0.2, scale=(0.15, 0.8)).grade == 5


def test_the_suggestion_is_always_a_grade_some_match_has():
    # Grades 4 and 6 would give grade 5 the most support, but no match is at grade 5.
    assert suggest_grade(neighbours((4, 0.5), (6, 0.5)), near_support=0.6, scale=(0.15, 0.8)).grade == 4


def test_the_suggestion_uses_the_voters_and_the_title_a_match_list_carries():
    voters = neighbours((5, 0.8, "Research Technician"), (5, 0.7, "Research Technician"), (8, 0.2, "Head"))
    shown = MatchList(voters[:1], voters=voters, title="Senior Research Technician")
    suggestion = suggest_grade(shown)
    assert suggestion.voters == 3 and suggestion.grade == 6 and suggestion.adjusted


def test_choosing_settings_takes_the_simplest_within_the_tolerance_of_the_best():
    results = {("a", (40, 0.4, 1.0)): (0.60, 0.90), ("a", (20, 0.2, 1.0)): (0.60, 0.90 - TOLERANCE),
               ("a", (5, 0.0, 2.0)): (0.50, 0.80)}
    grid = [(5, 0.0, 2.0), (20, 0.2, 1.0), (40, 0.4, 1.0)]
    assert choose_settings(results, ["a"], grid) == (20, 0.2, 1.0)
    results[("a", (20, 0.2, 1.0))] = (0.60, 0.90 - 3 * TOLERANCE)
    assert choose_settings(results, ["a"], grid) == (40, 0.4, 1.0)


def test_tuning_judges_each_set_with_settings_chosen_on_the_others_only():
    from gradepath.jobs.matching.backends import TfidfBackend

    one = [Record(str(i), title, text, grade) for i, (title, text, grade) in enumerate([
        ("Finance Officer", "invoices purchase orders expense claims", 5),
        ("Finance Assistant", "invoices expense claims under supervision", 4),
        ("Head of Finance", "lead the finance team budget strategy", 9),
        ("Senior Finance Officer", "invoices purchase orders budget reports", 6)])]
    two = [Record(str(i), title, text, grade) for i, (title, text, grade) in enumerate([
        ("Technician", "prepare media reagents laboratory", 4),
        ("Senior Technician", "prepare media reagents laboratory supervise", 5),
        ("Lab Assistant", "wash glassware laboratory", 2)])]
    grid = [(1, 0.0, 1.0), (3, 0.2, 1.0)]
    report = tune_across_sets({"one": one, "two": two}, TfidfBackend(), grid=grid)
    assert set(report.held_out) == {"one", "two"} and report.chosen in grid
    for held, other in (("one", "two"), ("two", "one")):
        assert report.held_out[held] == choose_settings(report.results, [other], grid)
    assert set(report.plain) == {"one", "two"}
    assert TuningReport.objective(report.results, ["one"], grid[0]) == pytest.approx(
        sum(report.results[("one", grid[0])]) / 2)
