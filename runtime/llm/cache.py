"""A response cache on disk, keyed by the full request, so reruns are free and reproducible.

    >>> import tempfile
    >>> from pesql.runtime.llm.client import FunctionCall
    >>> cache = ResponseCache(tempfile.mkdtemp())
    >>> body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "top five"}]}
    >>> call = FunctionCall("call_0", "query_table", '{"steps": [{"op": "LIMIT", "count": 5}]}')
    >>> reply = Reply(content=None, calls=(call,), finish_reason="tool_calls", prompt_tokens=12,
    ...               completion_tokens=9, model="gpt-4o-mini", ttfb_s=0.1, total_s=0.2)
    >>> cache.get(body) is None  # first run: a miss, the request is sent
    True
    >>> cache.put(body, reply)  # ... and its answer stored
    >>> cache.get(body) == reply  # second run: no request at all
    True
    >>> cache.hits, cache.misses, len(cache)
    (1, 1, 1)

The key is the SHA-256 of the request body as sent (model, messages, tools, tool_choice,
temperature, max_tokens) in key-sorted compact JSON. A conversation is cached turn by turn: a
rerun replays every attempt, and a changed prompt, profile or table misses from the first
turn on. Not in the key: the endpoint (a cache recorded against one server replays against
another serving the same model name; use separate directories to keep them apart) and
whether the answer was streamed. Only answers are stored, never failures, so a rerun retries
what failed. Entries are written atomically (temporary file + rename), so concurrent runs can
share a directory; an unreadable entry is a miss.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pesql.runtime.llm.client import Reply

__all__ = ["ResponseCache"]

# Bump when the stored shape of a Reply changes: old entries then miss instead of failing.
FORMAT = 1


def dump_body(body: Mapping[str, Any]) -> str:
    """Compact, key-sorted JSON of a request body: the same request, the same text."""
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class ResponseCache:
    """Request body -> Reply, one JSON file per entry under `directory/ab/abcdef....json`."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.hits = 0
        self.misses = 0

    def key(self, body: Mapping[str, Any]) -> str:
        text = f"pesql-response-cache/{FORMAT}\n{dump_body(body)}"
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, body: Mapping[str, Any]) -> Reply | None:
        path = self.path(self.key(body))
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            reply = Reply.from_dict(entry["reply"])
        except (OSError, ValueError, KeyError, TypeError):
            self.misses += 1
            return None
        self.hits += 1
        return reply

    def put(self, body: Mapping[str, Any], reply: Reply) -> None:
        key = self.key(body)
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # The request is stored beside the answer so an entry can be inspected by hand.
        entry = {"format": FORMAT, "key": key, "request": body, "reply": reply.to_dict()}
        fd, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(entry, handle, ensure_ascii=False)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def __len__(self) -> int:
        return sum(1 for _ in self.directory.glob("*/*.json"))

    def __repr__(self) -> str:
        return f"ResponseCache({str(self.directory)!r})"
