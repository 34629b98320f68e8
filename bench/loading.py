"""Loading a CSV with type inference, by width: what a table costs before any plan runs.

    python -m bench.loading            # 10, 50 and 200 columns; 1, 100 and 10,000 rows
    python -m bench.loading --smoke    # 10 and 50 columns, 1 and 100 rows

`load_table` (runtime/tables) reads the file, renames headers, infers each text column's type
from a sample, finds summary rows and writes the report `pesql schema` shows. Its cost grows
with the width: every column is a rule family to try and a report to write, and the summary
rows are one expression over all text columns. The columns are integers, decimals, dates and words
in turn (so every rule family is tried), and the last row of each table is a total row. 200 columns
is the most inference reads (E307 above). Times are CPU seconds of this process, the fastest
of `--rounds` runs (the work is one thread of Python and polars' planning; wall time on the
shared machine would measure the other processes).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from pesql.runtime.tables.table import load_table

from bench.common import Report, rounds_main

WIDTHS = (10, 50, 200)
HEIGHTS = (1, 100, 10_000)
# A column's kind is its position mod 4; its values vary by row, one cell in 7 empty.
_KINDS = (
    lambda r: str(r * 7 % 1000),
    lambda r: f"{r % 97}.{r % 10}",
    lambda r: f"2024-{r % 12 + 1:02d}-{r % 28 + 1:02d}",
    lambda r: ("Adelie", "Gentoo", "Chinstrap")[r % 3],
)


def write_csv(folder: Path, width: int, height: int) -> Path:
    """A CSV of `width` columns and `height` data rows plus a total row."""
    header = ",".join(f"c{i}" for i in range(width))
    rows = [
        ",".join("" if (i + r) % 7 == 0 else _KINDS[i % 4](r) for i in range(width))
        for r in range(height)
    ]
    total = ",".join(["Total", *("" for _ in range(width - 1))])
    path = folder / f"w{width}_h{height}.csv"
    path.write_text("\n".join([header, *rows, total]) + "\n", encoding="utf-8")
    return path


def cpu_seconds(path: Path, rounds: int) -> float:
    """The fastest of `rounds` loads of `path`, report included (CPU seconds)."""
    best = float("inf")
    for _ in range(rounds):
        start = time.process_time()
        load_table(path).report  # noqa: B018 - the report is part of what loading costs
        best = min(best, time.process_time() - start)
    return best


def run(
    rounds: int = 5, widths: Sequence[int] = WIDTHS, heights: Sequence[int] = HEIGHTS
) -> list[Report]:
    report = Report(
        "Loading a CSV with type inference (CPU ms, fastest of the rounds)",
        ("columns", "rows", "load ms", "ms per column"),
    )
    with tempfile.TemporaryDirectory() as folder:
        load_table(write_csv(Path(folder), 3, 1)).report  # noqa: B018 - imports, polars' pool
        for width in widths:
            for height in heights:
                seconds = cpu_seconds(write_csv(Path(folder), width, height), rounds)
                report.add(width, height, seconds * 1e3, seconds * 1e3 / width)
    report.notes.append(f"{rounds} rounds; each table ends with a total row (found and reported)")
    return [report]


def main(argv: Sequence[str] | None = None) -> int:
    def chosen(rounds: int) -> list[Report]:
        smoke = rounds <= 2
        return run(rounds, WIDTHS[:2] if smoke else WIDTHS, HEIGHTS[:2] if smoke else HEIGHTS)

    return rounds_main(argv, __doc__, chosen, rounds=5, smoke=2)


if __name__ == "__main__":
    raise SystemExit(main())
