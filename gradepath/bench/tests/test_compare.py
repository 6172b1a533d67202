"""The page benchmark's comparison with a run at another size, its targets, and its refusals."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gradepath.bench.pages import BenchError, PageResult, Run, compare, misses, plan_pages, table
from gradepath.testing.factories import UserFactory


def _row(key: str, *, p50: float, p95: float, queries: int, sql: float, status: int | str = 200) -> PageResult:
    return PageResult(key=key, label=key, persona="hrbp", url=f"/{key}/", status=status, p50_ms=p50, p95_ms=p95,
                      max_ms=p95, cpu_p50_ms=p50, queries=queries, sql_ms=sql, kb=10.0,
                      sql_ratio=round(p50 / sql, 2), repeat=20)


def _run(people: int, *rows: PageResult) -> Run:
    return Run(meta={"vendor": "sqlite", "database": "x", "sizes": {"people": people}, "repeat": 20,
                     "load_before": [0.5, 0.5, 0.5], "load_after": [0.5, 0.5, 0.5], "cores": 2}, rows=list(rows))


def test_a_page_slower_at_the_larger_size_or_with_more_queries_misses_its_targets():
    small = _run(600, _row("cases", p50=20, p95=25, queries=9, sql=10), _row("inbox", p50=10, p95=12, queries=6, sql=5))
    large = _run(50_000, _row("cases", p50=40, p95=150, queries=10, sql=12),
                 _row("inbox", p50=12, p95=14, queries=6, sql=5))
    comparisons = compare(large, small)
    assert comparisons["cases"].size_ratio == 2.0 and comparisons["cases"].same_queries is False
    assert misses(large.rows[0], comparisons["cases"]) == ["p95 150>100", "×size 2.00>1.3", "queries 9→10"]
    assert comparisons["inbox"].size_ratio == 1.2 and misses(large.rows[1], comparisons["inbox"]) == []
    printed = table(large, small)
    assert "1 of 2 rows meet every target." in printed
    assert "×size 2.00>1.3" in printed


def test_the_size_ratio_is_always_the_larger_size_over_the_smaller():
    small = _run(600, _row("cases", p50=20, p95=25, queries=9, sql=10))
    large = _run(50_000, _row("cases", p50=30, p95=35, queries=9, sql=10))
    assert compare(small, large)["cases"].size_ratio == compare(large, small)["cases"].size_ratio == 1.5


def test_a_page_much_slower_than_its_sql_or_not_answering_misses_its_targets():
    assert misses(_row("home", p50=50, p95=60, queries=20, sql=10), None) == ["×SQL 5.0>4"]
    assert misses(_row("home", p50=1, p95=1, queries=1, sql=1, status=500), None) == ["status 500"]


def test_a_run_survives_its_json():
    run = _run(600, _row("cases", p50=20, p95=25, queries=9, sql=10))
    again = Run.from_json(json.loads(json.dumps(run.as_json())))
    assert again.rows == run.rows and again.meta == run.meta


@pytest.mark.django_db
def test_without_the_demo_logins_the_bench_says_what_to_build():
    with pytest.raises(BenchError, match="none of the demo logins"):
        plan_pages()
    with pytest.raises(CommandError, match="gradepath demo --no-serve"):
        call_command("bench", "pages", stdout=StringIO(), stderr=StringIO())


@pytest.mark.django_db
def test_an_unknown_page_or_a_file_not_from_the_bench_is_refused_with_a_message(tmp_path):
    with pytest.raises(CommandError, match="No page is called nowhere"):
        call_command("bench", "pages", "--only", "nowhere", stdout=StringIO(), stderr=StringIO())
    other = tmp_path / "other.json"
    other.write_text('{"rows": 3}')
    with pytest.raises(CommandError, match="not the JSON of a `gradepath bench pages` run"):
        call_command("bench", "pages", "--from", str(other), stdout=StringIO())
    with pytest.raises(CommandError, match="There is no file"):
        call_command("bench", "pages", "--from", str(tmp_path / "missing.json"), stdout=StringIO())
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(CommandError, match="could not be read as JSON"):
        call_command("bench", "pages", "--baseline", str(tmp_path / "bad.json"), stdout=StringIO())



@pytest.mark.django_db
def test_without_collected_static_files_the_bench_says_to_collect_them(settings, tmp_path):
    UserFactory(username="hrbp")
    UserFactory(username="fmhps")
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STORAGES = {**settings.STORAGES, "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"}}
    with pytest.raises(CommandError, match="gradepath collectstatic --no-input"):
        call_command("bench", "pages", "--only", "inbox", stdout=StringIO(), stderr=StringIO())
    # The API draws no page: it is timed all the same.
    out = StringIO()
    call_command("bench", "pages", "--only", "api-delegations", "--repeat", "1", "--json", stdout=out)
    assert [(row["key"], row["status"]) for row in json.loads(out.getvalue())["rows"]] == [("api-delegations", 200)]
