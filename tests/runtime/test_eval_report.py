"""Reports: the HTML page is self-contained and holds the charts and the numbers; Markdown too."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from pesql.runtime.cli.main import run_cli
from pesql.runtime.evals.runs.records import ExampleResult, Run, RunSettings, load_run
from pesql.runtime.evals.runs.report import render_html, render_markdown
from pesql.runtime.evals.runs.stats import compare_runs

SETTINGS = RunSettings("ds", "hash1", "default", "p1", "gpt-4o-mini")


def record(ident: str, correct: bool, ops: tuple[str, ...], latency: float) -> ExampleResult:
    return ExampleResult(
        id=ident, question=f"Is <b>{ident}</b> right?", tags=("t",), ops=ops,
        status="correct" if correct else "incorrect", why="", plan=None, plan_text=None,
        plan_match=correct, first_try_valid_json=True, repaired=False, attempts=1,
        transport_retries=0, ttfb_s=latency / 4, latency_s=latency, tokens_in=1000,
        tokens_out=100, tokens_estimated=False, run=SETTINGS.to_json(),
    )  # fmt: skip


def write_run(path: Path, results: list[ExampleResult]) -> Path:
    path.mkdir(parents=True)
    (path / "run.json").write_text(json.dumps(SETTINGS.to_json()))
    lines = "".join(json.dumps(r.to_json()) + "\n" for r in results)
    (path / "results.jsonl").write_text(lines)
    return path


def two_runs(tmp_path: Path) -> tuple[Run, Run]:
    ops = [("FILTER",), ("FILTER", "SUB_ABS"), ("SORT",), ("SUB_ABS",)]
    a = [record(f"q{i}", i != 1, ops[i], 1.0 + i) for i in range(4)]  # SUB_ABS 1 of 2
    b = [record(f"q{i}", i != 2, ops[i], 2.0 + i) for i in range(4)]  # SORT 0 of 1
    return (
        load_run(write_run(tmp_path / "sub_abs", a)),
        load_run(write_run(tmp_path / "abs_diff", b)),
    )


def test_html_report_holds_charts_numbers_and_comparison(tmp_path: Path) -> None:
    a, b = two_runs(tmp_path)
    page = render_html([a, b], compare_runs(a, b))
    assert page.count("<svg") == 3  # accuracy by op, latency, time to first byte
    assert "SUB_ABS" in page and "SORT" in page and "75.0%" in page
    # One bar per (op, run) with its count, value and interval on hover.
    assert "SUB_ABS (n=2) · sub_abs: 1/2 = 50.0% (95% CI 9.5–90.5%)" in page
    assert "SORT (n=1) · abs_diff: 0/1 = 0.0%" in page
    assert "median 2.500" in page and "median 3.500" in page  # latency box plots
    assert "<td>McNemar exact p (two-sided)</td><td>1</td>" in page
    assert "sub_abs right → abs_diff wrong (1)" in page and "<code>q2</code>" in page
    assert "Is &lt;b&gt;q2&lt;/b&gt; right?" in page and "<b>q2</b>" not in page
    # Self-contained: nothing is fetched when the page opens.
    assert not re.search(r"<script|<link|src=|href=|@import|url\(", page)


def test_markdown_report(tmp_path: Path) -> None:
    a, b = two_runs(tmp_path)
    text = render_markdown([a, b], compare_runs(a, b))
    assert "| sub_abs | gpt-4o-mini | default (p1) | 4 | 75.0% |" in text
    sub_abs = "| SUB_ABS | 1/2 · 50.0% (9.5–90.5%) | 2/2 · 100.0% (34.2–100.0%) | +50.0 points |"
    assert sub_abs in text
    assert "- sub_abs right → abs_diff wrong: q2" in text
    assert "estimates from list prices" in text


def test_single_run_report_has_no_comparison(tmp_path: Path) -> None:
    a, _ = two_runs(tmp_path)
    page = render_html([a])
    assert page.count("<svg") == 3 and "Comparison" not in page


def test_report_command_writes_both_files(tmp_path: Path, capsys: Any) -> None:
    a, b = two_runs(tmp_path)
    html_file, md_file = tmp_path / "report.html", tmp_path / "report.md"
    argv = ["eval", "report", str(a.path), str(b.path), "--out", str(html_file)]
    assert run_cli([*argv, "--md", str(md_file)]) == 0
    assert "wrote" in capsys.readouterr().out
    assert "<svg" in html_file.read_text() and "## Comparison" in md_file.read_text()
    assert run_cli(["eval", "compare", str(a.path), str(b.path)]) == 0
    assert "McNemar exact p" in capsys.readouterr().out


def test_not_a_run_directory_is_a_diagnostic(tmp_path: Path, capsys: Any) -> None:
    assert run_cli(["eval", "compare", str(tmp_path), str(tmp_path)]) == 1
    assert "E605" in capsys.readouterr().err
