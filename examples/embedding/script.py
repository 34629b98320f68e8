"""Embedding pesql in a plain script: compile once, run on many tables, all in-process."""

from __future__ import annotations

import polars as pl
from pesql.runtime.embedding import Runtime

import pesql


def main() -> None:
    sales = pl.DataFrame(
        {
            "region": ["West", "East", "West", "North"],
            "price": [12.0, 9.5, 20.0, 7.0],
            "cost": [10.0, 11.0, 14.0, 7.5],
        }
    )
    runtime = Runtime(tables={"sales": sales})
    plan = """
    DERIVE gap = SUB_ABS(price, cost)
    GROUP_BY region COMPUTE biggest_gap = MAX(gap)
    SORT biggest_gap DESC
    LIMIT 1
    """
    result = runtime.execute(plan)
    print(result.frame)
    assert result.frame["region"].to_list() == ["West"]
    try:
        runtime.execute("FILTER regoin = 'West'")
    except pesql.PesqlError as exc:
        print(exc)  # error[E201] ... did you mean `region`?


if __name__ == "__main__":
    main()
