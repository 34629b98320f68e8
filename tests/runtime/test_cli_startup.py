"""`pesql` loads only what the command line needs (issue 20: start-up; bench/startup.py times it).

Each check runs the CLI in a fresh interpreter and lists the modules it loaded: an import that
creeps back to a module's top level shows up here as a name, not as a slower benchmark.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from pesql.runtime.cli.main import MODULES, _command, build_parser

HEAVY = ("polars", "openai", "sqlglot", "lark", "rich", "httpx", "starlette", "duckdb")

_PROBE = """
import json, sys
from pesql.cli import main
try:
    code = main(sys.argv[1:])
except SystemExit as exc:
    code = exc.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def _loaded(*argv: str, cwd: Path | None = None) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *argv],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        check=False,
    )
    last = done.stdout.strip().splitlines()[-1]
    outcome = json.loads(last)
    return outcome["code"], {name.split(".")[0] for name in outcome["modules"]} | set(
        outcome["modules"]
    )


def test_version_loads_no_engine_no_client_no_grammar() -> None:
    code, modules = _loaded("--version")
    assert code == 0
    assert not modules & set(HEAVY)
    # Not even the operation registry: the version is all that is printed.
    assert "pesql.grammar.registry" not in modules
    assert "pesql.runtime.cli.run" not in modules


def test_help_lists_every_command_without_loading_their_dependencies() -> None:
    code, modules = _loaded("--help")
    assert code == 0
    assert not modules & {"polars", "openai", "sqlglot", "rich", "lark"}


def test_run_loads_polars_but_no_client_no_sql_no_rich(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b\n1,x\n2,y\n3,z\n", encoding="utf-8")
    plan = {"steps": [{"op": "FILTER", "where": {"op": "GT", "left": "a", "right": 1}}]}
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    code, modules = _loaded("run", "plan.json", "-t", "t.csv", "-f", "csv", cwd=tmp_path)
    assert code == 0
    assert "polars" in modules
    # lark reads only text with a problem (grammar/lark_reader.py); JSON never needs it.
    assert not modules & {"openai", "sqlglot", "rich", "httpx", "duckdb", "lark"}
    # Only the subcommand's own module among the CLI's feature modules.
    cli = {n.rsplit(".", 1)[-1] for n in modules if n.startswith("pesql.runtime.cli.")}
    assert cli & set(MODULES) == {"run"}


def test_valid_text_is_read_without_lark_and_a_slip_loads_it(tmp_path: Path) -> None:
    (tmp_path / "t.csv").write_text("a,b\n1,x\n2,y\n3,z\n", encoding="utf-8")
    (tmp_path / "good.psql").write_text("FILTER a > 1\nSORT a DESC\n", encoding="utf-8")
    (tmp_path / "bad.psql").write_text("FILTER a >\n", encoding="utf-8")
    code, modules = _loaded("run", "good.psql", "-t", "t.csv", "-f", "csv", cwd=tmp_path)
    assert code == 0
    assert "lark" not in modules and "pesql.grammar.lark_reader" not in modules
    # The text with a problem is reported by lark's reader, loaded for it.
    code, modules = _loaded("run", "bad.psql", "-t", "t.csv", "-f", "csv", cwd=tmp_path)
    assert code != 0
    assert "lark" in modules and "pesql.grammar.lark_reader" in modules


def test_the_command_table_matches_what_each_module_registers() -> None:
    def commands(parser: object) -> set[str]:
        sub = next(a for a in parser._actions if a.dest == "command")  # type: ignore[attr-defined]
        return set(sub.choices)

    everything = commands(build_parser())
    assert everything == {c for names in MODULES.values() for c in names}
    for names in MODULES.values():
        for command in names:
            assert commands(build_parser(command)) == set(names)


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["run", "p.json"], "run"),
        (["--errors", "json", "check", "x"], "check"),
        (["--errors=json", "--debug", "sql"], "sql"),
        (["--version"], "--version"),
        (["--help"], None),
        (["--", "run"], None),
        ([], None),
    ],
)
def test_the_command_word_is_found_past_global_options(
    argv: list[str], command: str | None
) -> None:
    assert _command(argv) == command
