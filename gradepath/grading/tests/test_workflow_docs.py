"""docs/workflows/ is generated from the workflow table and must never drift from it."""

import pytest
from django.core.management import CommandError, call_command

from gradepath.grading import workflow


def test_the_committed_workflow_docs_match_the_workflow_table():
    # Fails when someone changes workflow.MOVES without running `gradepath workflow-docs`.
    call_command("workflow-docs", "--check")


def test_check_fails_with_status_1_when_a_page_differs(tmp_path):
    call_command("workflow-docs", "--output", str(tmp_path))
    call_command("workflow-docs", "--check", "--output", str(tmp_path))
    page = tmp_path / "agreed-route.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nA hand edit.\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        call_command("workflow-docs", "--check", "--output", str(tmp_path))
    assert refused.value.returncode == 1 and "agreed-route.md" in str(refused.value)


def test_check_fails_when_a_page_is_missing(tmp_path):
    call_command("workflow-docs", "--output", str(tmp_path))
    (tmp_path / "appeal.md").unlink()
    with pytest.raises(CommandError):
        call_command("workflow-docs", "--check", "--output", str(tmp_path))


def test_every_move_appears_in_its_route_pages_with_a_state_diagram(tmp_path):
    call_command("workflow-docs", "--output", str(tmp_path))
    pages = {"new_job": "new-job.md", "agreed": "agreed-route.md", "direct": "direct-route.md"}
    appeal = (tmp_path / "appeal.md").read_text(encoding="utf-8")
    for route, name in pages.items():
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert "stateDiagram-v2" in text
        for move in workflow.MOVES:
            if route not in move.routes:
                assert f"(`{move.action}`)" not in text
            elif move.action in ("lodge_appeal", "convene_panel", "uphold_appeal", "dismiss_appeal"):
                assert f"(`{move.action}`)" in appeal
            else:
                assert f"(`{move.action}`)" in text and move.policy in text
                for state in move.sources:
                    if state in workflow.route_states(route):
                        assert f"{state} --> " in text
    readme = (tmp_path / "README.md").read_text(encoding="utf-8")
    assert all(name in readme for name in (*pages.values(), "appeal.md"))
