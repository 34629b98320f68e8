"""Run every benchmark and write one Markdown report.

    python -m bench                       # full run (TPC-H scale 1; about 15 minutes)
    python -m bench --smoke               # every benchmark on tiny inputs, well under a minute
    python -m bench --scale 0.1 --only tpch,memory
    python -m bench --out bench/results/latest.md

Benchmarks: compile latency, TPC-H execution, memory, repair (bench/repair_plans.py and
bench/repair_generic.py, owned by the repair work and run here as they are), tokens, and the
optimizer's own benchmark (bench/optimizer.py). Each prints Markdown; the whole report is also
written to `--out` (bench/results/ is gitignored). docs/benchmarks.md holds the latest full run.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bench.common import BENCH_DIR, Report, machine_report


@dataclass
class Section:
    """One benchmark's outcome: its tables, or the text a benchmark we do not own printed."""

    name: str
    reports: list[Report]
    text: str = ""
    elapsed_s: float = 0.0
    error: str | None = None

    def to_markdown(self) -> str:
        parts = [f"## {self.name} ({self.elapsed_s:.1f} s)", ""]
        if self.error:
            parts.append(f"**failed:** {self.error}\n")
        parts.extend(report.to_markdown() for report in self.reports)
        if self.text.strip():
            parts.append("```text\n" + self.text.strip() + "\n```\n")
        return "\n".join(parts)


def _captured(run: Callable[[], object]) -> tuple[str, object]:
    """Run a benchmark we do not own in-process, keeping what it prints."""
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        result = run()
    return buffer.getvalue(), result


def _external(module_name: str, argv: list[str]) -> Section:
    """bench/<module>.py's main(argv), as it is; a missing module is said plainly."""
    title = f"{module_name} (bench/{module_name.rsplit('.', 1)[-1]}.py)"
    if not (BENCH_DIR / f"{module_name.rsplit('.', 1)[-1]}.py").exists():
        return Section(title, [], error=f"bench/{module_name.rsplit('.', 1)[-1]}.py is absent")
    module = importlib.import_module(module_name)
    text, result = _captured(lambda: module.main(argv))
    error = f"exit status {result}" if isinstance(result, int) and result != 0 else None
    return Section(title, [], text=text, error=error)


def benchmarks(smoke: bool, scale: float) -> dict[str, Callable[[], Section]]:
    """Name -> a thunk running that benchmark (smoke: tiny inputs)."""

    def ours(name: str, run: Callable[[], list[Report]]) -> Callable[[], Section]:
        return lambda: Section(name, run())

    def compile_latency() -> list[Report]:
        from bench import compile_latency as module

        return module.run(50 if smoke else 2000, smoke=smoke)

    def tpch() -> list[Report]:
        from bench import tpch as module

        return module.run(0.01 if smoke else scale, 2 if smoke else 5, smoke=smoke)

    def tpch_join() -> list[Report]:
        from bench import tpch_join as module

        return module.run(0.01 if smoke else scale, 2 if smoke else 5, smoke=smoke)

    def memory() -> list[Report]:
        from bench import memory as module

        return module.run(0.01 if smoke else scale, smoke=smoke)

    def tokens() -> list[Report]:
        from bench import tokens as module

        return module.run(smoke=smoke)

    def overhead() -> list[Report]:
        from bench import overhead as module

        return module.run(20 if smoke else 400)

    def startup() -> list[Report]:
        from bench import startup as module

        return module.run(2 if smoke else 15)

    def loading() -> list[Report]:
        from bench import loading as module

        return module.run(1, (10, 50), (1, 100)) if smoke else module.run()

    def scaling() -> list[Report]:
        from bench import scaling as module

        return module.run(smoke=smoke)

    def service() -> list[Report]:
        from bench import service_load as module

        return module.run(1, 30, 30) if smoke else module.run()

    flag = ["--smoke"] if smoke else []
    return {
        "compile": ours("Compile latency", compile_latency),
        "tpch": ours("Execution at scale (TPC-H lineitem)", tpch),
        "tpch_join": ours("A join at scale (TPC-H lineitem LOOKUP orders)", tpch_join),
        "memory": ours("Memory", memory),
        "repair": lambda: _external("bench.repair_plans", flag),
        "repair_generic": lambda: _external("bench.repair_generic", flag),
        "tokens": ours("Tokens", tokens),
        "scaling": ours("Scaling with plan size", scaling),
        "overhead": ours("Execution overhead (100-row table)", overhead),
        "startup": ours("CLI start-up", startup),
        "loading": ours("Loading a CSV with type inference", loading),
        "service": ours("The service under hostile load", service),
        "optimizer": lambda: _external("bench.optimizer", flag),
    }


def run_all(smoke: bool = False, scale: float = 1.0,
            only: Sequence[str] | None = None) -> list[Section]:  # fmt: skip
    """Every selected benchmark in order; one that fails is reported, the rest still run."""
    table = benchmarks(smoke, scale)
    unknown = set(only or ()) - set(table)
    if unknown:
        raise SystemExit(f"unknown benchmark(s): {', '.join(sorted(unknown))}; "
                         f"choose from {', '.join(table)}")  # fmt: skip
    sections = [Section("Machine and versions", [machine_report()])]
    for name, thunk in table.items():
        if only and name not in only:
            continue
        started = time.perf_counter()
        try:
            section = thunk()
        except (Exception, SystemExit) as exc:  # one broken benchmark must not hide the others
            detail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            section = Section(name, [], error=detail)
        section.elapsed_s = time.perf_counter() - started
        sections.append(section)
        print(section.to_markdown(), flush=True)
    return sections


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny inputs, under a minute")
    parser.add_argument("--scale", type=float, default=1.0, help="TPC-H scale factor")
    parser.add_argument("--only", type=lambda s: s.split(","), default=None,
                        help="comma-separated: compile,tpch,memory,repair,repair_generic,"
                        "tokens,optimizer,overhead,startup,loading,service")  # fmt: skip
    parser.add_argument("--out", default=str(BENCH_DIR / "results" / "latest.md"))
    args = parser.parse_args(argv)
    print(machine_report().to_markdown(), flush=True)
    started = time.perf_counter()
    sections = run_all(args.smoke, args.scale, args.only)
    total = time.perf_counter() - started
    from pathlib import Path

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    mode = "smoke" if args.smoke else f"full, TPC-H scale {args.scale:g}"
    body = "\n".join(s.to_markdown() for s in sections)
    out.write_text(f"# Benchmark run ({mode}, {total:.0f} s)\n\n{body}")
    print(f"total {total:.1f} s; report written to {out}")
    return 1 if any(s.error for s in sections) else 0


if __name__ == "__main__":
    raise SystemExit(main())
