"""Reports of evaluation runs: one self-contained HTML page (inline SVG) and a Markdown summary.

    >>> from dataclasses import replace
    >>> from pathlib import Path
    >>> from pesql.runtime.evals.runs.records import ExampleResult, RunSettings
    >>> from pesql.runtime.evals.runs.stats import compare_runs
    >>> settings = RunSettings("qa", "1306ba0139c05029", "default", "0bae9215891a4af8",
    ...                        "gpt-4o-mini")
    >>> record = ExampleResult(id="q01", question="How many penguins are there?",
    ...     tags=("count",), ops=("COUNT",), status="correct", why="", plan=None, plan_text=None,
    ...     plan_match=True, first_try_valid_json=True, repaired=False, attempts=1,
    ...     transport_retries=0, ttfb_s=0.2, latency_s=1.0, tokens_in=2000, tokens_out=50,
    ...     tokens_estimated=False)
    >>> def run(name, right, latency_s):  # 20 examples, the first `right` of them correct
    ...     results = {f"q{i:02}": replace(record, id=f"q{i:02}", latency_s=latency_s,
    ...                                    status="correct" if i < right else "incorrect")
    ...                for i in range(20)}
    ...     return Run(Path(name), settings, results)
    >>> a, b = run("abs_diff", right=10, latency_s=1.5), run("sub_abs", right=17, latency_s=1.0)
    >>> comparison = compare_runs(a, b)
    >>> page = render_html([a, b], comparison)  # one file: write it anywhere, open it offline
    >>> page.startswith("<!DOCTYPE html>"), "<svg" in page, "<script" in page
    (True, True, False)
    >>> '<details class="example" id="ex-q12">' in page  # the drill-down: q12 was fixed
    True
    >>> markdown = render_markdown([a, b], comparison)
    >>> print(markdown[markdown.index("## Comparison"):])
    ## Comparison: sub_abs vs abs_diff
    ...
    | difference B − A | +35.0 points (95% CI +15.0 to +55.0) |
    ...
    - abs_diff wrong → sub_abs right: q10, q11, q12, q13, q14, q15, q16
    ...

With three or more runs the first is the **baseline**: every other run is compared with it
(`render_html([base, x, y])` computes the comparisons when none are given).

The page loads nothing: no script, no stylesheet, no font from elsewhere, so it can be mailed,
attached to a pull request or opened offline. Charts are drawn by `runtime/evals/runs/charts`.
Given the dataset (`render_html(runs, dataset=load_dataset(...))`), the per-question drill-down
also shows each gold plan, the expected answer and, for wrong answers, the answer the model's
plan gives (the plan recorded in results.jsonl is run again over the dataset's tables).
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from pesql.grammar.jsonform import from_json
from pesql.grammar.printer import to_text
from pesql.runtime.evals.datasets.load import Dataset, Example
from pesql.runtime.evals.datasets.run import run_plan
from pesql.runtime.evals.runs.charts import Bar, bar_chart, box_plot, wilson_interval
from pesql.runtime.evals.runs.metrics import PRICES_AS_OF, Metrics, by_op, summarize
from pesql.runtime.evals.runs.records import ExampleResult, Run, dataset_hash
from pesql.runtime.evals.runs.stats import Comparison, compare_runs

__all__ = [
    "OpRow",
    "baseline_rows",
    "comparison_rows",
    "op_table",
    "outcome_groups",
    "paired_metrics",
    "paired_rows",
    "render_html",
    "render_markdown",
    "run_rows",
]

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em auto; max-width: 1100px; color: #222;
       padding: 0 1em; }
table { border-collapse: collapse; margin: 1em 0; } td, th { padding: 3px 8px; }
th { text-align: left; border-bottom: 1px solid #888; vertical-align: bottom; }
tr:nth-child(even) td { background: #f4f4f4; } .note { color: #555; font-size: 12px; }
pre { background: #f6f6f6; padding: 6px 8px; overflow-x: auto; margin: 4px 0;
      font-size: 12px; white-space: pre-wrap; }
details.group { margin: 0.6em 0; border-top: 1px solid #ccc; padding-top: 0.3em; }
details.group > summary { font-size: 16px; font-weight: 600; cursor: pointer; }
details.example { margin: 0.3em 0 0.3em 1em; border-left: 3px solid #ddd; padding-left: 0.6em; }
details.example > summary { cursor: pointer; }
.runs { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 12px; }
.run { border: 1px solid #ddd; padding: 6px 8px; border-radius: 4px; }
.ok { color: #1a7f37; font-weight: 600; } .bad { color: #b42318; font-weight: 600; }
.err { color: #9a6700; font-weight: 600; } .why { color: #b42318; }
table.answer td, table.answer th { font-size: 12px; padding: 1px 6px; }
"""
ANSWER_ROWS = 8  # rows of an answer shown in the drill-down
MARK = {"correct": "✓", "incorrect": "✗", "error": "⚠"}
CSS_CLASS = {"correct": "ok", "incorrect": "bad", "error": "err"}


def pct(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.1f}%"


def interval(low: float, high: float) -> str:
    """A proportion's interval as '38.7–78.1%'."""
    if math.isnan(low) or math.isnan(high):
        return "–"
    return f"{100 * low:.1f}–{100 * high:.1f}%"


def secs(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.3f} s"


def cost(metrics: Metrics) -> str:
    return "–" if metrics.cost_usd is None else f"~${metrics.cost_usd:.4f}"


def _as_comparisons(
    runs: Sequence[Run], comparisons: Comparison | Sequence[Comparison] | None
) -> list[Comparison]:
    if isinstance(comparisons, Comparison):
        return [comparisons]
    if comparisons is None:
        return [compare_runs(runs[0], run) for run in runs[1:]]
    return list(comparisons)


# --- tables ---------------------------------------------------------------------------------
def run_rows(runs: Sequence[Run]) -> tuple[list[str], list[list[str]]]:
    """The per-run summary table: header and one row per run."""
    header = ["run", "model", "profile", "n", "accuracy", "95% CI", "plan match",
              "valid JSON 1st try", "repaired", "re-asked", "warned", "TTFB p50/p95",
              "latency p50/p95",
              "tokens in/out", "est. cost"]  # fmt: skip
    rows = []
    for run in runs:
        m = summarize(list(run.results.values()), run.settings.model)
        approx = "~" if m.tokens_estimated else ""
        rows.append([
            run.label, run.settings.model,
            f"{run.settings.profile} ({run.settings.profile_hash[:8]})", str(m.n),
            pct(m.accuracy), interval(*wilson_interval(m.correct, m.n)),
            pct(m.plan_match_rate), pct(m.first_try_valid_json_rate),
            pct(m.repaired_rate), pct(m.retry_rate), pct(m.warned_rate),
            f"{secs(m.ttfb_p50_s)} / {secs(m.ttfb_p95_s)}",
            f"{secs(m.latency_p50_s)} / {secs(m.latency_p95_s)}",
            f"{approx}{m.tokens_in} / {approx}{m.tokens_out}", cost(m),
        ])  # fmt: skip
    return header, rows


@dataclass(frozen=True)
class OpRow:
    """Accuracy of every run on the examples whose gold plan uses one operation."""

    op: str
    counts: tuple[tuple[int, int] | None, ...]  # (correct, n) per run; None: no such example

    def accuracy(self, i: int) -> float:
        count = self.counts[i]
        return math.nan if count is None or count[1] == 0 else count[0] / count[1]

    @property
    def n(self) -> int:
        return max((c[1] for c in self.counts if c is not None), default=0)

    @property
    def difference(self) -> float:
        """Accuracy of the last run minus the first (the baseline); NaN with one run."""
        return self.accuracy(len(self.counts) - 1) - self.accuracy(0)


def op_table(runs: Sequence[Run]) -> list[OpRow]:
    """Accuracy per operation of the gold plans, sorted by the difference between the runs.

    With two or more runs: the largest gain of the last run over the first (the baseline)
    first, the largest loss last; an operation missing from a run sorts after the others.
    With one run: the least accurate operation first. Ties: more examples first, then name."""
    per_run = [by_op(run.results.values(), run.settings.model) for run in runs]
    ops = sorted({op for groups in per_run for op in groups})
    rows = [
        OpRow(op, tuple((g[op].correct, g[op].n) if op in g else None for g in per_run))
        for op in ops
    ]

    def key(row: OpRow) -> tuple[int, float, int, str]:
        value = row.difference if len(runs) > 1 else -row.accuracy(0)
        missing = math.isnan(value)
        return (int(missing), 0.0 if missing else -value, -row.n, row.op)

    return sorted(rows, key=key)


def _count_cell(count: tuple[int, int] | None) -> str:
    if count is None:
        return "–"
    k, n = count
    return f"{k}/{n} · {pct(k / n if n else math.nan)} ({interval(*wilson_interval(k, n))})"


def op_rows(runs: Sequence[Run]) -> tuple[list[str], list[list[str]]]:
    """The accuracy-by-operation table: counts, accuracy and Wilson 95% interval per run."""
    table = op_table(runs)
    header = ["operation", *(f"{run.label}: right/n · accuracy (95% CI)" for run in runs)]
    if len(runs) > 1:
        header += [f"Δ {run.label} − {runs[0].label}" for run in runs[1:]]
    rows = []
    for row in table:
        cells = [row.op, *(_count_cell(c) for c in row.counts)]
        for i in range(1, len(runs)):
            diff = row.accuracy(i) - row.accuracy(0)
            cells.append("–" if math.isnan(diff) else f"{100 * diff:+.1f} points")
        rows.append(cells)
    return header, rows


def _op_chart(runs: Sequence[Run]) -> str:
    table = op_table(runs)
    series: dict[str, list[Bar]] = {}
    for i, run in enumerate(runs):
        bars = []
        for row in table:
            count = row.counts[i]
            if count is None:
                bars.append(Bar(math.nan))
                continue
            k, n = count
            low, high = wilson_interval(k, n)
            bars.append(Bar(k / n if n else math.nan, low, high, label=f"{k}/{n}"))
        series[_unique_label(run, i, runs)] = bars
    order = (
        f"sorted by {runs[-1].label} − {runs[0].label}, largest gain first"
        if len(runs) > 1
        else "least accurate first"
    )
    return bar_chart(
        [f"{row.op} (n={row.n})" for row in table],
        series,
        title=f"Execution accuracy by operation of the gold plan ({order})",
        axis_label="examples answered right (bars: right/n; whiskers: Wilson 95% interval)",
        category_label="operation (examples)",
    )


def _unique_label(run: Run, i: int, runs: Sequence[Run]) -> str:
    same = [r for r in runs if r.label == run.label]
    return run.label if len(same) == 1 else f"{run.label} #{i + 1}"


def comparison_rows(c: Comparison) -> list[list[str]]:
    low, high = c.accuracy_ci
    rlow, rhigh = c.latency_ci
    return [
        ["examples in common", f"{c.common} (only in A: {c.only_a}, only in B: {c.only_b})"],
        ["accuracy A / B", f"{pct(c.accuracy_a)} / {pct(c.accuracy_b)}"],
        ["difference B − A", f"{100 * c.accuracy_diff:+.1f} points "
                             f"(95% CI {100 * low:+.1f} to {100 * high:+.1f})"],
        ["both right / both wrong", f"{c.both_right} / {c.both_wrong}"],
        ["A right, B wrong / A wrong, B right", f"{c.a_only_right} / {c.b_only_right}"],
        ["McNemar exact p (two-sided)", f"{c.p_value:.4g}"],
        ["latency median B / A", f"{c.latency_ratio:.3f}× (95% CI {rlow:.3f} to {rhigh:.3f})"],
        ["bootstrap", f"{c.resamples} paired resamples, seed {c.seed}"],
    ]  # fmt: skip


def baseline_rows(comparisons: Sequence[Comparison]) -> tuple[list[str], list[list[str]]]:
    """One row per run compared with the baseline (A of every comparison)."""
    header = ["run", "vs baseline", "common", "accuracy baseline / run", "difference (95% CI)",
              "baseline only right / run only right", "McNemar p", "latency ratio"]  # fmt: skip
    rows = []
    for c in comparisons:
        low, high = c.accuracy_ci
        rows.append([
            c.b, c.a, str(c.common), f"{pct(c.accuracy_a)} / {pct(c.accuracy_b)}",
            f"{100 * c.accuracy_diff:+.1f} points ({100 * low:+.1f} to {100 * high:+.1f})",
            f"{c.a_only_right} / {c.b_only_right}", f"{c.p_value:.4g}",
            f"{c.latency_ratio:.3f}×",
        ])  # fmt: skip
    return header, rows


def paired_metrics(a: Run, b: Run) -> list[dict[str, Any]]:
    """Each run's metrics on the examples both answered (what `eval compare` prints per run)."""
    ids = [i for i in a.results if i in b.results]
    out = []
    for role, run in (("A", a), ("B", b)):
        records = [run.results[i] for i in ids]
        m = summarize(records, run.settings.model)
        low, high = wilson_interval(m.correct, m.n)
        attempts = sum(r.attempts for r in records) / len(records) if records else math.nan
        values: dict[str, Any] = {
            "role": role, "run": run.label, "model": run.settings.model,
            "profile": run.settings.profile, "n": m.n, "correct": m.correct,
            "accuracy": m.accuracy, "accuracy_ci": [low, high], "attempts_mean": attempts,
            "repaired_rate": m.repaired_rate, "retry_rate": m.retry_rate,
            "warned_rate": m.warned_rate,
            "first_try_valid_json_rate": m.first_try_valid_json_rate,
            "ttfb_p50_s": m.ttfb_p50_s, "latency_p50_s": m.latency_p50_s,
            "latency_p95_s": m.latency_p95_s,
        }  # fmt: skip
        out.append({k: _finite(v) for k, v in values.items()})
    return out


def paired_rows(a: Run, b: Run) -> tuple[list[str], list[list[str]]]:
    """`paired_metrics` as a table: one row per metric, one column per run."""
    metrics = paired_metrics(a, b)
    header = ["", *(f"{m['role']} = {m['run']}" for m in metrics)]

    def num(m: dict[str, Any], key: str) -> float:
        value = m[key]
        return math.nan if value is None else float(value)

    def accuracy(m: dict[str, Any]) -> str:
        low, high = (math.nan if v is None else float(v) for v in m["accuracy_ci"])
        return f"{pct(num(m, 'accuracy'))} ({interval(low, high)})"

    def attempts(m: dict[str, Any]) -> str:
        value = num(m, "attempts_mean")
        return "–" if math.isnan(value) else f"{value:.2f}"

    cells: list[tuple[str, Callable[[dict[str, Any]], str]]] = [
        ("right / n", lambda m: f"{m['correct']}/{m['n']}"),
        ("accuracy (Wilson 95% CI)", accuracy),
        ("attempts per question", attempts),
        ("repaired", lambda m: pct(num(m, "repaired_rate"))),
        ("re-asked", lambda m: pct(num(m, "retry_rate"))),
        ("answer warned (W-codes)", lambda m: pct(num(m, "warned_rate"))),
        ("valid JSON 1st try", lambda m: pct(num(m, "first_try_valid_json_rate"))),
        ("TTFB p50", lambda m: secs(num(m, "ttfb_p50_s"))),
        ("latency p50 / p95",
         lambda m: f"{secs(num(m, 'latency_p50_s'))} / {secs(num(m, 'latency_p95_s'))}"),
    ]  # fmt: skip
    return header, [[name, *(cell(m) for m in metrics)] for name, cell in cells]


def _finite(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


# --- the drill-down -------------------------------------------------------------------------
def outcome_groups(runs: Sequence[Run]) -> list[tuple[str, list[str]]]:
    """Example ids grouped by which runs got them right, the groups where runs disagree first.

    Two runs A, B: "fixed" (A wrong, B right), "broken" (A right, B wrong), "both wrong",
    "both right". More runs: one group per pattern, named by the runs that got it right."""
    ids: dict[str, None] = {}
    for run in runs:
        ids.update(dict.fromkeys(run.results))
    groups: dict[tuple[bool | None, ...], list[str]] = {}
    for ident in ids:
        pattern = tuple(
            run.results[ident].correct if ident in run.results else None for run in runs
        )
        groups.setdefault(pattern, []).append(ident)
    labels = [_unique_label(run, i, runs) for i, run in enumerate(runs)]

    def name(pattern: tuple[bool | None, ...]) -> str:
        answered = [p for p in pattern if p is not None]
        if len(runs) == 2 and None not in pattern:
            return {
                (False, True): f"fixed: {labels[0]} wrong → {labels[1]} right",
                (True, False): f"broken: {labels[0]} right → {labels[1]} wrong",
                (False, False): "both wrong",
                (True, True): "both right",
            }[(bool(pattern[0]), bool(pattern[1]))]
        if len(runs) == 1:
            return "right" if pattern[0] else "wrong"
        missing = [label for label, p in zip(labels, pattern, strict=True) if p is None]
        suffix = f" (not in {', '.join(missing)})" if missing else ""
        if all(answered):
            return "right in all runs" + suffix
        if not any(answered):
            return "wrong in all runs" + suffix
        right = [label for label, p in zip(labels, pattern, strict=True) if p]
        wrong = [label for label, p in zip(labels, pattern, strict=True) if p is False]
        return f"right in {', '.join(right)}; wrong in {', '.join(wrong)}" + suffix

    def rank(item: tuple[tuple[bool | None, ...], list[str]]) -> tuple[int, int, int]:
        pattern, members = item
        answered = [p for p in pattern if p is not None]
        kind = 2 if all(answered) else 1 if not any(answered) else 0  # disagreements first
        return (kind, 0 if pattern[0] is False else 1, -len(members))  # fixes before breaks

    return [(name(p), members) for p, members in sorted(groups.items(), key=rank)]


def _answer_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    shown = rows[:ANSWER_ROWS]
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_cell(v))}</td>" for v in row) + "</tr>"
        for row in shown
    )
    more = (
        f'<p class="note">… {len(rows) - len(shown)} more rows</p>'
        if len(rows) > len(shown)
        else ""
    )
    return f'<table class="answer"><tr>{head}</tr>{body}</table>{more}'


def _cell(value: Any) -> str:
    text = "null" if value is None else json.dumps(value) if isinstance(value, dict) else str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def _expected_html(example: Example) -> str:
    if example.expected is not None:
        rows = example.expected.rows
        return "<p><b>expected answer</b></p>" + _answer_table(example.expected.columns, rows)
    if example.answers is not None:
        return f"<p><b>expected answers</b>: {html.escape(' | '.join(example.answers))}</p>"
    return ""


def _model_answer(dataset: Dataset, example: Example, result: ExampleResult) -> str:
    """The answer of the recorded plan, run again over the dataset's tables."""
    if result.plan is None:
        return ""
    try:
        answer = run_plan(dataset, from_json(result.plan), example.tables)
    except Exception as exc:  # a report must not fail on one plan; say what happened
        return f'<p class="note">the plan could not be run again: {html.escape(str(exc))}</p>'
    return "<p><b>its answer</b></p>" + _answer_table(answer.columns, answer.rows)


def _result_html(
    run_label: str, result: ExampleResult | None, example: Example | None, dataset: Dataset | None
) -> str:
    if result is None:
        return f'<div class="run"><b>{html.escape(run_label)}</b>: not in this run</div>'
    status = result.status
    facts = [f"{result.attempts} attempt{'s' if result.attempts != 1 else ''}"]
    if result.repaired:
        facts.append("repaired")
    if result.plan_match is not None:
        facts.append("plan matches the gold plan" if result.plan_match else "plan differs")
    facts.append(f"{result.latency_s:.2f} s")
    parts = [
        f'<div class="run"><b>{html.escape(run_label)}</b>: '
        f'<span class="{CSS_CLASS[status]}">{MARK[status]} {status}</span> '
        f'<span class="note">({html.escape(", ".join(facts))})</span>'
    ]
    if result.why:
        parts.append(f'<p class="why">why: {html.escape(result.why)}</p>')
    if result.errors:
        parts.append(f'<p class="note">diagnostics: {html.escape(", ".join(result.errors))}</p>')
    if result.warnings:
        shown = html.escape(", ".join(result.warnings))
        parts.append(f'<p class="note">warnings on the answer: {shown}</p>')
    if result.plan_text:
        parts.append(f"<pre>{html.escape(result.plan_text)}</pre>")
    elif status == "error":
        parts.append('<p class="note">no plan ran</p>')
        if result.written:  # what the model wrote at its last attempt, as it wrote it
            last = html.escape(result.written[-1])
            parts.append(f'<p class="note">its last answer, as written:</p><pre>{last}</pre>')
    if status == "correct":
        parts.append('<p class="note">its answer equals the expected answer</p>')
    elif status == "incorrect" and dataset is not None and example is not None:
        parts.append(_model_answer(dataset, example, result))
    parts.append("</div>")
    return "".join(parts)


def _example_html(
    ident: str, runs: Sequence[Run], examples: dict[str, Example], dataset: Dataset | None
) -> str:
    results = [run.results.get(ident) for run in runs]
    first = next(r for r in results if r is not None)
    marks = " ".join(
        f'<span class="{CSS_CLASS[r.status]}">{MARK[r.status]}</span>'
        if r is not None
        else '<span class="note">·</span>'
        for r in results
    )
    example = examples.get(ident)
    parts = [
        f'<details class="example" id="ex-{html.escape(ident)}"><summary>{marks} '
        f"<code>{html.escape(ident)}</code> {html.escape(first.question)}</summary>",
        f'<p class="note">gold plan uses: {html.escape(", ".join(first.ops) or "–")}'
        f"; tags: {html.escape(', '.join(first.tags) or '–')}</p>",
    ]
    if example is not None:
        if example.plan is not None:
            parts.append(f"<p><b>gold plan</b></p><pre>{html.escape(to_text(example.plan))}</pre>")
        parts.append(_expected_html(example))
    labels = [_unique_label(run, i, runs) for i, run in enumerate(runs)]
    parts.append('<div class="runs">')
    parts += [
        _result_html(label, result, example, dataset)
        for label, result in zip(labels, results, strict=True)
    ]
    parts.append("</div></details>")
    return "".join(parts)


def _drilldown_html(runs: Sequence[Run], dataset: Dataset | None) -> str:
    examples = {e.id: e for e in dataset.examples} if dataset is not None else {}
    labels = [_unique_label(run, i, runs) for i, run in enumerate(runs)]
    parts = [
        "<h2>Every question</h2>",
        f'<p class="note">Marks ✓ right, ✗ wrong answer, ⚠ no plan ran, in run order: '
        f"{html.escape(', '.join(labels))}. Open a question for each run's plan, its answer "
        "and why it was graded wrong.</p>",
    ]
    if dataset is None:
        parts.append(
            '<p class="note">Gold plans and expected answers are not shown: the dataset was '
            "not found (`pesql eval report --dataset PATH`).</p>"
        )
    else:
        stale = [run.label for run in runs if run.settings.dataset_hash != dataset_hash(dataset)]
        if stale:
            parts.append(
                f"<p><b>warning:</b> the dataset changed since {html.escape(', '.join(stale))} "
                "ran; gold plans, expected answers and re-run answers are from its current "
                "version.</p>"
            )
    for title, ids in outcome_groups(runs):
        everyone_right = title in ("both right", "right", "right in all runs")
        attribute = "" if everyone_right else " open"
        parts.append(
            f'<details class="group"{attribute}><summary>{html.escape(title)} ({len(ids)})'
            "</summary>"
        )
        parts += [_example_html(ident, runs, examples, dataset) for ident in ids]
        parts.append("</details>")
    return "\n".join(parts)


# --- pages ----------------------------------------------------------------------------------
def _html_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _flips_html(c: Comparison, runs: Sequence[Run]) -> str:
    questions = {i: r.question for run in runs for i, r in run.results.items()}
    parts = []
    for title, ids in ((f"{c.a} right → {c.b} wrong", c.a_to_wrong),
                       (f"{c.a} wrong → {c.b} right", c.b_to_right)):  # fmt: skip
        items = "".join(
            f"<li><code>{html.escape(i)}</code> {html.escape(questions.get(i, ''))}</li>"
            for i in ids
        )
        parts.append(f"<h3>{html.escape(title)} ({len(ids)})</h3><ul>{items}</ul>")
    return "".join(parts)


def render_html(
    runs: Sequence[Run],
    comparisons: Comparison | Sequence[Comparison] | None = None,
    *,
    dataset: Dataset | None = None,
) -> str:
    """The whole report as one HTML document.

    `comparisons`: one Comparison, a list (each against the baseline), or None to compare
    every run after the first with the first. `dataset`: the runs' dataset, for gold plans,
    expected answers and the answers of wrong plans in the drill-down."""
    compared = _as_comparisons(runs, comparisons)
    header, rows = run_rows(runs)
    op_header, ops = op_rows(runs)
    latency = {
        _unique_label(run, i, runs): [r.latency_s for r in run.results.values()]
        for i, run in enumerate(runs)
    }
    ttfb = {
        _unique_label(run, i, runs): [
            r.ttfb_s for r in run.results.values() if r.ttfb_s is not None
        ]
        for i, run in enumerate(runs)
    }
    body = ["<h1>Evaluation report</h1>", "<h2>Runs</h2>", _html_table(header, rows)]
    body.append(
        '<p class="note">95% CI: Wilson score interval of the accuracy of each run on its own; '
        "for a difference between runs use the paired comparison below.</p>"
    )
    if len(compared) > 1:
        b_header, b_rows = baseline_rows(compared)
        body += [
            f"<h2>Against the baseline {html.escape(runs[0].label)}</h2>",
            _html_table(b_header, b_rows),
            '<p class="note">Each run is paired with the baseline on the examples both '
            "answered; differences are in accuracy points with a paired bootstrap 95% "
            "interval; p is the exact two-sided McNemar test on the discordant examples. "
            "Several comparisons at once: with k runs against one baseline, a p below "
            "0.05 / (k − 1) is the Bonferroni-safe reading.</p>",
        ]
    body += [
        "<h2>Accuracy by operation</h2>",
        _op_chart(runs),
        _html_table(op_header, ops),
        "<h2>Latency</h2>",
        box_plot(latency, title="Total latency per question"),
        box_plot(ttfb, title="Time to first byte of the first answer"),
    ]
    for comparison in compared:
        body += [
            f"<h2>Comparison: {html.escape(comparison.b)} vs {html.escape(comparison.a)}</h2>",
            *(f"<p><b>warning:</b> {html.escape(w)}</p>" for w in comparison.warnings),
            _html_table(["", ""], comparison_rows(comparison)),
            _flips_html(comparison, runs),
        ]
    body.append(_drilldown_html(runs, dataset))
    body.append(
        f'<p class="note">Costs are estimates from list prices as of {PRICES_AS_OF} '
        "(pesql.runtime.evals.runs.metrics.PRICES). Box plots: box = p25–p75, line = median, "
        "whiskers = min and max.</p>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>pesql evaluation</title><style>{STYLE}</style></head><body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _md_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

    return "\n".join([line(header), line(["---"] * len(header)), *(line(r) for r in rows)])


def render_markdown(
    runs: Sequence[Run], comparisons: Comparison | Sequence[Comparison] | None = None
) -> str:
    """A Markdown summary: the runs, accuracy by operation, and the comparisons with the first."""
    compared = _as_comparisons(runs, comparisons)
    header, rows = run_rows(runs)
    op_header, ops = op_rows(runs)
    out = ["# Evaluation report", "", "## Runs", "", _md_table(header, rows), ""]
    if len(compared) > 1:
        b_header, b_rows = baseline_rows(compared)
        out += [f"## Against the baseline {runs[0].label}", "", _md_table(b_header, b_rows), ""]
    out += ["## Accuracy by operation", "", _md_table(op_header, ops), ""]
    for c in compared:
        out += [f"## Comparison: {c.b} vs {c.a}", ""]
        out += [f"**warning:** {w}" for w in c.warnings]
        out += [_md_table(["", ""], comparison_rows(c)), ""]
        out.append(f"- {c.a} right → {c.b} wrong: " + (", ".join(c.a_to_wrong) or "none"))
        out.append(f"- {c.a} wrong → {c.b} right: " + (", ".join(c.b_to_right) or "none"))
        out.append("")
    out.append(f"Costs are estimates from list prices as of {PRICES_AS_OF}.")
    return "\n".join(out) + "\n"
