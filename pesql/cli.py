"""The `pesql` console entry point: a thin shim over `pesql.runtime.cli.main`."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code."""
    from pesql.runtime.cli.main import run_cli

    return run_cli(argv)
