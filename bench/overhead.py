"""Execution overhead on a 100-row table: what pesql's run adds to hand-written polars.

    python -m bench.overhead              # 400 rounds
    python -m bench.overhead --smoke      # 20 rounds

The compile path has its own benchmark (bench/compile_latency.py); this one times the run of
an already compiled plan (`CompiledPlan.collect`: the time budget, the size estimate, the
engine choice, the data warnings) and the whole `compile + collect` with the compile cache
cleared, each against building and collecting the same query by hand in polars. Every round
runs each contender once, in an order shuffled per round (a fixed rotation gives each one the
same predecessor and biased a ratio 4x in one run, issue 20); a ratio is the median over
rounds of that round's ratio, so a busy spell on the shared machine slows both sides of it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence

import polars as pl
from pesql.compiler.backends.polars.dtypes import schema_from_polars
from pesql.runtime.engine.execute import clear_compile_cache, compile
from pesql.runtime.engine.limits import Limits
from polars.testing import assert_frame_equal

from bench.common import Report, measure_interleaved, rounds_main
from bench.compile_latency import SMALL, make_table

TARGET_E2E_RATIO = 1.2  # issue 20: compile + collect <= 1.2x hand-written polars


def contenders(frame: pl.DataFrame) -> dict[str, Callable[[], object]]:
    """Label -> one run; the hand-written query first (the denominator of every ratio)."""
    schema = schema_from_polars(frame.schema)
    text = SMALL.json_text()
    compiled = compile(text, schema)
    quiet = Limits(data_warnings=False)
    expected = SMALL.polars(frame.lazy()).collect()
    answer = compiled.collect(frame).frame
    try:  # COUNT is i64 in p-SQL, u32 in polars; sums may differ in the last bits
        assert_frame_equal(answer, expected.select(answer.columns), check_dtypes=False)
    except AssertionError as exc:
        raise SystemExit(f"pesql and hand-written polars disagree: {exc}") from None

    def end_to_end(limits: Limits | None = None) -> object:
        clear_compile_cache()
        return compile(text, schema).collect(frame, limits)

    return {
        "hand-written polars: build + collect()": lambda: SMALL.polars(frame.lazy()).collect(),
        "hand-written polars: collect(engine='in-memory')": lambda: SMALL.polars(
            frame.lazy()
        ).collect(engine="in-memory"),
        "pesql run: compiled.collect (defaults, with warnings)": lambda: compiled.collect(frame),
        "pesql run: compiled.collect (data_warnings=False)": lambda: compiled.collect(frame, quiet),
        "pesql end to end: compile (cache cleared) + collect, defaults": end_to_end,
        "pesql end to end: compile (cache cleared) + collect, no warnings": lambda: end_to_end(
            quiet
        ),
    }


def run(rounds: int = 400) -> list[Report]:
    frame = make_table(100)
    fns = contenders(frame)
    timings = measure_interleaved(fns, repeat=rounds, warmup=2, seed=20)
    samples = {name: list(timing.samples) for name, timing in timings.items()}
    base = next(iter(fns))
    report = Report(
        "Execution overhead on a 100-row table (typical 5-step plan), µs",
        ("contender", "p50 µs", "p90 µs", "ratio to hand-written (per-round median)", "target"),
    )
    for name, values in samples.items():
        ordered = sorted(values)
        ratios = [v / b for v, b in zip(values, samples[base], strict=True)]
        target = f"<= {TARGET_E2E_RATIO:g}x" if name.startswith("pesql end to end") else ""
        report.add(
            name,
            statistics.median(values) * 1e6,
            ordered[int(0.9 * (len(ordered) - 1))] * 1e6,
            statistics.median(ratios),
            target,
        )
    report.notes.append(
        f"{rounds} rounds, order shuffled per round; the run's share (budget, estimate, engine "
        "choice, warnings) is the compiled.collect rows, the compile path's the difference "
        "to the end-to-end rows (bench/compile_latency.py profiles it)"
    )
    return [report]


def main(argv: Sequence[str] | None = None) -> int:
    return rounds_main(argv, __doc__, run, rounds=400, smoke=20)


if __name__ == "__main__":
    raise SystemExit(main())
