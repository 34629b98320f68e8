"""Optional dependencies (the extras of pyproject.toml), imported with an install hint.

A plain `pip install pesql` has no DuckDB, no ASGI server and no Excel reader; a feature that
needs one says which extra to install instead of failing with an ImportError:

    >>> require("json", "reading JSON").__name__  # present: the module itself
    'json'
    >>> require("not_a_module_pesql_knows", "this example")
    Traceback (most recent call last):
    ...
    pesql.grammar.diagnostics.PesqlError: error[E309]: this example needs the `...` extra ...
"""

from __future__ import annotations

import importlib
from types import ModuleType

from pesql.grammar.diagnostics import Code, Diagnostic, PesqlError, register

__all__ = ["EXTRA_OF", "require"]

register(
    "runtime/extras",
    Code(
        "E309",
        "optional dependency missing",
        "{purpose} needs the `{extra}` extra ({name})",
        'install the extra named in the message, e.g. pip install "pesql[duckdb]"',
    ),
)

# Import name -> the extra of pyproject.toml that installs it.
EXTRA_OF = {
    "duckdb": "duckdb",
    "psycopg": "postgres",
    "pyspark": "spark",
    "uvicorn": "service",
    "starlette": "service",
    "fastexcel": "excel",
    "pyarrow": "pandas",
    "pandas": "pandas",
}


def require(module: str, purpose: str) -> ModuleType:
    """`module` imported, or E309 naming the extra to install (never a bare ImportError)."""
    try:
        return importlib.import_module(module)
    except ImportError:
        extra = EXTRA_OF.get(module, module)
        raise PesqlError(
            [
                Diagnostic.make(
                    "E309",
                    name=f"Python package `{module}` is not installed",
                    purpose=purpose,
                    extra=extra,
                    hints=(f'pip install "pesql[{extra}]"',),
                )
            ]
        ) from None  # the message names the package; the ImportError adds nothing
