"""Offline token counting (o200k_base, cl100k_base) with the `bpe-openai` package.

tiktoken downloads its encodings on first use, which fails without network; bpe-openai
ships them inside the wheel and exposes a tiktoken-like API.

    >>> count_tokens("hello world")
    2
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any, Literal

Encoding = Literal["o200k_base", "cl100k_base"]


@cache
def _encoding(name: Encoding) -> Any:
    import bpe_openai

    return bpe_openai.get_encoding(name)


# bpe-openai refuses long inputs ("Input too long to encode safely", from about 1M
# characters): a 22 MB tool call must still be counted, not crash the loop. Longer texts are
# counted in chunks; a token that spans a cut is counted twice at most, once per chunk, which
# errs on the side of the budget.
CHUNK_CHARS = 100_000


def count_tokens(value: str | Any, encoding: Encoding = "o200k_base") -> int:
    """Tokens in a string, or in the compact JSON of any other value (any length)."""
    text = value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))
    codec = _encoding(encoding)
    if len(text) <= CHUNK_CHARS:
        return len(codec.encode(text))
    return sum(
        len(codec.encode(text[i : i + CHUNK_CHARS])) for i in range(0, len(text), CHUNK_CHARS)
    )


def encoding_for_model(model: str) -> Encoding:
    """o200k_base for current OpenAI models (gpt-4o, gpt-4.1, o-series), else cl100k_base."""
    legacy = ("gpt-4-", "gpt-4", "gpt-3.5")
    if model.startswith(legacy) and not model.startswith(("gpt-4o", "gpt-4.1", "gpt-4.5")):
        return "cl100k_base"
    return "o200k_base"
