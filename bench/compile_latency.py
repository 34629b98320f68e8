"""Compile latency: function-call JSON -> repaired -> AST -> checked -> optimized -> LazyFrame.

    python -m bench.compile_latency            # 2000 samples per row, profile included
    python -m bench.compile_latency --smoke    # 50 samples per row, a few seconds

Two plans, each written once as a list of steps and rendered four ways (p-SQL, SQL, polars,
ibis) so every contender compiles the same query: a typical 5-step plan (filter, derive,
group-by, sort, limit) and a 30-step plan (14 DERIVE/FILTER pairs, a group-by and a sort).
Next to each p-SQL stage: `json.loads` of the same string, the floor (`json.loads` and
building the plan's AST nodes, nothing read or checked: what no reader can go below), parsing
the text form
(`pesql.parse`, the descent reader) and lark's reading of it (the path of errors), reading
the compact, steps and text wire forms (`from_form`), sqlglot parsing and optimizing the
equivalent SQL with a schema, ibis (polars backend) building and compiling the query, and
polars building it by hand.

Then the 100-row table: polars' own execution time of the plan, and end to end (compile +
execute) against the query hand-written in polars and against ibis. Targets are reported,
never asserted (tests must not time): p50 <= 150 µs (or <= 2.2x hand-written polars) for
the 5-step plan; a cache hit <= 20 µs; parsing its text <= 150 µs; compile < 1/5 of polars'
execution; end to end within 1.2x of hand-written polars. Ratios are per-round medians
(`bench.common.round_ratio`).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import json
import pstats
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.compiler.backends.polars.lower import to_polars
from pesql.compiler.check.check import check
from pesql.compiler.check.schema import Schema
from pesql.compiler.passes.optimize import optimize
from pesql.compiler.repair.repair import repair
from pesql.grammar import ast as A
from pesql.grammar.forms import from_form, to_form
from pesql.grammar.jsonform import from_json
from pesql.grammar.parse import parse, read_with_lark
from pesql.runtime.engine.execute import clear_compile_cache

import pesql
from bench.common import REPO_DIR, Report, Timing, measure_interleaved, round_ratio, version_of

TARGET_SMALL_P50_US = 150.0
TARGET_HAND_RATIO = 2.2  # or this many times hand-written polars building the query
TARGET_CACHED_P50_US = 20.0
TARGET_PARSE_P50_US = 150.0
TARGET_COMPILE_SHARE = 0.2
TARGET_E2E_RATIO = 1.2

SQL_SCHEMA: dict[str, object] = {
    "sales": {"region": "VARCHAR", "category": "VARCHAR", "qty": "BIGINT",
              "price": "DOUBLE", "cost": "DOUBLE"}
}  # fmt: skip


def make_table(rows: int = 100, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    price = rng.uniform(1, 1000, rows).round(2)
    return pl.DataFrame(
        {
            "region": rng.choice(["North", "South", "East", "West"], rows),
            "category": rng.choice([f"c{i}" for i in range(6)], rows),
            "qty": rng.integers(0, 20, rows),
            "price": price,
            "cost": (price * rng.uniform(0.3, 1.2, rows)).round(2),
        }
    )


@dataclass(frozen=True)
class Case:
    """One query in every form: p-SQL text, canonical JSON text, SQL, polars and ibis."""

    name: str
    psql: str
    sql: str
    polars: Callable[[pl.LazyFrame], pl.LazyFrame]
    ibis: Callable[[Any], Any]  # ibis table -> ibis expression

    @property
    def steps(self) -> int:
        return len(parse(self.psql).steps)

    def json_text(self) -> str:
        return json.dumps(pesql.to_json(parse(self.psql)), separators=(",", ":"))


def _small_polars(lf: pl.LazyFrame) -> pl.LazyFrame:
    return (
        lf.filter((pl.col("region") != "North") & (pl.col("qty") > 0))
        .with_columns(
            gap=(pl.col("price") - pl.col("cost")).abs(), revenue=pl.col("price") * pl.col("qty")
        )
        .group_by("region", "category")
        .agg(n=pl.len(), avg_gap=pl.col("gap").mean(), revenue=pl.col("revenue").sum())
        .sort("revenue", descending=True)
        .head(5)
    )


def _small_ibis(t: Any) -> Any:
    import ibis

    t = t.filter((t.region != "North") & (t.qty > 0))
    t = t.mutate(gap=(t.price - t.cost).abs(), revenue=t.price * t.qty)
    t = t.group_by(["region", "category"]).aggregate(
        n=t.count(), avg_gap=t.gap.mean(), revenue=t.revenue.sum()
    )
    return t.order_by(ibis.desc("revenue")).limit(5)


SMALL = Case(
    "typical 5-step plan",
    "FILTER region != 'North' AND qty > 0\n"
    "DERIVE gap = SUB_ABS(price, cost), revenue = price * qty\n"
    "GROUP_BY region, category COMPUTE n = COUNT(*), avg_gap = AVG(gap), revenue = SUM(revenue)\n"
    "SORT revenue DESC\n"
    "LIMIT 5",
    "SELECT region, category, COUNT(*) AS n, AVG(ABS(price - cost)) AS avg_gap, "
    "SUM(price * qty) AS revenue FROM sales WHERE region <> 'North' AND qty > 0 "
    "GROUP BY region, category ORDER BY revenue DESC LIMIT 5",
    _small_polars,
    _small_ibis,
)

# The 30-step plan: 14 (DERIVE, FILTER) pairs over three expression shapes, then GROUP_BY, SORT.
_PAIRS = 14


def _derived(i: int) -> tuple[str, str, Callable[[], pl.Expr], Callable[[Any], Any]]:
    """(p-SQL, SQL, polars, ibis) of the i-th derived column."""
    k = i + 2
    match i % 3:
        case 0:
            return (
                f"price * {k} + qty",
                f"price * {k} + qty",
                lambda: pl.col("price") * k + pl.col("qty"),
                lambda t: t.price * k + t.qty,
            )
        case 1:
            return (
                "cost / (qty + 1) - 1",
                "cost / (qty + 1) - 1",
                lambda: pl.col("cost") / (pl.col("qty") + 1) - 1,
                lambda t: t.cost / (t.qty + 1) - 1,
            )
        case _:
            return (f"SUB_ABS(price, cost) * {k}", f"ABS(price - cost) * {k}",
                    lambda: (pl.col("price") - pl.col("cost")).abs() * k,
                    lambda t: (t.price - t.cost).abs() * k)  # fmt: skip


def _large_psql() -> str:
    lines = []
    for i in range(_PAIRS):
        lines.append(f"DERIVE d{i} = {_derived(i)[0]}")
        lines.append(f"FILTER d{i} >= 0")
    lines.append(f"GROUP_BY region COMPUTE n = COUNT(*), total = SUM(d{_PAIRS - 1})")
    lines.append("SORT region")
    return "\n".join(lines)


def _large_sql() -> str:
    sql = "SELECT * FROM sales"
    for i in range(_PAIRS):
        sql = f"SELECT *, {_derived(i)[1]} AS d{i} FROM ({sql}) AS s{i} WHERE {_derived(i)[1]} >= 0"
    return (f"SELECT region, COUNT(*) AS n, SUM(d{_PAIRS - 1}) AS total FROM ({sql}) AS s "
            "GROUP BY region ORDER BY region")  # fmt: skip


def _large_polars(lf: pl.LazyFrame) -> pl.LazyFrame:
    for i in range(_PAIRS):
        lf = lf.with_columns(_derived(i)[2]().alias(f"d{i}")).filter(pl.col(f"d{i}") >= 0)
    last = f"d{_PAIRS - 1}"
    return lf.group_by("region").agg(n=pl.len(), total=pl.col(last).sum()).sort("region")


def _large_ibis(t: Any) -> Any:
    for i in range(_PAIRS):
        t = t.mutate(**{f"d{i}": _derived(i)[3](t)})
        t = t.filter(t[f"d{i}"] >= 0)
    last = f"d{_PAIRS - 1}"
    return t.group_by("region").aggregate(n=t.count(), total=t[last].sum()).order_by("region")


LARGE = Case("30-step plan", _large_psql(), _large_sql(), _large_polars, _large_ibis)
CASES = (SMALL, LARGE)


def compile_json(text: str, schema: Schema, source: pl.LazyFrame) -> pl.LazyFrame:
    """The whole uncached path a model's function call takes, as the stages run it."""
    repaired = repair(text)
    assert repaired.plan is not None and repaired.trusted
    checked = check(repaired.plan, schema)
    lazy: pl.LazyFrame = to_polars(optimize(checked), source)
    return lazy


def node_builders(plan: object) -> list[tuple[type, dict[str, object]]]:
    """Each AST node of `plan` as (class, constructor arguments), children built first: what
    building the same tree costs with no reading, checking or repair at all (the floor probe).
    """
    found: list[tuple[type, dict[str, object]]] = []

    def visit(value: object) -> None:
        if isinstance(value, tuple):
            for item in value:
                visit(item)
        elif isinstance(value, A.Node):
            args = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.init}
            for item in args.values():
                visit(item)
            found.append((type(value), args))

    visit(plan)
    return found


def build_nodes(builders: list[tuple[type, dict[str, object]]]) -> list[object]:
    return [cls(**args) for cls, args in builders]


def ibis_or_none() -> tuple[Any, str | None]:
    """(ibis module, None) or (None, why it is skipped)."""
    try:
        import ibis

        ibis.polars.connect({})
    except Exception as exc:  # an absent or broken install skips the column, loudly
        return None, f"ibis skipped: {type(exc).__name__}: {exc}".splitlines()[0]
    return ibis, None


def stage_timings(
    case: Case, frame: pl.DataFrame, repeat: int, budget_s: float
) -> list[tuple[str, Timing]]:
    """Each p-SQL stage alone, the whole path, and the alternatives, on the same query."""
    import sqlglot
    from sqlglot.optimizer import optimize as sqlglot_optimize

    schema = schema_from_polars(frame.schema)
    source = frame.lazy()
    text = case.json_text()
    plan = from_json(text)
    checked = check(plan, schema)
    optimized = optimize(checked)

    builders = node_builders(plan)
    forms = {
        form: json.dumps(to_form(plan, form), separators=(",", ":"))
        for form in ("compact", "steps", "text")
    }

    def via_compile() -> object:
        clear_compile_cache()
        return pesql.compile(text, schema).lazy(source)

    fns: dict[str, Callable[[], object]] = {
        "p-SQL: repair (scan + lower to AST)": lambda: repair(text),
        "p-SQL: from_json (valid JSON, no repair)": lambda: from_json(text),
        "p-SQL: check": lambda: check(plan, schema),
        "p-SQL: optimize": lambda: optimize(checked),
        "p-SQL: to_polars": lambda: to_polars(optimized, source),
        "p-SQL: JSON -> LazyFrame (all stages)": lambda: compile_json(text, schema, source),
        "p-SQL: pesql.compile(...).lazy, cache cleared": via_compile,
        "p-SQL: pesql.compile, cached": lambda: pesql.compile(text, schema),
        "probe: json.loads + from_json (a strict fast path for repair)": lambda: from_json(
            json.loads(text)
        ),
        "json.loads": lambda: json.loads(text),
        "probe: floor, json.loads + building the plan's nodes (nothing read or checked)": lambda: (
            json.loads(text),
            build_nodes(builders),
        ),
        "p-SQL: pesql.parse(text form)": lambda: parse(case.psql),
        "lark: LALR parse + tree -> AST (the path of errors)": lambda: read_with_lark(
            case.psql, "start", None
        ),
        "p-SQL: from_form, compact form": lambda: from_form(forms["compact"], "compact"),
        "p-SQL: from_form, steps form": lambda: from_form(forms["steps"], "steps"),
        "p-SQL: from_form, text form": lambda: from_form(forms["text"], "text"),
        "sqlglot: parse_one": lambda: sqlglot.parse_one(case.sql),
        "sqlglot: parse_one + optimize(schema)": lambda: sqlglot_optimize(
            sqlglot.parse_one(case.sql), schema=SQL_SCHEMA
        ),
        "polars: build LazyFrame by hand": lambda: case.polars(source),
    }
    ibis, _ = ibis_or_none()
    if ibis is not None:
        con = ibis.polars.connect({"sales": frame})
        table = con.table("sales")
        fns["ibis: build + compile (polars)"] = lambda: con.compile(case.ibis(table))
    timings = measure_interleaved(fns, repeat=repeat, warmup=3, budget_s=budget_s)
    return list(timings.items())


def collect_polled(lazy: pl.LazyFrame, first_pause_s: float) -> pl.DataFrame:
    """runtime/limits.collect_within's polling loop with another first pause (a probe)."""
    query = lazy.collect(background=True)
    pause = first_pause_s
    while (result := query.fetch()) is None:
        time.sleep(pause)
        pause = min(pause * 2, 0.02)
    return result


def execution_report(frame: pl.DataFrame, repeat: int, budget_s: float) -> Report:
    """The 100-row table: execution, compile share, and end to end against the alternatives."""
    report = Report(
        f"{frame.height}-row table: execution and end to end, µs",
        ("plan", "measure", "p50 µs", "p95 µs", "min µs", "ratio", "target"),
    )
    ibis, skipped = ibis_or_none()
    if skipped:
        report.notes.append(skipped)
    for case in CASES:
        _execution_rows(report, case, frame, ibis, repeat, budget_s)
    report.notes.append(
        "ratio: the median over rounds of each round's ratio, against hand-written polars "
        "(end to end and hand-written rows), against the p-SQL plan's collect (compile share "
        "and other probes)"
    )
    report.notes.append(
        "collect() with engine 'auto' runs polars' streaming engine; a background collect "
        "(pesql's time budget) runs the in-memory engine"
    )
    return report


def _execution_rows(
    report: Report, case: Case, frame: pl.DataFrame, ibis: Any, repeat: int, budget_s: float
) -> None:
    schema = schema_from_polars(frame.schema)
    source = frame.lazy()
    text = case.json_text()
    lazy = compile_json(text, schema, source)
    expected = case.polars(source).collect()
    _check_same(case, lazy.collect(), expected)

    def production() -> object:
        clear_compile_cache()
        return pesql.compile(text, schema).collect(frame)

    fns: dict[str, Callable[[], object]] = {
        "compile": lambda: compile_json(text, schema, source),
        "run": lambda: lazy.collect(),
        "hand": lambda: case.polars(source).collect(),
        "e2e": lambda: compile_json(text, schema, source).collect(),
        "production": production,
        "polled": lambda: collect_polled(lazy, 0.001),
        "fast_poll": lambda: collect_polled(lazy, 2e-5),
        "in_memory": lambda: lazy.collect(engine="in-memory"),
        "hand_in_memory": lambda: case.polars(source).collect(engine="in-memory"),
    }
    if ibis is not None:
        con = ibis.polars.connect({"sales": frame})
        table = con.table("sales")
        _check_same(case, con.to_polars(case.ibis(table)), expected)
        fns["ibis"] = lambda: con.to_polars(case.ibis(table))
    timings = measure_interleaved(fns, repeat=repeat, warmup=3, budget_s=budget_s)
    compile_t, run_t, hand_t = timings["compile"], timings["run"], timings["hand"]
    e2e_t, prod_t = timings["e2e"], timings["production"]
    polled_t, fast_poll_t = timings["polled"], timings["fast_poll"]
    e2e_target = f"<= {TARGET_E2E_RATIO:g}x polars"
    rows: list[tuple[str, Timing, float | None, str | None]] = [
        ("polars collect of the p-SQL plan", run_t, None, None),
        ("p-SQL compile (JSON -> LazyFrame)", compile_t, round_ratio(compile_t, run_t),
         f"< {TARGET_COMPILE_SHARE:g} of collect"),
        ("hand-written polars: build + collect", hand_t, 1.0, None),
        ("p-SQL end to end: compile + collect()", e2e_t, round_ratio(e2e_t, hand_t), e2e_target),
        ("p-SQL end to end: pesql.compile(...).collect (limits)", prod_t,
         round_ratio(prod_t, hand_t), e2e_target),
        ("probe: background collect, 1 ms first poll (as limits.py)", polled_t,
         round_ratio(polled_t, run_t), None),
        ("probe: background collect, 20 µs first poll", fast_poll_t,
         round_ratio(fast_poll_t, run_t), None),
        ("probe: p-SQL plan, collect(engine='in-memory')", timings["in_memory"],
         round_ratio(timings["in_memory"], run_t), None),
        ("probe: hand-written polars, collect(engine='in-memory')", timings["hand_in_memory"],
         round_ratio(timings["hand_in_memory"], hand_t), None),
    ]  # fmt: skip
    if "ibis" in timings:
        ibis_t = timings["ibis"]
        ibis_ratio = round_ratio(ibis_t, hand_t)
        rows.append(("ibis end to end: build + to_polars", ibis_t, ibis_ratio, None))
    for label, timing, share, target in rows:
        report.add(case.name, label, timing.p50_us, timing.p95_us, timing.best_us, share, target)


def _check_same(case: Case, got: pl.DataFrame, expected: pl.DataFrame) -> None:
    from polars.testing import assert_frame_equal

    try:
        assert_frame_equal(got, expected, check_dtypes=False, rel_tol=1e-9)
    except AssertionError as exc:
        raise SystemExit(f"{case.name}: answers differ: {exc}") from None


def profile_report(case: Case, frame: pl.DataFrame, iterations: int, top: int = 15) -> Report:
    """cProfile of the JSON -> LazyFrame path: where the time goes, per compile."""
    schema = schema_from_polars(frame.schema)
    source = frame.lazy()
    text = case.json_text()
    for _ in range(20):
        compile_json(text, schema, source)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(iterations):
        compile_json(text, schema, source)
    profiler.disable()
    stats = pstats.Stats(profiler)
    entries: list[tuple[str, int, float, float]] = []
    raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
    for (filename, line, function), (_cc, calls, tottime, cumtime, _) in raw.items():
        where = _short(filename)
        entries.append((f"{where}:{line} {function}", calls, tottime, cumtime))
    entries.sort(key=lambda e: e[2], reverse=True)
    report = Report(
        f"Profile (cProfile) of JSON -> LazyFrame, {case.name}, {iterations} compiles",
        ("function", "calls per compile", "own µs per compile", "cumulative µs per compile"),
    )
    for name, calls, tottime, cumtime in entries[:top]:
        report.add(name, round(calls / iterations, 1), tottime / iterations * 1e6,
                   cumtime / iterations * 1e6)  # fmt: skip
    report.notes.append("cProfile inflates cheap calls; read the shares, not the absolute µs")
    return report


def _short(filename: str) -> str:
    root = str(REPO_DIR) + "/"
    if filename.startswith(root):
        return filename[len(root) :]  # this checkout, wherever it is (a worktree, say)
    for marker in ("site-packages/", "/main/", "/lib/python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def run(repeat: int = 2000, profile_iterations: int = 500, smoke: bool = False) -> list[Report]:
    frame = make_table(100)
    budget_s = 1.0 if smoke else 40.0  # per plan and table: every contender shares it
    stages = Report(
        f"Compile latency, µs (p50/p95 of up to {repeat} interleaved rounds, "
        f"{budget_s:g} s per plan)",
        ("stage", *(f"{c.steps} steps {stat}" for c in CASES for stat in ("p50", "p95", "min"))),
    )  # fmt: skip
    per_case = [stage_timings(case, frame, repeat, budget_s) for case in CASES]
    for index, (label, _) in enumerate(per_case[0]):
        timings = [rows[index][1] for rows in per_case]
        stages.add(label, *(x for t in timings for x in (t.p50_us, t.p95_us, t.best_us)))
    _, skipped = ibis_or_none()
    if skipped:
        stages.notes.append(skipped)
    else:
        stages.notes.append(f"ibis {version_of('ibis-framework')} with its polars backend")
    small_rows = dict(per_case[0])
    hand = small_rows["polars: build LazyFrame by hand"]
    for label in ("p-SQL: JSON -> LazyFrame (all stages)",
                  "p-SQL: pesql.compile(...).lazy, cache cleared"):  # fmt: skip
        timing = small_rows[label]
        share = round_ratio(timing, hand)
        met = timing.p50_us <= TARGET_SMALL_P50_US or share <= TARGET_HAND_RATIO
        stages.notes.append(
            f"target: 5-step plan, {label[7:]}: p50 <= {TARGET_SMALL_P50_US:g} µs or <= "
            f"{TARGET_HAND_RATIO:g}x hand-written polars: {timing.p50_us:.0f} µs, {share:.2f}x "
            f"(per-round median), {'met' if met else 'missed'}"
        )
    for label, target in (("p-SQL: pesql.compile, cached", TARGET_CACHED_P50_US),
                          ("p-SQL: pesql.parse(text form)", TARGET_PARSE_P50_US)):  # fmt: skip
        timing = small_rows[label]
        met = "met" if timing.p50_us <= target else "missed"
        stages.notes.append(
            f"target: 5-step plan, {label}: p50 <= {target:g} µs: {timing.p50_us:.1f} µs, {met}"
        )
    plan = parse(SMALL.psql)
    inputs = {
        "p-SQL: pesql.parse(text form)": SMALL.psql,
        "p-SQL: from_form, compact form": json.dumps(
            to_form(plan, "compact"), separators=(",", ":")
        ),
        "p-SQL: from_json (valid JSON, no repair)": SMALL.json_text(),
    }
    per_char = ", ".join(
        f"{label[7:]} {small_rows[label].p50_us * 1000 / len(text):.0f} ns ({len(text)} chars)"
        for label, text in inputs.items()
    )
    stages.notes.append(f"5-step plan, p50 per input character: {per_char}")
    stages.notes.append("SQL of the 30-step plan: 14 nested subqueries (one per DERIVE/FILTER)")
    reports = [stages, execution_report(frame, repeat, budget_s)]
    reports.append(profile_report(SMALL, frame, 50 if smoke else profile_iterations))
    return reports


def main(argv: Sequence[str] | None = None) -> list[Report]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    parser.add_argument("--smoke", action="store_true", help="50 samples per row")
    args = parser.parse_args(argv)
    reports = run(50 if args.smoke else args.repeat, smoke=args.smoke)
    for report in reports:
        print(report.to_markdown())
    return reports


if __name__ == "__main__":
    main()
