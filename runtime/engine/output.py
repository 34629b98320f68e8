"""Writing result frames: a readable table for terminals, clean data for machines."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Literal

import polars as pl

OutputFormat = Literal["table", "csv", "json", "ndjson", "parquet"]


def render_table(frame: pl.DataFrame, max_rows: int = 40) -> str:
    """polars' own box table, wide enough for the terminal, with every column shown."""
    with pl.Config(
        tbl_rows=max_rows,
        tbl_cols=-1,
        fmt_str_lengths=60,
        tbl_width_chars=200,
        tbl_hide_dataframe_shape=False,
    ):
        return str(frame)


def write_frame(frame: pl.DataFrame, fmt: OutputFormat | str, output: str | None) -> None:
    """Write `frame` as `fmt` to `output` (a path) or stdout; parquet needs a path."""
    if fmt == "parquet":
        if output is None:
            buffer = io.BytesIO()
            frame.write_parquet(buffer)
            sys.stdout.buffer.write(buffer.getvalue())
            return
        frame.write_parquet(output)
        return
    if fmt == "table":
        text = render_table(frame) + "\n"
    elif fmt == "csv":
        text = frame.write_csv()
    elif fmt == "json":
        text = frame.write_json() + "\n"
    elif fmt == "ndjson":
        text = frame.write_ndjson()
    else:
        raise ValueError(f"unknown output format {fmt}")
    if output is None:
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
