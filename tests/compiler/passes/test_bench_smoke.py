"""The optimizer benchmark runs in smoke mode and its optimized plans give the same results."""

from __future__ import annotations

import pytest


def test_bench_smoke_runs(capsys: pytest.CaptureFixture[str]) -> None:
    from bench.optimizer import CASES, main

    results = main(["--smoke"])  # exits with the case's name when results differ
    assert [name for name, _, _ in results] == [c.name for c in CASES]
    assert all(slow > 0 and fast > 0 for _, slow, fast in results)
    assert "speedup" in capsys.readouterr().out
