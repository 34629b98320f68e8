"""Examples in docs/ are executed: ```python blocks run (per file, in order, one namespace),
```psql blocks parse, ```json blocks holding a plan lower, and `$ pesql` console lines run.

A python block whose first line is `# not run: <reason>` (a real model, a Spark cluster) is
only compiled."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

import pesql

ROOT = Path(__file__).resolve().parent.parent
DOCS = [*sorted((ROOT / "docs").glob("*.md")), ROOT / "README.md"]
FENCE = re.compile(r"^```(\w[\w-]*)[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _blocks(path: Path, language: str) -> list[str]:
    return [m.group(2) for m in FENCE.finditer(path.read_text("utf-8")) if m.group(1) == language]


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_psql_blocks_parse(path: Path) -> None:
    for block in _blocks(path, "psql"):
        pesql.parse(block)


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_json_plan_blocks_lower(path: Path) -> None:
    for block in _blocks(path, "json"):
        value = json.loads(block)
        if isinstance(value, dict) and "steps" in value:
            pesql.from_json(value)


@pytest.mark.parametrize("path", [p for p in DOCS if _blocks(p, "python")], ids=lambda p: p.name)
def test_python_blocks_run(path: Path, tmp_path: Path) -> None:
    namespace: dict[str, object] = {"__name__": f"docs_{path.stem}"}
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for number, block in enumerate(_blocks(path, "python"), start=1):
            code = compile(block, f"{path.name}[python block {number}]", "exec")
            # A block that needs what tests cannot have (a real model, Spark) says so on its
            # first line; it must still compile.
            if not block.startswith("# not run:"):
                exec(code, namespace)
    finally:
        os.chdir(cwd)


def _console_commands(path: Path) -> list[str]:
    lines = []
    for block in _blocks(path, "console"):
        lines += [line[2:] for line in block.splitlines() if line.startswith("$ pesql ")]
    return lines


@pytest.mark.parametrize("path", [p for p in DOCS if _console_commands(p)], ids=lambda p: p.name)
def test_console_examples_run(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`$ pesql ...` lines in ```console blocks run; `# exits N` states a non-zero exit."""
    import shlex

    from pesql.runtime.cli.main import run_cli

    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for line in _console_commands(path):
            command, _, comment = line.partition("  # exits ")
            expected = int(comment) if comment else 0
            argv = shlex.split(command)[1:]
            code = run_cli(argv)
            out = capsys.readouterr()
            assert code == expected, f"{path.name}: `{command}` exited {code}\n{out.err}"
    finally:
        os.chdir(cwd)
