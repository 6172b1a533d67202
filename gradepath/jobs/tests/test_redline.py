"""Redline (tracked changes on screen): word diffs, duty and criterion alignment, summary, HTML."""

import importlib
import json
import unicodedata

import pytest
from django.core.management import call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from gradepath.jobs.redline import (
    Op,
    compare_versions,
    diff_items,
    diff_words,
    ops_new_text,
    ops_old_text,
    render_comparison_html,
    render_items_html,
    render_ops_html,
    tokenize,
)
from gradepath.testing.factories import JDVersionFactory

bench = importlib.import_module("gradepath.jobs.management.commands.jd-redline-bench")


def changes(ops):
    return [(op.kind, op.text) for op in ops if op.kind != "equal" and op.text.strip()]


def kinds(diff):
    return [(item.kind, item.old_position, item.new_position) for item in diff.items]


def jd(**sections):
    base = {"job_title": "Research Technician", "purpose": "", "duties": [], "line_management": "",
            "working_relationships": "", "person_spec": [], "additional_information": ""}
    return {**base, **sections}


# --- Words ------------------------------------------------------------------------------------------


def test_tokens_join_back_to_the_exact_text():
    text = "  Lead the lab’s work,\n\nincluding café 😀 and 👩‍🔬 tasks; e.g. ordering.  "
    assert "".join(tokenize(text)) == text


def test_an_inserted_word_is_the_only_change():
    ops = diff_words("Maintain laboratory equipment.", "Maintain specialist laboratory equipment.")
    assert changes(ops) == [("insert", "specialist ")]


def test_a_deleted_word_is_the_only_change():
    ops = diff_words("Order and receive stock.", "Order stock.")
    assert changes(ops) == [("delete", "and receive ")]


def test_a_replaced_word_shows_as_deletion_then_insertion_with_spacing_untouched():
    ops = diff_words("the cat sat on the mat", "the dog sat on the mat")
    assert [(op.kind, op.text) for op in ops] == [
        ("equal", "the "), ("delete", "cat"), ("insert", "dog"), ("equal", " sat on the mat")]


def test_common_words_still_match_in_long_texts():
    old = " ".join(["the work of the team and the unit"] * 60)
    new = old.replace("team", "group", 1)
    ops = diff_words(old, new)
    assert changes(ops) == [("delete", "team"), ("insert", "group")]


@pytest.mark.parametrize(("old", "new"), [
    ("Support the research groups.", "Support  the\nresearch   groups."),
    ("One paragraph.\nAnother.", "One paragraph.\n\nAnother."),
    ("Trailing space. ", "Trailing space."),
])
def test_whitespace_only_changes_are_not_word_changes(old, new):
    diff = compare_versions(jd(purpose=old), jd(purpose=new)).section("purpose")
    assert not diff.changed and diff.whitespace_only
    assert diff.words_inserted == diff.words_deleted == 0
    assert "<ins" not in render_ops_html(diff.ops) and "<del" not in render_ops_html(diff.ops)


def test_ops_reproduce_both_texts_exactly():
    old = "Prepare reagents,  media and solutions.\nKeep records."
    new = "Prepare media and buffer solutions.\n\nKeep accurate records 😀."
    ops = diff_words(old, new)
    assert ops_old_text(ops) == old
    assert ops_new_text(ops) == new


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab é,.\n😀")), max_size=40),
       st.text(alphabet=st.sampled_from(list("ab é,.\n😀")), max_size=40))
def test_ops_reproduce_any_pair_of_texts(old, new):
    ops = diff_words(old, new)
    assert ops_old_text(ops) == old
    assert ops_new_text(ops) == new


def test_accents_and_emoji_are_whole_words():
    ops = diff_words("Liaise with the café team 😀.", "Liaise with the crèche team 👍🏽.")
    assert changes(ops) == [("delete", "café"), ("insert", "crèche"), ("delete", "😀"), ("insert", "👍🏽")]


def test_the_same_accent_typed_two_ways_is_not_a_change():
    composed = unicodedata.normalize("NFC", "Run the café.")
    decomposed = unicodedata.normalize("NFD", "Run the café.")
    assert composed != decomposed
    diff = compare_versions(jd(purpose=composed), jd(purpose=decomposed)).section("purpose")
    assert not diff.changed


def test_empty_sections_compare_cleanly():
    comparison = compare_versions(jd(), jd(purpose="New purpose text.", duties=["A new duty."]))
    purpose = comparison.section("purpose")
    assert [(op.kind, op.text) for op in purpose.ops] == [("insert", "New purpose text.")]
    assert comparison.section("duties").added == 1
    assert compare_versions(jd(), jd()).summary.has_changes is False
    assert diff_words("", "") == []


# --- Duties and criteria -----------------------------------------------------------------------------

DUTIES = [
    "Prepare reagents, media and solutions to standard protocols.",
    "Maintain laboratory equipment and keep its records.",
    "Order and receive stock, keeping inventories up to date.",
    "Train new students in safe working practices.",
]


def test_unchanged_duties_are_unchanged():
    diff = diff_items("duties", DUTIES, list(DUTIES))
    assert [item.kind for item in diff.items] == ["unchanged"] * 4
    assert not diff.changed


def test_a_duty_with_only_its_spacing_changed_is_unchanged():
    new = list(DUTIES)
    new[0] = "Prepare reagents,  media and solutions\nto standard protocols."
    diff = diff_items("duties", DUTIES, new)
    assert [item.kind for item in diff.items] == ["unchanged"] * 4
    assert ops_new_text(diff.items[0].ops) == new[0] and ops_old_text(diff.items[0].ops) == DUTIES[0]


def test_an_inserted_duty_is_an_insertion_at_its_place():
    new = [*DUTIES[:2], "Supervise two technicians.", *DUTIES[2:]]
    diff = diff_items("duties", DUTIES, new)
    assert kinds(diff)[2] == ("inserted", None, 3)
    assert diff.added == 1 and diff.removed == 0 and diff.moved == 0


def test_a_deleted_duty_is_a_deletion_where_it_was():
    diff = diff_items("duties", DUTIES, [DUTIES[0], DUTIES[2], DUTIES[3]])
    assert kinds(diff)[1] == ("deleted", 2, None)
    assert diff.removed == 1 and diff.words_deleted == 7


def test_a_reworded_duty_is_modified_with_a_word_diff_inside():
    new = list(DUTIES)
    new[1] = "Maintain specialist laboratory equipment and keep its service records."
    diff = diff_items("duties", DUTIES, new)
    item = diff.items[1]
    assert item.kind == "modified" and (item.old_position, item.new_position) == (2, 2)
    assert changes(item.ops) == [("insert", "specialist "), ("insert", "service ")]
    assert diff.modified == 1 and diff.added == diff.removed == 0


def test_a_duty_moved_to_another_place_is_a_move_not_a_delete_and_insert():
    new = [DUTIES[3], DUTIES[0], DUTIES[1], DUTIES[2]]
    diff = diff_items("duties", DUTIES, new)
    assert diff.moved == 1 and diff.added == 0 and diff.removed == 0
    moved = next(item for item in diff.items if item.kind == "moved")
    assert (moved.old_position, moved.new_position) == (4, 1)
    away = next(item for item in diff.items if item.kind == "moved_away")
    assert (away.old_position, away.new_position) == (4, 1)
    html = render_items_html(diff)
    assert "Moved from position 4 to 1" in html and "<del" not in html and "<ins" not in html


def test_a_moved_and_reworded_duty_is_a_move_with_its_word_changes():
    new = [DUTIES[0], DUTIES[2], DUTIES[3], "Maintain all laboratory equipment and keep its records."]
    diff = diff_items("duties", DUTIES, new)
    moved = next(item for item in diff.items if item.kind == "moved")
    assert changes(moved.ops) == [("insert", "all ")]
    assert diff.moved == 1 and diff.modified == 1


def test_a_rewritten_duty_is_a_deletion_and_an_insertion():
    new = list(DUTIES)
    new[1] = "Chair the departmental safety committee."
    diff = diff_items("duties", DUTIES, new)
    assert [item.kind for item in diff.items].count("deleted") == 1
    assert [item.kind for item in diff.items].count("inserted") == 1


def test_display_order_keeps_both_lists_in_order():
    new = ["A brand new duty.", DUTIES[2], DUTIES[0], "Maintain equipment and keep its records safe."]
    diff = diff_items("duties", DUTIES, new)
    old_side = [item.old_text for item in diff.items if item.on_old_side]
    new_side = [item.new_text for item in diff.items if item.on_new_side]
    assert old_side == DUTIES and new_side == new


def test_criteria_changes_include_essential_or_desirable_and_assessment():
    old = [{"text": "Experience of laboratory work.", "kind": "essential", "assessed": "application"},
           {"text": "A science degree.", "kind": "desirable", "assessed": "application"}]
    new = [{"text": "Experience of laboratory work.", "kind": "essential", "assessed": "both"},
           {"text": "A science degree.", "kind": "essential", "assessed": "application"}]
    diff = diff_items("person_spec", old, new)
    assert [item.kind for item in diff.items] == ["modified", "modified"]
    assert diff.items[0].attributes == {"assessed": ["application", "both"]}
    assert diff.items[1].attributes == {"kind": ["desirable", "essential"]}
    html = render_items_html(diff)
    assert "Essential or desirable: <del" in html and "Assessed at: <del" in html


# --- Summary, HTML, data ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_summary_counts_what_changed_between_two_versions():
    old = JDVersionFactory(duties=list(DUTIES), purpose="To support research.", status="submitted")
    new = JDVersionFactory(jd=old.jd, duties=[DUTIES[3], DUTIES[0], "Maintain laboratory equipment.",
                                              "Supervise two technicians."],
                           purpose="To lead and support research.")
    summary = compare_versions(old, new).summary
    assert summary.sections_changed == ["purpose", "duties"]
    assert (summary.duties_added, summary.duties_removed, summary.duties_moved, summary.duties_modified) == (1, 1, 1, 1)
    assert summary.words_inserted == 2 + 3  # "lead and" + "Supervise two technicians"
    assert summary.words_deleted == 4 + 9  # "and keep its records" + the removed duty "Order and receive stock…"
    assert summary.as_sentence().startswith("2 sections changed (Purpose of the job, Main duties and responsibilities)")


def test_html_is_escaped_and_uses_classes_only():
    comparison = compare_versions(jd(purpose="Plain text & more."),
                                  jd(purpose='Plain <script>alert("x")</script> text & more.'))
    html = str(render_comparison_html(comparison))
    assert "<script" not in html and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "style=" not in html and "onclick" not in html
    assert '<ins class="redline-ins">' in html


def test_line_breaks_render_as_breaks():
    assert str(render_ops_html([Op("equal", "One.\nTwo.")])) == "One.<br>\nTwo."


def test_comparison_as_data_is_json_ready():
    comparison = compare_versions(jd(duties=DUTIES), jd(duties=[*DUTIES[1:], DUTIES[0]]))
    data = json.loads(json.dumps(comparison.as_dict()))
    duties = next(s for s in data["sections"] if s["section"] == "duties")
    assert {item["kind"] for item in duties["items"]} >= {"moved", "moved_away"}
    assert data["summary"]["duties_moved"] == 1 and data["summary"]["sentence"]


# --- Long texts (their speed: gradepath jd-redline-bench, docs/performance.md) -----------------------------


def test_two_long_job_descriptions_compare():
    old, new = bench.build_pair(2500)
    assert bench.count_words(old) > 2000
    comparison = compare_versions(old, new)
    assert render_comparison_html(comparison)
    assert comparison.summary.duties_moved >= 1 and comparison.summary.words_inserted > 50


def test_benchmark_command_prints_words_and_seconds_as_json(capsys):
    call_command("jd-redline-bench", "--words", "2000", "--repeat", "1", "--json")
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"words", "seconds"} and data["words"] > 1900 and 0 < data["seconds"] < 1
