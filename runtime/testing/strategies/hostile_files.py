"""Hostile files and requests for the CLI subcommands that read more than a plan.

Each strategy draws a JSON-friendly dict (so an input that finds a bug can be kept verbatim
in tests/fuzz/fixtures/regressions.jsonl); `pesql.runtime.testing.fuzz` writes its files to a
temporary folder and builds the command line:

- `hostile_tables`: table files (CSV, TSV, JSON, NDJSON; Parquet and Arrow IPC as mutated
  bytes) for `pesql schema`;
- `hostile_datasets`: dataset folders (examples.jsonl, a table) for `pesql dataset`;
- `hostile_finetune`: fine-tuning JSONL files and datasets for `pesql finetune`;
- `hostile_evals`: datasets with hostile model answers (`eval run`) and run folders
  (`eval compare`, `eval report`) for `pesql eval`;
- `hostile_asks`: questions and the model's hostile answers for `pesql ask`;
- `hostile_requests`: HTTP requests for `pesql serve`;
- `hostile_model_argv`: command lines for `pesql model` (parsed only: nothing is downloaded).

Binary files travel as latin-1 text ("encoding": "latin-1") so that every input stays JSON.
"""

from __future__ import annotations

import io
import json
from functools import cache
from importlib import resources
from typing import Any

import polars as pl
from hypothesis import strategies as st
from pesql.runtime.testing.strategies.hostile import (
    gold_plans,
    hostile_text,
    json_values,
    mutated,
    random_text,
)

_BIG = ["4294967296", "9223372036854775808", "1" + "0" * 30, "1" + "0" * 5000, "1e400", "nan"]
# Headers polars reads as patterns (`pl.col("^t.*$")`), and dates and times, whose
# conversion goes through `pl.col(name)`: a header of one with cells of the other.
_PATTERNS = ["*", "^t.*$", "^year$", "2024-01-02", "2024-01-02 03:04:05", "03:04"]
_CELLS = ["", '"', '""', "\ud800", "\x00", "NA", "null", "1,200", "1.5e308", "-0", "\u202e",
          "=1+2", "Total", "  ", "\r", "\t", *_BIG, *_PATTERNS]  # fmt: skip


def _bundled(*parts: str) -> str:
    return resources.files("pesql.examples").joinpath(*parts).read_text(encoding="utf-8")


@cache
def penguins_head(rows: int = 25) -> str:
    """The first rows of the bundled penguins CSV: small, so loading it stays cheap."""
    return "\n".join(_bundled("tables", "penguins.csv").splitlines()[: rows + 1]) + "\n"


@cache
def _binary(fmt: str) -> str:
    frame = pl.read_csv(io.StringIO(penguins_head()))
    out = io.BytesIO()
    frame.write_parquet(out) if fmt == "parquet" else frame.write_ipc(out)
    return out.getvalue().decode("latin-1")


def _csv_rows() -> st.SearchStrategy[str]:
    """CSV built from hostile cells: ragged rows, odd headers, duplicate and empty names."""
    cell = st.one_of(st.sampled_from(_CELLS), st.text(max_size=6))
    row = st.lists(cell, min_size=0, max_size=8).map(",".join)
    return st.lists(row, min_size=1, max_size=12).map("\n".join)


def hostile_tables() -> st.SearchStrategy[dict[str, Any]]:
    """{"suffix", "text", "encoding"?, "options"}: a table file and `schema` options."""
    head = penguins_head()
    records = json.dumps(pl.read_csv(io.StringIO(head)).to_dicts())
    ndjson = pl.read_csv(io.StringIO(head)).write_ndjson()
    text = st.one_of(
        st.tuples(st.sampled_from(["csv", "tsv"]), mutated(st.just(head))),
        st.tuples(st.sampled_from(["csv", "tsv"]), _csv_rows()),
        st.tuples(st.just("json"), st.one_of(mutated(st.just(records)), hostile_text())),
        st.tuples(st.just("ndjson"), mutated(st.just(ndjson))),
        st.tuples(st.sampled_from(["csv", "json", "ndjson"]), random_text()),
        st.tuples(st.just("csv"), st.integers(1, 3000).map(lambda n: ",".join(["c"] * n))),
    ).map(lambda pair: {"suffix": pair[0], "text": pair[1]})
    binary = st.sampled_from(["parquet", "ipc"]).flatmap(
        lambda fmt: mutated(st.just(_binary(fmt)), pieces=st.binary(max_size=4).map(
            lambda b: b.decode("latin-1"))).map(
            lambda t: {"suffix": fmt, "text": t, "encoding": "latin-1"})
    )  # fmt: skip
    options = st.sampled_from(
        [[], ["--json"], ["--summary-rows", "drop"], ["--summary-rows", "flag"]]
    )
    name = st.sampled_from(["t", "t", "penguins", "_", "t" * 300, "\u00e9t\u00e9", "1t"])
    return st.builds(lambda f, o, n: {**f, "options": o, "name": n},
                     st.one_of(text, binary), options, name)  # fmt: skip


@cache
def example_lines() -> tuple[str, ...]:
    """The bundled examples over penguins (examples/datasets/tables-qa), one JSON line each."""
    lines = _bundled("datasets", "tables-qa", "examples.jsonl").splitlines()
    return tuple(line for line in lines if '"tables":["penguins"]' in line)[:40]


def _hostile_example() -> st.SearchStrategy[str]:
    """An examples.jsonl line: a bundled one mutated, or one with hostile field values."""
    base = st.sampled_from(example_lines())

    @st.composite
    def replaced(draw: st.DrawFn) -> str:
        record = json.loads(draw(base))
        key = draw(st.sampled_from(["plan", "expected", "compare", "tables", "id", "question",
                                    "reference_sql", "tags", "expected_source"]))  # fmt: skip
        record[key] = draw(st.one_of(json_values(), hostile_text()))
        return json.dumps(record, ensure_ascii=draw(st.booleans()))

    return st.one_of(mutated(base), replaced())


def hostile_datasets() -> st.SearchStrategy[dict[str, Any]]:
    """{"examples", "table"?, "command", ...}: a dataset folder and a `dataset` subcommand."""
    examples = st.lists(_hostile_example(), min_size=1, max_size=3).map("\n".join)
    table = st.one_of(st.none(), mutated(st.just(penguins_head())))
    command = st.one_of(
        st.sampled_from([["validate"], ["validate", "--json"], ["validate", "--coverage"],
                         ["validate", "--recompute"], ["coverage"], ["coverage", "--json"]]),
        st.builds(lambda q, p, t, c: ["add", "--question", q, "--plan", p, "--tables", t,
                                      *(["--compare", c] if c else [])],
                  st.text(max_size=40), hostile_text(),
                  st.sampled_from(["penguins", "", "nope", "penguins,penguins", "\ud800"]),
                  st.sampled_from([None, "ordered", "bag", "set"])),
    )  # fmt: skip
    return st.builds(lambda e, t, c: {"examples": e, "table": t, "command": c},
                     examples, table, command)  # fmt: skip


@cache
def finetune_lines() -> tuple[str, ...]:
    """Chat fine-tuning lines as `pesql finetune export` writes them (a few penguins examples)."""
    import tempfile
    from pathlib import Path

    from pesql.runtime.finetune.export import export_dataset

    root = Path(tempfile.mkdtemp(prefix="pesql-fuzz-ft-"))
    (root / "tables").mkdir()
    (root / "tables" / "penguins.csv").write_text(_bundled("tables", "penguins.csv"), "utf-8")
    (root / "examples.jsonl").write_text("\n".join(example_lines()[:12]) + "\n", "utf-8")
    summary = export_dataset(root, root / "out", val_fraction=0.0)
    return tuple(summary.train.read_text(encoding="utf-8").splitlines())


def hostile_finetune() -> st.SearchStrategy[dict[str, Any]]:
    """{"jsonl", "command", ...}: a fine-tuning file for `finetune validate`, or a dataset for
    `finetune export`, or a job id for the job commands (against the local fake server)."""
    line = st.one_of(mutated(st.sampled_from(finetune_lines())), hostile_text(),
                     json_values().map(json.dumps))  # fmt: skip
    jsonl = st.lists(line, min_size=1, max_size=12).map("\n".join)
    validate = st.builds(
        lambda j, o: {"jsonl": j, "command": ["validate", *o]}, jsonl,
        st.sampled_from([[], ["--json"], ["--min-examples", "1"], ["--min-examples", "-5"],
                         ["--model", "gpt-4o"], ["--model", "\ud800"], ["--model", "nope"]]),
    )  # fmt: skip
    export = st.builds(
        lambda d, f, s: {"dataset": d, "command": ["export", "--val-fraction", f, "--seed", s]},
        hostile_datasets(), st.sampled_from(["0", "0.5", "1", "-1", "nan", "inf", "1e400"]),
        st.sampled_from(["0", "-1", "99999999999999999999", "1" + "0" * 5000]),
    )  # fmt: skip
    job_id = st.one_of(st.text(max_size=30), st.sampled_from(["ftjob-1", "..", "a/b"]))
    job = st.builds(lambda verb, j: {"command": [verb, j]},
                    st.sampled_from(["status", "events", "cancel"]), job_id)  # fmt: skip
    return st.one_of(validate, validate, export, job)


@cache
def run_lines() -> tuple[str, str]:
    """(run.json, results.jsonl) of a bundled evaluation run."""
    folder = ("runs", "eval-set-local-0.5b")
    results = _bundled(*folder, "results.jsonl").splitlines()[:8]
    return _bundled(*folder, "run.json"), "\n".join(results)


def _hostile_reply() -> st.SearchStrategy[dict[str, Any]]:
    """What the model answers: a tool call with hostile arguments, or hostile text."""
    gold = st.sampled_from(gold_plans()).map(json.dumps)
    return st.one_of(
        st.builds(lambda a: {"tool_call": a}, st.one_of(hostile_text(), mutated(gold))),
        st.builds(lambda a: {"tool_call": json.dumps(a)}, json_values()),
        st.builds(lambda t: {"text": t}, st.one_of(hostile_text(), st.text(max_size=50))),
    )


def hostile_evals() -> st.SearchStrategy[dict[str, Any]]:
    """{"command", ...}: `eval run` (a dataset and model replies) or `eval compare`/`report`
    (two run folders whose files are mutated)."""
    settings, results = run_lines()
    folder = st.builds(lambda s, r: {"run.json": s, "results.jsonl": r},
                       st.one_of(st.just(settings), mutated(st.just(settings))),
                       st.one_of(mutated(st.just(results)), st.lists(
                           json_values().map(json.dumps), max_size=3).map("\n".join)))  # fmt: skip
    runs = st.builds(
        lambda a, b, c: {"runs": [a, b], "command": c}, folder, folder,
        st.sampled_from([["compare"], ["compare", "--json"], ["compare", "--op", "COUNT"],
                         ["compare", "--tag", "\ud800"], ["report"]]),
    )  # fmt: skip
    run = st.builds(
        lambda d, r: {"dataset": d, "replies": r, "command": ["run"]},
        st.lists(_hostile_example(), min_size=1, max_size=2).map("\n".join),
        st.lists(_hostile_reply(), min_size=1, max_size=4),
    )  # fmt: skip
    return st.one_of(runs, run)


def hostile_asks() -> st.SearchStrategy[dict[str, Any]]:
    """{"question", "replies", "options"}: `pesql ask` with the model's hostile answers."""
    question = st.one_of(st.text(max_size=80), st.sampled_from(["", "\ud800", "?" * 5000]))
    options = st.sampled_from([[], ["--format", "csv"], ["--format", "json"], ["--max-rows", "1"],
                               ["--max-attempts", "1"], ["--max-attempts", "2"]])  # fmt: skip
    replies = st.lists(_hostile_reply(), min_size=1, max_size=3)
    return st.builds(lambda q, r, o: {"question": q, "replies": r, "options": o},
                     question, replies, options)  # fmt: skip


_PATHS = ["/v1/execute", "/v1/compile", "/v1/ask", "/v1/tables/penguins", "/v1/tables/%00",
          "/v1/tables/" + "x" * 2000, "/v1/function-definition", "/v1/nope", "/health"]  # fmt: skip


def hostile_requests() -> st.SearchStrategy[dict[str, Any]]:
    """{"method", "path", "body", "content_type", "replies"}: one request to `pesql serve`."""
    plan = st.one_of(hostile_text(), json_values())
    body = st.one_of(
        st.builds(lambda p: json.dumps({"plan": p}), plan),
        st.builds(lambda p, k, v: json.dumps({"plan": p, k: v}), plan,
                  st.sampled_from(["table", "max_rows", "format", "optimize", "question",
                                   "tables", "timeout_s", "\ud800"]), json_values()),
        st.builds(lambda q: json.dumps({"question": q}), st.one_of(st.text(max_size=60),
                                                                   json_values())),
        json_values().map(json.dumps),
        random_text(),
        mutated(st.just(json.dumps({"plan": "GROUP_BY species COMPUTE n = COUNT(*)"}))),
    )  # fmt: skip
    method = st.sampled_from(["POST", "POST", "POST", "GET", "PUT"])
    kind = st.sampled_from(
        ["application/json", "text/plain", "", "application/json; charset=latin-1"]
    )
    return st.builds(
        lambda m, p, b, c, r: {"method": m, "path": p, "body": b, "content_type": c, "replies": r},
        method, st.sampled_from(_PATHS), body, kind, st.lists(_hostile_reply(), max_size=3),
    )  # fmt: skip


def hostile_model_argv() -> st.SearchStrategy[list[str]]:
    """Command lines after `pesql model`: verbs, options and hostile values in any order."""
    token = st.one_of(
        st.sampled_from(["list", "install", "start", "--model", "--port", "--context",
                         "--server-only", "--model-only", "--help", "-h", "smollm2-135m",
                         "qwen2.5-coder-0.5b", "0", "-1", "=", "--", *_BIG]),
        st.text(max_size=8),
    )  # fmt: skip
    return st.lists(token, max_size=6)


__all__ = [
    "example_lines",
    "finetune_lines",
    "hostile_asks",
    "hostile_datasets",
    "hostile_evals",
    "hostile_finetune",
    "hostile_model_argv",
    "hostile_requests",
    "hostile_tables",
    "penguins_head",
    "run_lines",
]
