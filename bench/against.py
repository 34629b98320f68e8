"""Compile latency of this tree against another checkout of pesql, measured in the same run.

    python -m bench.against /path/to/importable/tree            # 12 rounds
    python -m bench.against /path/to/tree --rounds 20 --plans 300

A refactoring (a module move, a new traversal) must not make compiling slower, and absolute
timings on a shared machine move from minute to minute: only a ratio measured side by side
holds. The baseline is any directory that makes `import pesql` load the other version (a
worktree of an older commit with a `pesql/` folder of symlinks to its grammar/, compiler/
and runtime/, say; docs/benchmarks.md shows how to build one).

Each round starts one child process per tree, in alternating order. A child uses only the
public facade that both versions share (`pesql.repair`, `pesql.compile`, `.lazy`), so the same
code measures both: function-call JSON text -> repaired -> checked -> optimized -> LazyFrame,
for the 5-step and the 30-step plan of bench/compile_latency. Every compile is a cache miss
(each sample's plan ends in a distinct LIMIT), so the compile cache does not hide the work.
The figure per tree is the median over rounds of each child's median; the ratio is this
tree's over the baseline's (below 1: faster now).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.common import REPO_DIR, Report
from bench.compile_latency import CASES, make_table

# The child: public names only, so it runs unchanged against either version.
CHILD = r"""
import gc, json, statistics, sys, time
import polars as pl
import pesql
job = json.load(sys.stdin)
frame = pl.DataFrame(job["table"])
schema = pesql.Schema.of(job["schema"])
source = frame.lazy()
out = {}
for name, text in job["plans"].items():
    plan = json.loads(text)
    texts = []
    for i in range(job["plans_per_case"] + 20):
        steps = plan["steps"] + [{"op": "LIMIT", "count": 1000 + i}]
        texts.append(json.dumps({**plan, "steps": steps}, separators=(",", ":")))
    samples = []
    for i, t in enumerate(texts):
        gc.collect(0)
        gc.disable()
        started = time.perf_counter()
        repaired = pesql.repair(t)
        pesql.compile(repaired.plan, schema).lazy(source)
        elapsed = time.perf_counter() - started
        gc.enable()
        if i >= 20:  # the first compiles warm imports and caches
            samples.append(elapsed)
    out[name] = statistics.median(samples)
print(json.dumps({"pesql": pesql.__file__, "medians": out}))
"""


def _child(tree: Path, job: str) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=job,
        capture_output=True,
        text=True,
        env=env,
        check=False,
        cwd=tree,
    )
    if done.returncode != 0:
        raise SystemExit(f"the child for {tree} failed:\n{done.stderr[-2000:]}")
    answer = json.loads(done.stdout.strip().splitlines()[-1])
    if not str(answer["pesql"]).startswith(str(tree)):
        # A child that imported some other installed pesql would compare a tree with itself.
        raise SystemExit(f"the child for {tree} imported {answer['pesql']}")
    return {name: float(value) for name, value in answer["medians"].items()}


def _current_tree() -> Path:
    """A directory whose `pesql` is this checkout (build/against/pesql -> symlinks)."""
    root = REPO_DIR / "build" / "against"
    package = root / "pesql"
    package.mkdir(parents=True, exist_ok=True)
    for path in (REPO_DIR / "pesql").glob("*.py"):
        link = package / path.name
        if not link.exists():
            link.symlink_to(path)
    for name in ("grammar", "compiler", "runtime"):
        link = package / name
        if not link.exists():
            link.symlink_to(REPO_DIR / name)
    return root


def run(baseline: Path, rounds: int = 12, plans: int = 200) -> Report:
    frame = make_table(100)
    job = json.dumps(
        {
            "table": frame.to_dict(as_series=False),
            "schema": {"region": "string", "category": "string", "qty": "integer"}
            | {"price": "float", "cost": "float"},
            "plans": {f"{case.steps} steps": case.json_text() for case in CASES},
            "plans_per_case": plans,
        }
    )
    trees = {"this tree": _current_tree(), "baseline": baseline}
    medians: dict[str, dict[str, list[float]]] = {t: {} for t in trees}
    for index in range(rounds):
        order = list(trees) if index % 2 == 0 else list(reversed(trees))
        for label in order:
            for case, value in _child(trees[label], job).items():
                medians[label].setdefault(case, []).append(value)
    report = Report(
        f"Compile latency against {baseline} (µs, median of {rounds} rounds x {plans} compiles)",
        ("plan", "this tree", "baseline", "ratio"),
    )
    for case in medians["this tree"]:
        now = statistics.median(medians["this tree"][case]) * 1e6
        before = statistics.median(medians["baseline"][case]) * 1e6
        report.add(case, now, before, now / before)
    report.notes.append("JSON -> repair -> check -> optimize -> LazyFrame; ratio < 1: faster")
    return report


def main(argv: Sequence[str] | None = None) -> Report:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("baseline", type=Path, help="a directory holding the other pesql/")
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--plans", type=int, default=200, help="compiles per child and plan")
    args = parser.parse_args(argv)
    if not (args.baseline / "pesql" / "__init__.py").exists():
        parser.error(f"{args.baseline} holds no pesql/__init__.py")
    report = run(args.baseline, args.rounds, args.plans)
    print(report.to_markdown())
    return report


if __name__ == "__main__":
    main()
