"""The engine benchmarks run in smoke mode on the real engines and give the tables they
promise (shapes and agreement, never timings): bench/tpch_engines.py and bench/tpch_memory.py."""

from __future__ import annotations

from typing import Any

from bench import tpch_engines, tpch_memory


def test_tpch_engines_smoke(postgres_dsn: str, spark: Any) -> None:
    loads, report = tpch_engines.run(0.01, 1, postgres_dsn)
    assert loads.column("engine") == list(tpch_engines.ENGINES)
    assert all(float(s) >= 0 for s in loads.column("load s"))  # type: ignore[arg-type]
    assert report.column("query") == [q.name for q in tpch_engines.QUERIES]
    for engine in tpch_engines.ENGINES:
        assert all(float(ms) > 0 for ms in report.column(f"{engine} ms"))  # type: ignore[arg-type]
    # run() checks every engine's answer against polars' before timing (SystemExit if not).
    assert "answers of all engines agree (floats to 1e-6 relative)" in report.notes


def test_tpch_memory_smoke() -> None:
    (report,) = tpch_memory.run(0.01, 1.5)
    assert report.column("query") == [q.name for q in tpch_memory.QUERIES]
    # At scale 0.01 the whole table fits under the cap; every streamed query answered.
    assert set(report.column("whole table under the cap")) == {"loaded"}
    assert all(float(s) > 0 for s in report.column("streamed s"))  # type: ignore[arg-type]
