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
    >>> markdown = render_markdown([a, b], comparison)
    >>> print(markdown[markdown.index("## Comparison"):])
    ## Comparison: sub_abs vs abs_diff
    ...
    | difference B − A | +35.0 points (95% CI +15.0 to +55.0) |
    ...
    - abs_diff wrong → sub_abs right: q10, q11, q12, q13, q14, q15, q16
    ...

The page loads nothing: no script, no stylesheet, no font from elsewhere, so it can be mailed,
attached to a pull request or opened offline. Charts are drawn by `eval_charts`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from pesql.runtime.evals.runs.charts import bar_chart, box_plot
from pesql.runtime.evals.runs.metrics import PRICES_AS_OF, Metrics, by_op, summarize
from pesql.runtime.evals.runs.records import Run
from pesql.runtime.evals.runs.stats import Comparison

__all__ = ["render_html", "render_markdown"]

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 1000px; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } td, th { padding: 2px 8px; }
th { text-align: left; border-bottom: 1px solid #888; } td.n { text-align: right; }
tr:nth-child(even) td { background: #f4f4f4; } .note { color: #666; font-size: 12px; }
"""


def pct(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.1f}%"


def secs(value: float) -> str:
    return "–" if math.isnan(value) else f"{value:.3f} s"


def cost(metrics: Metrics) -> str:
    return "–" if metrics.cost_usd is None else f"~${metrics.cost_usd:.4f}"


def run_rows(runs: Sequence[Run]) -> tuple[list[str], list[list[str]]]:
    """The per-run summary table: header and one row per run."""
    header = ["run", "model", "profile", "n", "accuracy", "plan match", "valid JSON 1st try",
              "repaired", "re-asked", "TTFB p50/p95", "latency p50/p95", "tokens in/out",
              "est. cost"]  # fmt: skip
    rows = []
    for run in runs:
        m = summarize(list(run.results.values()), run.settings.model)
        approx = "~" if m.tokens_estimated else ""
        rows.append([
            run.label, run.settings.model,
            f"{run.settings.profile} ({run.settings.profile_hash[:8]})", str(m.n),
            pct(m.accuracy), pct(m.plan_match_rate), pct(m.first_try_valid_json_rate),
            pct(m.repaired_rate), pct(m.retry_rate),
            f"{secs(m.ttfb_p50_s)} / {secs(m.ttfb_p95_s)}",
            f"{secs(m.latency_p50_s)} / {secs(m.latency_p95_s)}",
            f"{approx}{m.tokens_in} / {approx}{m.tokens_out}", cost(m),
        ])  # fmt: skip
    return header, rows


def op_rows(runs: Sequence[Run]) -> tuple[list[str], list[list[str]], dict[str, list[float]]]:
    """Accuracy per operation of the gold plans: table rows and the chart's series."""
    per_run = [by_op(run.results.values(), run.settings.model) for run in runs]
    ops = sorted({op for groups in per_run for op in groups})
    header = ["operation", *(f"{run.label} (n)" for run in runs)]
    rows = []
    for op in ops:
        cells = [f"{pct(g[op].accuracy)} ({g[op].n})" if op in g else "–" for g in per_run]
        rows.append([op, *cells])
    series = {
        run.label: [g[op].accuracy if op in g else math.nan for op in ops]
        for run, g in zip(runs, per_run, strict=True)
    }
    return header, rows, series


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


def render_html(runs: Sequence[Run], comparison: Comparison | None = None) -> str:
    """The whole report as one HTML document."""
    header, rows = run_rows(runs)
    op_header, ops, series = op_rows(runs)
    ops_names = [row[0] for row in ops]
    latency = {run.label: [r.latency_s for r in run.results.values()] for run in runs}
    ttfb = {
        run.label: [r.ttfb_s for r in run.results.values() if r.ttfb_s is not None] for run in runs
    }
    body = [
        "<h1>Evaluation report</h1>",
        "<h2>Runs</h2>",
        _html_table(header, rows),
        "<h2>Accuracy by operation</h2>",
        bar_chart(ops_names, series, title="execution accuracy by operation of the gold plan"),
        _html_table(op_header, ops),
        "<h2>Latency</h2>",
        box_plot(latency, title="total latency per question (s)"),
        box_plot(ttfb, title="time to first byte of the first answer (s)"),
    ]
    if comparison is not None:
        body += [
            f"<h2>Comparison: {html.escape(comparison.b)} vs {html.escape(comparison.a)}</h2>",
            *(f"<p><b>warning:</b> {html.escape(w)}</p>" for w in comparison.warnings),
            _html_table(["", ""], comparison_rows(comparison)),
            _flips_html(comparison, runs),
        ]
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


def render_markdown(runs: Sequence[Run], comparison: Comparison | None = None) -> str:
    """A Markdown summary: the runs, accuracy by operation, and the comparison of two runs."""
    header, rows = run_rows(runs)
    op_header, ops, _ = op_rows(runs)
    out = ["# Evaluation report", "", "## Runs", "", _md_table(header, rows), ""]
    out += ["## Accuracy by operation", "", _md_table(op_header, ops), ""]
    if comparison is not None:
        c = comparison
        out += [f"## Comparison: {c.b} vs {c.a}", ""]
        out += [f"**warning:** {w}" for w in c.warnings]
        out += [_md_table(["", ""], comparison_rows(c)), ""]
        out.append(f"- {c.a} right → {c.b} wrong: " + (", ".join(c.a_to_wrong) or "none"))
        out.append(f"- {c.a} wrong → {c.b} right: " + (", ".join(c.b_to_right) or "none"))
        out.append("")
    out.append(f"Costs are estimates from list prices as of {PRICES_AS_OF}.")
    return "\n".join(out) + "\n"
