"""Test helpers for users of pesql: property-based generators and an offline LLM server.

Needs the test extras (`pip install "pesql[test]"`: hypothesis, httpx ...).

- Generators (hypothesis strategies): `schemas()`, `tables(schema)`, `schemas_and_tables()`,
  `well_typed_exprs(schema)`, `well_typed_plans(schema)` (plans that type-check and run),
  `plans()` / `exprs()` (any syntactically valid AST, for parser/serializer round trips),
  and `corrupted_plans(...)` with the corruption catalog (broken model output).
- `frames_equal(a, b, ordered=..., rel_tol=...)`: the comparison the differential tests use.
- `FakeOpenAI`: a scriptable OpenAI-compatible HTTP server on 127.0.0.1 (chat completions
  with tool calls and streaming, errors, delays, dropped connections, files and fine-tuning
  jobs) for testing LLM integrations without network. See docs/testing.md.
"""

from __future__ import annotations

from pesql.runtime.engine.compare import frames_equal
from pesql.runtime.testing.corrupt.catalog import CORRUPTIONS, LOSSLESS, corrupt, corrupted_plans
from pesql.runtime.testing.fake_openai.server import (
    Chunking,
    Delay,
    Drop,
    FakeOpenAI,
    JobFails,
    JobSucceeds,
    Malformed,
    Message,
    RecordedRequest,
    Status,
    Text,
    ToolCall,
    Usage,
)
from pesql.runtime.testing.strategies.syntax import exprs, plans
from pesql.runtime.testing.strategies.typed import (
    schemas,
    schemas_and_tables,
    tables,
    well_typed_exprs,
    well_typed_plans,
)

__all__ = [
    "CORRUPTIONS",
    "LOSSLESS",
    "Chunking",
    "Delay",
    "Drop",
    "FakeOpenAI",
    "JobFails",
    "JobSucceeds",
    "Malformed",
    "Message",
    "RecordedRequest",
    "Status",
    "Text",
    "ToolCall",
    "Usage",
    "corrupt",
    "corrupted_plans",
    "exprs",
    "frames_equal",
    "plans",
    "schemas",
    "schemas_and_tables",
    "tables",
    "well_typed_exprs",
    "well_typed_plans",
]
