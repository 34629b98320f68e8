"""Diagnostic codes of fine-tuning files and jobs: E7xx (docs/finetuning.md).

Origins are the JSON Lines line. Registered on import of `pesql.runtime.finetune` (its
`__init__` imports this module).
"""

from __future__ import annotations

from pesql.grammar.diagnostics import Code, register

register(
    "runtime/finetune",
    Code(
        "E701",
        "invalid training line",
        "the line is not a JSON object: {problem}",
        "one training example per line, as one JSON object",
    ),
    Code(
        "E702",
        "invalid training example",
        "`{prop}`: {problem}",
        "an example has `messages` and `tools`, as `pesql finetune export` writes them",
    ),
    Code(
        "E703",
        "invalid message",
        "message {index}: {problem}",
        "messages are system, user, then one assistant message with the tool call",
    ),
    Code(
        "E704",
        "invalid tool call",
        "message {index}: {problem}",
        'a tool call has a string `id`, type "function", a `name` and `arguments` text',
    ),
    Code(
        "E705",
        "unparsable arguments",
        "message {index}: the arguments are not JSON: {problem}",
        "the arguments are JSON text: one object, as a string",
    ),
    Code(
        "E706",
        "schema violation",
        "message {index}: `{path}` breaks the tool's schema: {problem}",
        "the arguments must validate against the tool definition's JSON Schema",
    ),
    Code(
        "E707",
        "plan does not lower",
        "message {index}: the arguments are no valid plan: {problem}",
        "fix the plan until `pesql.from_json` reads it",
    ),
    Code(
        "E708",
        "plan does not check",
        "message {index}: the plan fails on table `{name}`: {problem}",
        "fix the plan until it checks against the table given with --tables",
    ),
    Code(
        "E709",
        "non-canonical arguments",
        "message {index}: the arguments are not canonical JSON",
        "write them as dumps(to_json(from_json(arguments))): every property, declared order",
    ),
    Code(
        "E710",
        "duplicate training example",
        "the question repeats line {first}",
        "the same answer twice weighs the example double: drop one",
    ),
    Code(
        "E711",
        "evaluation leakage",
        "the question is in the evaluation dataset as `{name}`",
        "drop it from training, or from the evaluation dataset",
    ),
    Code(
        "E712",
        "too few examples",
        "the file has {found} examples, fewer than {expected}",
        "OpenAI refuses a training file with fewer than 10 examples",
    ),
    Code(
        "E713",
        "example too long",
        "the example has {found} tokens, {model} allows {expected}",
        "shorten the question or the table overview, or pick a model with a longer context",
    ),
    Code(
        "E714",
        "name outside the enum",
        "message {index}: `{name}` at `{path}` is not in the enum",
        "use a name the tool definition offers (a column of the table, an operation)",
    ),
    Code(
        "E715",
        "unreadable training file",
        "cannot read {name}: {problem}",
        "check the path; a training file is JSON Lines, UTF-8",
    ),
    Code(
        "E720",
        "fine-tuning API error",
        "the fine-tuning API refused: {problem}",
        "the message says why; check the file, the model name and the account",
    ),
    Code(
        "E721",
        "fine-tuning job failed",
        "job {name} {found}: {problem}",
        "`pesql finetune status` shows the job's events",
    ),
)
