"""Every benchmark runs in smoke mode and yields the tables it promises (shapes, never timings).

The benchmarks live outside the package (bench/), so nothing else exercises them: this test is
what keeps them from rotting. Packages only the full run needs (ibis, tpchgen-cli) may be
absent here; the benchmark then says so in a note, and the test checks that it did.
"""

from __future__ import annotations

import importlib.util
import math

import pytest

import pesql
from bench import (
    compile_latency,
    integers,
    loading,
    memory,
    overhead,
    scaling,
    startup,
    tokens,
    tpch,
    tpch_join,
)
from bench.__main__ import run_all
from bench.common import (
    BENCH_DIR,
    Report,
    Timing,
    measure,
    measure_interleaved,
    percentile,
    ratio,
    round_ratio,
)

HAS_IBIS = importlib.util.find_spec("ibis") is not None


def _numbers(report: Report, column: str) -> list[float]:
    values = report.column(column)
    assert all(isinstance(v, int | float) for v in values), (column, values)
    return [float(v) for v in values]  # type: ignore[arg-type]


def test_percentile_and_measure() -> None:
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([5.0], 95) == 5.0
    timing = measure(lambda: None, repeat=7, warmup=1)
    assert len(timing.samples) == 7 and timing.p50 <= timing.p95


def test_compile_latency_smoke() -> None:
    stages, execution, profile = compile_latency.run(20, smoke=True)
    names = [case.name for case in compile_latency.CASES]
    assert stages.columns == ("stage", "5 steps p50", "5 steps p95", "5 steps min",
                              "30 steps p50", "30 steps p95", "30 steps min")  # fmt: skip
    assert [c.steps for c in compile_latency.CASES] == [5, 30]
    labels = stages.column("stage")
    for expected in (
        "p-SQL: JSON -> LazyFrame (all stages)",
        "json.loads",
        "probe: floor, json.loads + building the plan's nodes (nothing read or checked)",
        "p-SQL: pesql.parse(text form)",
        "lark: LALR parse + tree -> AST (the path of errors)",
        "p-SQL: from_form, compact form",
        "sqlglot: parse_one + optimize(schema)",
    ):
        assert expected in labels  # fmt: skip
    assert any(note.startswith("5-step plan, p50 per input character") for note in stages.notes)
    assert ("ibis: build + compile (polars)" in labels) is HAS_IBIS
    if not HAS_IBIS:
        assert any(note.startswith("ibis skipped") for note in stages.notes)
    for column in stages.columns[1:]:
        assert all(v > 0 for v in _numbers(stages, column))
    assert set(execution.column("plan")) == set(names)
    measures = execution.column("measure")
    assert measures.count("p-SQL end to end: compile + collect()") == 2
    assert measures.count("ibis end to end: build + to_polars") == (2 if HAS_IBIS else 0)
    assert len(profile.rows) == 15 and all(v > 0 for v in _numbers(profile, "calls per compile"))


def test_the_floor_probe_builds_the_same_plan() -> None:
    # The floor row must cost what building *this* plan costs: every node, children first.
    for case in compile_latency.CASES:
        plan = pesql.parse(case.psql)
        builders = compile_latency.node_builders(plan)
        built = compile_latency.build_nodes(builders)
        assert built[-1] == plan and built[-1] is not plan
        assert len(builders) > 3 * case.steps


def test_tpch_smoke() -> None:
    (report,) = tpch.run(0.01, 1, smoke=True)
    assert report.columns[:2] == ("query", "rows out")
    assert report.column("query") == [q.name for q in tpch.QUERIES]
    # The run stops on any disagreement between engines, and says it checked.
    assert "answers of all engines agree (floats to 1e-6 relative)" in report.notes
    for engine in tpch.ENGINES:
        assert all(v > 0 for v in _numbers(report, f"{engine} ms"))
    real = any(note.startswith("data: tpchgen-cli") for note in report.notes)
    # Q1 groups: TPC-H has (A,F), (N,F), (N,O), (R,F); the synthetic table all six pairs.
    assert report.column("rows out")[0] == (4 if real else 6)


def test_tpch_join_smoke() -> None:
    (report,) = tpch_join.run(0.01, 1, smoke=True)
    assert report.column("query") == ["lineitem LOOKUP orders"]
    assert "answers of all engines agree (floats to 1e-6 relative)" in report.notes
    for engine in tpch_join.ENGINES:
        assert all(v > 0 for v in _numbers(report, f"{engine} ms"))
    # One row per order priority: five in TPC-H and in the synthetic orders.
    assert report.column("rows out") == [5]


def test_memory_smoke() -> None:
    rss, streaming, breakdown = memory.run(0.01, smoke=True)
    assert rss.columns[1 : 1 + len(memory.ENGINES)] == memory.ENGINES
    assert rss.column("query")[0].startswith("idle")
    for engine in memory.ENGINES:
        peaks = _numbers(rss, engine)
        assert all(50 < p < 4096 for p in peaks), (engine, peaks)
    assert streaming.column("attempt") == list(memory.STREAM_MODES)
    answered = dict(zip(streaming.column("attempt"), streaming.column("answered"), strict=True))
    assert answered["p-SQL lazy().collect(streaming)"] == "yes"
    assert breakdown.column("mode") == list(memory.BREAKDOWN_MODES)
    assert all(50 < p < 4096 for p in _numbers(breakdown, "peak RSS MiB"))
    assert breakdown.column("over polars MiB")[0] == 0


def test_tokens_smoke() -> None:
    definitions, outputs = tokens.run(smoke=True)
    assert definitions.column("definition")[:3] == [f"verbosity {v}" for v in tokens.VERBOSITIES]
    assert any(str(label).startswith("profile default.toml") for label in definitions.column(
        "definition"))  # fmt: skip
    no_table = _numbers(definitions, "no table")
    assert no_table[0] > no_table[1] > no_table[2] > 0  # full > short > none
    assert outputs.columns == ("form", "mean", "median", "p95", "max", "mean vs p-SQL text")
    means = dict(zip(outputs.column("form"), _numbers(outputs, "mean"), strict=True))
    assert means["p-SQL text"] < means["canonical JSON (function-call arguments)"]
    assert not any(math.isnan(m) for m in means.values())


def test_scaling_smoke() -> None:
    per_node, growth, largest = scaling.run(smoke=True)
    assert per_node.columns == ("shape", "nodes", *scaling.STAGES)
    assert per_node.column("shape") == ["wide DERIVE"] * 2 + ["OR chain"] * 2
    nodes = _numbers(per_node, "nodes")
    assert nodes[0] < 20 < 80 < nodes[1] < 120 and nodes[2] < 20 < 80 < nodes[3] < 120
    for stage in scaling.STAGES:
        assert all(v > 0 for v in _numbers(per_node, stage))
        assert all(v > 0 for v in _numbers(growth, stage))
    # The largest accepted plan is at the node limit (one more node is refused: E315).
    from pesql.compiler.check.size import MAX_NODES

    assert all(MAX_NODES - 4 < n <= MAX_NODES for n in _numbers(largest, "nodes"))
    assert all(v > 0 for v in _numbers(largest, "compile CPU ms (min)"))


def test_overhead_smoke() -> None:
    (report,) = overhead.run(5)
    labels = report.column("contender")
    assert labels[0] == "hand-written polars: build + collect()"
    assert len(labels) == 6 and sum(label.startswith("pesql end to end") for label in labels) == 2
    assert all(v > 0 for v in _numbers(report, "p50 µs"))
    assert _numbers(report, "ratio to hand-written (per-round median)")[0] == 1.0


def test_integers_smoke() -> None:
    (report,) = integers.run(2, rows=2_000)
    assert [row[0] for row in report.rows] == [label for label, _, _ in integers.CASES]
    assert all(v > 0 for v in _numbers(report, "p-SQL p50 ms") + _numbers(report, "polars p50 ms"))


def test_loading_smoke() -> None:
    (report,) = loading.run(1, (10, 50), (1, 100))
    assert [(r[0], r[1]) for r in report.rows] == [(10, 1), (10, 100), (50, 1), (50, 100)]
    assert all(v > 0 for v in _numbers(report, "load ms"))
    # A shape, not a timing: fifty columns cost more than ten.
    ms = _numbers(report, "load ms")
    assert ms[2] > ms[0] and ms[3] > ms[1]


def test_startup_smoke() -> None:
    (report,) = startup.run(2)
    labels = report.column("command")
    assert "pesql --version" in labels and "pesql run plan.psql (3-row CSV)" in labels
    cpu = dict(zip(labels, _numbers(report, "cpu ms p50"), strict=True))
    assert all(v > 0 for v in cpu.values())
    # A shape, not a timing: running a plan loads polars, printing the version does not.
    assert cpu["pesql run plan.json (3-row CSV)"] > cpu["pesql --version"]


def test_service_load_smoke() -> None:
    """The whole benchmark through `python -m bench`'s registry: one round against a real
    `pesql serve`; shapes only (the ratio itself is a measurement, not a test)."""
    _, section = run_all(smoke=True, only=["service"])
    assert section.error is None, section.error
    (report,) = section.reports
    assert report.column("round") == [1]
    for column in ("unloaded p99 ms", "loaded p99 ms", "loaded p99 / unloaded p99"):
        assert all(v > 0 for v in _numbers(report, column)), column
    assert _numbers(report, "hostile requests")[0] >= 9  # every batch (3+3+2+1) at least once
    assert report.column("5xx") == [0]
    assert any(note.startswith("median ratio over the rounds") for note in report.notes)


def test_main_runs_the_optimizer_benchmark() -> None:
    machine, section = run_all(smoke=True, only=["optimizer"])
    assert machine.reports[0].column("item")[:3] == ["nproc", "memory", "CPU"]
    assert section.error is None and section.text.strip()


@pytest.mark.corpora
def test_main_runs_the_generic_repair_benchmark() -> None:
    _, section = run_all(smoke=True, only=["repair_generic"])
    assert section.error is None, section.error
    assert "pesql lenient_json.repair_json" in section.text


def test_main_runs_the_plan_repair_benchmark() -> None:
    assert (BENCH_DIR / "repair_plans.py").exists()
    _, section = run_all(smoke=True, only=["repair"])
    assert section.error is None, section.error
    assert "recovered" in section.text


def test_main_rejects_an_unknown_benchmark() -> None:
    with pytest.raises(SystemExit, match="unknown benchmark"):
        run_all(smoke=True, only=["nope"])


def test_against_compares_two_trees_through_the_public_api() -> None:
    from bench import against

    tree = against._current_tree()  # this checkout as its own baseline: both children run
    report = against.run(tree, rounds=1, plans=3)
    assert [row[0] for row in report.rows] == ["5 steps", "30 steps"]
    assert all(row[1] > 0 and row[2] > 0 and row[3] > 0 for row in report.rows)


def test_interleaved_rounds_are_shuffled_repeatably_and_ratios_pair_rounds() -> None:
    def orders(seed: int) -> list[tuple[str, ...]]:
        calls: list[str] = []
        fns = {name: (lambda n=name: calls.append(n)) for name in "abcd"}
        timings = measure_interleaved(fns, repeat=30, warmup=0, seed=seed)
        assert all(len(t.samples) == 30 for t in timings.values())
        return [tuple(calls[i : i + 4]) for i in range(0, len(calls), 4)]

    first = orders(1)
    assert all(sorted(o) == list("abcd") for o in first)
    assert first == orders(1) and first != orders(2)  # seeded
    assert len(set(first)) > 4  # shuffled, not one of the 4 rotations
    # Each round's own ratio, then the median: a slow round slows both sides alike.
    slow = Timing((1.0, 10.0, 2.0))
    fast = Timing((0.5, 5.0, 1.0))
    assert round_ratio(slow, fast) == 2.0
    assert ratio(slow.p50, fast.p50) == 2.0 and round_ratio(fast, slow) == 0.5
