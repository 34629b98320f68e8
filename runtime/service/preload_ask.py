"""Imported by the service's forkserver when `/v1/ask` is enabled (`pesql serve --model`).

The model loop's first run in a fresh process imports the openai client (~0.4 s of CPU) and
loads the o200k tokenizer it counts prompts with (~0.5 s, ~150 MiB): done once here, every
worker forked after it starts with both (the tokenizer's tables are shared, not copied).
Like preload.py it must not run polars.
"""

from __future__ import annotations

import pesql.runtime.llm.ask  # noqa: F401  (the loop, the openai client, the prompt builders)
from pesql.runtime.llm.tokens import count_tokens

count_tokens("warm")
