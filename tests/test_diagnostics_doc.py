"""Diagnostic codes per wing: every code in the source is registered by the wing that raises it
(or one it imports), registered once, and listed in docs/diagnostics.md, which is generated."""

from __future__ import annotations

import ast
import json
from functools import cache
from pathlib import Path

import pytest
from pesql.grammar.diagnostics import (
    CODE_PATTERN,
    CODES,
    Code,
    Diagnostic,
    DuplicateCodeError,
    register,
)

from pesql.diagnostics import WING_MODULES, all_codes, codes_module, render

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "diagnostics.md"
FOLDERS = {"pesql": "pesql", "grammar": "pesql.grammar", "compiler": "pesql.compiler"}
FOLDERS["runtime"] = "pesql.runtime"


@cache
def modules() -> dict[str, Path]:
    """Dotted module name -> source file, for every module of the four source folders."""
    out: dict[str, Path] = {}
    for folder, dotted in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            out[".".join((dotted, *parts))] = path
    return out


@cache
def tree(module: str) -> ast.Module:
    return ast.parse(modules()[module].read_text(encoding="utf-8"))


def code_literals(module: str) -> set[str]:
    """String constants that are exactly a code ("E201"): passed to Diagnostic.make, to a
    stage's own `add`/`error` helper, or compared with a diagnostic's code."""
    return {
        node.value
        for node in ast.walk(tree(module))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and CODE_PATTERN.fullmatch(node.value)
    }


def _resolve(name: str) -> str | None:
    while name and name not in modules():
        name = name.rpartition(".")[0]
    return name or None


def _with_parents(module: str) -> set[str]:
    """A module and the packages Python imports before it (their `__init__` runs first)."""
    parts = module.split(".")
    return {m for i in range(1, len(parts) + 1) if (m := ".".join(parts[:i])) in modules()}


@cache
def direct_imports(module: str) -> frozenset[str]:
    """Project modules that `module` imports anywhere (lazy imports in functions included)."""
    found: set[str] = set()
    for node in ast.walk(tree(module)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        for name in names:
            if name.startswith("pesql") and (target := _resolve(name)):
                found |= _with_parents(target)
    return frozenset(found)


def imported_by(module: str) -> set[str]:
    """Every project module that importing `module` (and calling into it) executes."""
    seen: set[str] = set()
    todo = list(_with_parents(module))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(direct_imports(current) - seen)
    return seen


def owner(code: str) -> str:
    """The module that registers `code`, from the wing it was registered under."""
    return codes_module(all_codes()[code].wing)


def test_diagnostics_doc_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "docs/diagnostics.md is stale: run `make docs` (python -m pesql.diagnostics)"
    )


def test_every_code_in_the_source_is_registered() -> None:
    known = set(all_codes())
    unknown = {
        f"{module}: {code}"
        for module in modules()
        for code in code_literals(module)
        if code not in known
    }
    assert unknown == set(), "register these codes in the codes.py of the wing that raises them"


def test_every_registered_code_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    missing = [code for code in all_codes() if f"\n| {code} | " not in text]
    assert missing == []
    first_cells = {line.split(" | ")[0][2:] for line in text.splitlines() if line.startswith("| ")}
    assert {cell for cell in first_cells if CODE_PATTERN.fullmatch(cell)} == set(all_codes())


def test_every_module_that_uses_a_code_imports_the_wing_that_registers_it() -> None:
    """So `Diagnostic.make("E7xx", ...)` works wherever it is called, whatever was imported."""
    unreachable = {
        f"{module} uses {code} without importing {owner(code)}"
        for module in modules()
        if module != "pesql.diagnostics"
        for code in code_literals(module)
        if code in all_codes() and owner(code) not in imported_by(module)
    }
    assert unreachable == set()


def test_each_wing_registers_on_import_of_the_wing() -> None:
    for name in (m for m in WING_MODULES if m.endswith(".codes")):
        package = name.rpartition(".")[0]
        init = ast.unparse(tree(package))
        assert f"from {package} import codes" in init, f"{package}/__init__ must import codes"


def test_every_codes_module_is_listed() -> None:
    def calls_register(module: str) -> bool:
        return any(
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "register"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            for node in ast.walk(tree(module))
        )

    registering = {m for m in modules() if calls_register(m)}
    assert registering == set(WING_MODULES)
    wings = {owner(code) for code in all_codes()}
    assert wings == set(WING_MODULES), "a wing's name must be its folder (or its one module)"


def test_a_code_registered_twice_is_an_error() -> None:
    before = dict(CODES)
    with pytest.raises(DuplicateCodeError, match="E201 is registered twice: by compiler/check"):
        register("runtime/finetune", Code("E201", "another title", "another {name}"))
    # Checked before anything is added: the new code of a failed call is not registered.
    with pytest.raises(DuplicateCodeError, match="E999 is registered twice"):
        register("tests", Code("E999", "new", "new"), Code("E999", "again", "again"))
    with pytest.raises(DuplicateCodeError):
        register("tests", Code("E998", "new", "new"), Code("E101", "old", "old"))
    assert dict(CODES) == before


@pytest.mark.parametrize(
    "entry",
    [Code("E12", "short", "code"), Code("E997", "", "no title"), Code("E997", "t", "{0}")],
)
def test_a_malformed_code_is_an_error(entry: Code) -> None:
    with pytest.raises(ValueError):
        register("tests", entry)
    assert "E997" not in CODES


def test_an_unregistered_code_is_a_clear_programming_error() -> None:
    with pytest.raises(KeyError, match="E999 is not a registered diagnostic code"):
        Diagnostic.make("E999")


def test_codes_are_registered_with_the_wing_that_raises_them() -> None:
    """Importing only the fine-tuning validator makes E7xx (and what it reports) known."""
    import subprocess
    import sys

    script = (
        "import json\n"
        "import pesql.runtime.finetune.validate\n"
        "from pesql.grammar.diagnostics import CODES, Diagnostic\n"
        "print(Diagnostic.make('E713', found='9', expected='5', model='m').message)\n"
        "print(json.dumps(sorted({c[:2] for c in CODES})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert out[0] == "the example has 9 tokens, m allows 5"
    assert {"E1", "E2", "E7"} <= set(json.loads(out[1]))
