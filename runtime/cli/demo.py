"""`pesql demo`: the main job end to end on the bundled penguins table.

A question goes to a model through the real openai client; the model's function call is
repaired, lowered, checked, optimized and run. Offline (the default) the "model" is the local
OpenAI-compatible test server answering with a scripted call that has the most common
fine-tuned-model defect (an object closed early), so the repair step has real work to do.
`--live` asks a real model instead (OPENAI_API_KEY, optional --base-url / --model).
"""

from __future__ import annotations

import argparse
import sys
from importlib.resources import as_file, files
from pathlib import Path
from typing import Any

QUESTION = (
    "Which penguin species has the largest average absolute gap between bill length and bill depth?"
)


def _bundled(relative: str) -> str:
    """The text of a bundled example file (package data of `pesql.examples`)."""
    return files("pesql.examples").joinpath(relative).read_text(encoding="utf-8")


def scripted_arguments() -> str:
    """The bundled plan as a model would send it, closed early inside SUB_ABS."""
    from pesql.grammar.jsonform import dumps, to_json
    from pesql.grammar.parse import parse

    plan = parse(_bundled("plans/penguins_gap.psql"))
    canonical = dumps(to_json(plan))
    good = '"left":"bill_length_mm","right":"bill_depth_mm"}'
    broken = canonical.replace(good, '"left":"bill_length_mm"},"right":"bill_depth_mm"}')
    assert broken != canonical
    return broken


def cmd_demo(args: argparse.Namespace) -> int:
    # as_file: a real path even when the package is installed zipped.
    with as_file(files("pesql.examples").joinpath("tables/penguins.csv")) as penguins:
        return _demo(args, {"penguins": Path(penguins)})


def _demo(args: argparse.Namespace, tables: dict[str, Path]) -> int:
    from pesql.grammar.printer import to_text
    from pesql.runtime.engine.output import render_table
    from pesql.runtime.llm.ask import ask

    out = sys.stdout
    out.write(f"question: {QUESTION}\n")
    if args.live:
        result = ask(QUESTION, tables, model=args.model, base_url=args.base_url)
    else:
        from pesql.runtime.testing.fake_openai.server import FakeOpenAI, ToolCall

        arguments = scripted_arguments()
        out.write(
            "model: offline demo - a local OpenAI-compatible server answers with this "
            "scripted function call (no network):\n  " + arguments + "\n"
        )
        with FakeOpenAI() as server:
            server.script(ToolCall(arguments))
            result = ask(QUESTION, tables, client=server.client(), model="scripted-model")
    if result.repairs:
        out.write("repairs: " + ", ".join(result.repairs) + "\n")
    out.write("\n-- p-SQL plan\n" + to_text(result.plan) + "\n\n")
    out.write(render_table(result.frame) + "\n")
    out.write(result.footer() + "\n")
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("demo", help="ask the bundled penguins table a question, end to end")
    p.add_argument(
        "--live",
        action="store_true",
        help="ask a real model (needs OPENAI_API_KEY) instead of the offline script",
    )
    p.add_argument("--model", default=None, help="model for --live (default: gpt-4o-mini)")
    p.add_argument("--base-url", default=None, help="OpenAI-compatible server for --live")
    p.set_defaults(handler=cmd_demo)
