"""The HTML report of real runs: per-question drill-down, bars with counts and intervals, 3 runs.

Three runs of the small dataset of test_evaluate.py are made against the local fake OpenAI
server: A answers as test_evaluate's responder does (right, wrong, repaired, re-asked, never a
plan, ...); B fixes A's wrong answer and breaks A's right one; C answers everything right. The
report must show every example with both runs' plans, answers and reasons, group them by
outcome, print counts and Wilson intervals on the per-operation bars sorted by the difference
between the runs, and compare three runs against the first.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pesql.grammar.printer import to_text
from pesql.runtime.cli.main import run_cli
from pesql.runtime.evals.datasets.load import Dataset, load_dataset
from pesql.runtime.evals.runs.charts import wilson_interval
from pesql.runtime.evals.runs.metrics import by_op
from pesql.runtime.evals.runs.records import Run, load_run
from pesql.runtime.evals.runs.report import op_table, outcome_groups, render_html
from pesql.runtime.testing.fake_openai.server import FakeOpenAI, ToolCall, Turn

from tests.runtime.test_evaluate import (
    FAST,
    QUESTIONS,
    WRONG,
    arguments,
    build_dataset,
    evaluate,
    responder,
)

HOW = {question: how for question, (_, how) in QUESTIONS.items()}


def _fix_and_break(request: dict[str, Any]) -> Turn:
    """B: the question A gets wrong is answered right, the one A gets right is answered wrong."""
    question = request["messages"][1]["content"]
    plan, how = QUESTIONS[question]
    if how == "wrong":
        return ToolCall(arguments(plan))
    if how == "right":
        return ToolCall(arguments(WRONG))
    return responder([])(request)


def _all_right(request: dict[str, Any]) -> Turn:
    return ToolCall(arguments(QUESTIONS[request["messages"][1]["content"]][0]))


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Dataset, list[Run]]]:
    root = tmp_path_factory.mktemp("drilldown")
    dataset_path = build_dataset(root / "small")
    answers: list[Callable[[dict[str, Any]], Turn]] = [responder([]), _fix_and_break, _all_right]
    with FakeOpenAI() as server:
        for name, respond in zip("abc", answers, strict=True):
            server.respond_with(respond)
            evaluate(dataset_path, root / name, server=server, profile=FAST, concurrency=4)
    yield load_dataset(dataset_path), [load_run(root / name) for name in "abc"]


def _by_how(run: Run) -> dict[str, str]:
    return {HOW[r.question]: i for i, r in run.results.items()}


def _group_section(page: str, title: str) -> str:
    start = page.index(f"<summary>{html.escape(title)}")
    end = page.find('<details class="group"', start)
    return page[start : end if end > 0 else len(page)]


def test_drilldown_shows_every_example_with_plans_answers_and_reasons(
    made: tuple[Dataset, list[Run]],
) -> None:
    dataset, runs = made
    a, b = runs[:2]
    page = render_html([a, b], dataset=dataset)
    drill = page[page.index("<h2>Every question</h2>") :]
    for example in dataset.examples:
        assert f'<details class="example" id="ex-{example.id}">' in drill
        assert example.plan is not None
        assert html.escape(to_text(example.plan)) in drill  # the gold plan
        for run in (a, b):
            result = run.results[example.id]
            if result.plan_text:
                assert html.escape(result.plan_text) in drill
            if result.why:
                assert f'<p class="why">why: {html.escape(result.why)}</p>' in drill
    ids = _by_how(a)
    assert a.results[ids["wrong"]].status == "incorrect"
    assert b.results[ids["wrong"]].correct and not b.results[ids["right"]].correct
    # Grouped by outcome, disagreements first.
    titles = [title for title, _ in outcome_groups([a, b])]
    assert titles == ["fixed: a wrong → b right", "broken: a right → b wrong", "both wrong",
                      "both right"]  # fmt: skip
    fixed, broken = _group_section(drill, titles[0]), _group_section(drill, titles[1])
    assert f'id="ex-{ids["wrong"]}"' in fixed and f'id="ex-{ids["right"]}"' not in fixed
    assert f'id="ex-{ids["right"]}"' in broken
    assert f'id="ex-{ids["never"]}"' in _group_section(drill, "both wrong")
    # A wrong answer is shown: its plan run again over the tables (SUM(price) = 4.0).
    wrong = drill[drill.index(f'id="ex-{ids["wrong"]}"') :]
    wrong = wrong[: wrong.index("</details>")]
    assert "its answer" in wrong and "<td>4.0</td>" in wrong
    assert html.escape(a.results[ids["wrong"]].why) in wrong
    # An answer that never became a plan says so, with its diagnostics.
    never = drill[drill.index(f'id="ex-{ids["never"]}"') :]
    assert "no plan ran" in never[: never.index("</details>")] and "E503" in never
    assert "its last answer, as written:</p><pre>I cannot tell.</pre>" in never
    assert not re.search(r"<script|<link|src=|href=|@import|url\(", page)


def test_bars_carry_counts_and_wilson_intervals_sorted_by_difference(
    made: tuple[Dataset, list[Run]],
) -> None:
    dataset, runs = made
    a, b = runs[:2]
    page = render_html([a, b], dataset=dataset)
    chart = page[page.index("<h2>Accuracy by operation</h2>") : page.index("<h2>Latency</h2>")]
    groups_a, groups_b = (by_op(r.results.values(), r.settings.model) for r in (a, b))
    bars = 0
    for op in groups_a:
        for run, groups in (("a", groups_a), ("b", groups_b)):
            k, n = groups[op].correct, groups[op].n
            low, high = wilson_interval(k, n)
            hover = f"{op} (n={n}) · {run}: {k}/{n} = {100 * k / n:.1f}% "
            hover += f"(95% CI {100 * low:.1f}–{100 * high:.1f}%)"
            assert hover in chart
            assert f">{k}/{n} · {k / n:.0%}</text>" in chart  # printed next to the bar
            bars += 1
    assert chart.count('<path d="M') == bars  # one whisker (error bar) per bar
    assert "Wilson 95% interval" in chart and ">100%</text>" in chart  # axis and ticks
    # Categories in the chart's order: difference b - a, largest gain first.
    shown = re.findall(r'text-anchor="end">([A-Z_]+) \(n=\d+\)</text>', chart)
    assert shown == [row.op for row in op_table([a, b])] and len(shown) == len(groups_a)

    def diff(op: str) -> float:
        return groups_b[op].accuracy - groups_a[op].accuracy

    diffs = [diff(op) for op in shown]
    assert diffs == sorted(diffs, reverse=True) and diffs[0] > 0 > diffs[-1]
    # The table under the chart has the counts and intervals too.
    k, n = groups_a["SUM"].correct, groups_a["SUM"].n
    assert f"<td>{k}/{n} · {100 * k / n:.1f}% (" in chart


def test_three_runs_are_compared_with_the_first(made: tuple[Dataset, list[Run]]) -> None:
    dataset, runs = made
    page = render_html(runs, dataset=dataset)
    assert "<h2>Against the baseline a</h2>" in page
    for name in "bc":
        assert f"<h2>Comparison: {name} vs a</h2>" in page
        assert f"<tr><td>{name}</td><td>a</td><td>7</td>" in page  # the baseline table
    header = page[page.index("<h2>Runs</h2>") : page.index("Against the baseline")]
    assert all(f"<td>{name}</td><td>gpt-4o-mini</td>" in header for name in "abc")
    assert page.count("<svg") == 3
    # Every example once in the drill-down, with three result panels.
    assert page.count('<details class="example"') == len(dataset.examples)
    assert page.count('<div class="run">') == 3 * len(dataset.examples)
    titles = [title for title, _ in outcome_groups(runs)]
    ids = _by_how(runs[0])
    groups = dict(outcome_groups(runs))
    assert groups["right in b, c; wrong in a"] == [ids["wrong"]]
    assert groups["right in a, c; wrong in b"] == [ids["right"]]
    assert titles[-1] == "right in all runs" and ids["never"] in groups["right in c; wrong in a, b"]
    assert math.isclose(sum(len(v) for v in groups.values()), len(dataset.examples))


def test_report_and_compare_commands(
    made: tuple[Dataset, list[Run]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, runs = made
    paths = [str(run.path) for run in runs]
    out, md = tmp_path / "r.html", tmp_path / "r.md"
    assert run_cli(["eval", "report", *paths, "--out", str(out), "--md", str(md)]) == 0
    page = out.read_text(encoding="utf-8")  # the dataset was found through run.json
    assert "<b>gold plan</b>" in page and "<h2>Comparison: c vs a</h2>" in page
    text = md.read_text(encoding="utf-8")
    assert "## Against the baseline a" in text and "## Comparison: c vs a" in text
    capsys.readouterr()
    # compare prints what the docs promise: accuracy per run, the difference with its
    # interval, McNemar p, discordant counts, attempts and repairs, latency, the flips.
    assert run_cli(["eval", "compare", paths[0], paths[1]]) == 0
    printed = capsys.readouterr().out
    for needle in ("right / n", "5/7", "attempts per question", "repaired", "TTFB p50",
                   "latency p50 / p95", "difference B − A", "McNemar exact p",
                   "A right, B wrong / A wrong, B right", "1 / 1",
                   "a wrong -> b right: 1", "Which items cost more than 1?"):  # fmt: skip
        assert needle in printed, needle
    assert run_cli(["eval", "compare", paths[0], paths[2], "--json", "--op", "sum"]) == 0
    compared = json.loads(capsys.readouterr().out)
    assert compared["common"] == 1 and compared["filter"]["ops"] == ["SUM"]
    assert [m["correct"] for m in compared["runs"]] == [0, 1]
    assert compared["runs"][0]["accuracy_ci"][1] == pytest.approx(wilson_interval(0, 1)[1])
