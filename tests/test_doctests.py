"""Examples in module docstrings (`>>>`) run: every module of the installed package."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import pesql

PACKAGES = ("pesql", "pesql.grammar", "pesql.compiler", "pesql.runtime")


def _modules() -> list[str]:
    names = set()
    for package in PACKAGES:
        module = importlib.import_module(package)
        names.add(package)
        for info in pkgutil.walk_packages(module.__path__, prefix=package + "."):
            if not info.name.startswith(PACKAGES[1:]) or package != "pesql":
                names.add(info.name)
    return sorted(n for n in names if not n.endswith("__main__"))


@pytest.mark.parametrize("name", _modules())
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    flags = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    result = doctest.testmod(module, optionflags=flags, verbose=False, report=True)
    assert result.failed == 0, f"{name}: {result.failed} of {result.attempted} examples failed"


def test_the_facade_is_covered() -> None:
    assert "pesql" in _modules() and pesql.__doc__
