"""Diagnostic codes of the LLM conversation: E5xx, the model and its service.

Registered on import of `pesql.runtime.llm` (its `__init__` imports this module).
"""

from __future__ import annotations

from pesql.grammar.diagnostics import Code, register

register(
    "runtime/llm",
    Code(
        "E501",
        "no plan in response",
        "the model answered without a plan: {problem}",
        "the model must call the function with the plan as its arguments",
    ),
    Code(
        "E502",
        "model service error",
        "the model service failed: {problem}",
        "check base_url and the model name; transient failures are retried",
    ),
    Code(
        "E503",
        "retries exhausted",
        "no valid plan after {found} attempts",
        "the last attempt's problems follow it; raise max_attempts in the profile",
    ),
    Code(
        "E504",
        "token budget exceeded",
        "the token budget of {expected} was used up",
        "raise token_budget in the profile, or send a shorter table overview",
    ),
    Code(
        "E505",
        "authentication failed",
        "the model service rejected the credentials: {problem}",
        "set OPENAI_API_KEY (or the key the service expects), or --base-url for a local server",
    ),
    Code(
        "E506",
        "local model unavailable",
        "the local model server cannot be used: {problem}",
        "pesql model install (or make local-model) installs the server and a model",
    ),
    Code(
        "E507",
        "question cannot be sent",
        "the question cannot be sent to a model: {problem}",
        "ask in text of valid Unicode, with at least one word",
    ),
)
