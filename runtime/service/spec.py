"""The OpenAPI 3.1 description of the HTTP service, served at /openapi.json.

Written as data (not generated from handler signatures) so that it states exactly what the
service promises, and schemathesis can hold the service to it in the tests.
"""

from __future__ import annotations

from functools import cache
from typing import Any

_ERRORS = {
    "type": "object",
    "required": ["errors"],
    "properties": {
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "where": {"type": "string"},
                    "expected": {"type": "string"},
                    "found": {"type": "string"},
                    "hints": {"type": "array", "items": {"type": "string"}},
                    "severity": {"type": "string"},
                },
            },
        }
    },
}
_COLUMNS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["name", "type", "nullable"],
        "properties": {
            "name": {"type": "string"},
            "type": {"type": "string"},
            "nullable": {"type": "boolean"},
        },
    },
}
_PLAN = {
    "oneOf": [
        {"type": "object", "description": "function-call arguments (JSON form)"},
        {"type": "string", "description": "p-SQL text, or JSON as text"},
    ]
}
_ROWS = {
    "columns": {"type": "array", "items": {"type": "string"}},
    "rows": {"type": "array", "items": {"type": "array"}},
    "row_count": {"type": "integer"},
    "truncated": {"type": "boolean"},
}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
    }


def _json(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


_COMMON = {
    "400": _error("the body is not JSON or lacks a required member"),
    "401": _error("missing or wrong bearer token (when the service has a key)"),
    "413": _error("the body is larger than the service accepts"),
    "503": _error("too many requests are waiting; retry after Retry-After seconds"),
}


@cache
def openapi_spec(auth: bool = False) -> dict[str, Any]:
    """The spec; `auth` declares the bearer scheme (when the service was given a key)."""
    plan_request = {
        "type": "object",
        "required": ["plan"],
        "properties": {
            "plan": _PLAN,
            "optimize": {"type": "boolean"},
            "explain": {"type": "boolean"},
        },
    }
    execute_request = {
        "type": "object",
        "required": ["plan"],
        "properties": {
            "plan": _PLAN,
            "format": {"type": "string", "enum": ["json", "csv", "arrow"]},
            "max_rows": {"type": "integer", "minimum": 0},
        },
    }
    compiled = {
        "type": "object",
        "required": ["plan_text", "plan", "output_schema", "notes"],
        "properties": {
            "plan_text": {"type": "string"},
            "plan": {"type": "object"},
            "table": {"type": ["string", "null"]},
            "output_schema": _COLUMNS,
            "notes": {"type": "array"},
            "explain": {"type": "string"},
        },
    }
    executed = {
        "type": "object",
        "required": ["columns", "rows", "truncated"],
        "properties": {**_ROWS, "elapsed_ms": {"type": "number"}, "notes": {"type": "array"}},
    }
    asked = {
        "type": "object",
        "required": ["plan_text", "plan", "columns", "rows"],
        "properties": {
            **_ROWS,
            "plan_text": {"type": "string"},
            "plan": {"type": "object"},
            "summary": {"type": "object"},
            "trace": {"type": "array", "items": {"type": "object"}},
        },
    }
    table = {
        "type": "object",
        "required": ["name", "columns"],
        "properties": {"name": {"type": "string"}, "columns": _COLUMNS, "inferred": {}},
    }
    bad_plan = _error("the plan has problems: diagnostics with codes, where and hints")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "pesql",
            "version": "0.1.0",
            "description": "Check, run and ask with p-SQL plans over a fixed catalog.",
        },
        "components": {
            "schemas": {"Errors": _ERRORS},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "paths": {
            "/health": {
                "get": {
                    "summary": "liveness",
                    "security": [],
                    "responses": {"200": _json("ok", {"type": "object", "required": ["status"]})},
                }
            },
            "/v1/tables": {
                "get": {
                    "summary": "tables and their schemas",
                    "responses": {
                        "200": _json("the catalog", {"type": "object", "required": ["tables"]}),
                        "401": _COMMON["401"],
                    },
                }
            },
            "/v1/tables/{name}": {
                "get": {
                    "summary": "one table's schema and what loading inferred",
                    "parameters": [
                        {
                            "name": "name",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _json("the table", table),
                        "401": _COMMON["401"],
                        "404": _error("no table of that name"),
                    },
                }
            },
            "/v1/function-definition": {
                "get": {
                    "summary": "the OpenAI tool definition for the catalog (or one table)",
                    "parameters": [
                        {
                            "name": "table",
                            "in": "query",
                            "required": False,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": _json("a tools entry", {"type": "object"}),
                        "401": _COMMON["401"],
                        "404": _error("no table of that name"),
                    },
                }
            },
            "/v1/compile": {
                "post": {
                    "summary": "check and optimize a plan",
                    "requestBody": _body(plan_request),
                    "responses": {
                        "200": _json("the canonical plan", compiled),
                        **_COMMON,
                        "404": _error("the plan reads a table not in the catalog"),
                        "422": bad_plan,
                    },
                }
            },
            "/v1/execute": {
                "post": {
                    "summary": "run a plan",
                    "requestBody": _body(execute_request),
                    "responses": {
                        "200": {
                            "description": "the result (JSON, CSV or Arrow IPC stream)",
                            "content": {
                                "application/json": {"schema": executed},
                                "text/csv": {"schema": {"type": "string"}},
                                "application/vnd.apache.arrow.stream": {
                                    "schema": {"type": "string", "format": "binary"}
                                },
                            },
                        },
                        **_COMMON,
                        "404": _error("the plan reads a table not in the catalog"),
                        "422": bad_plan,
                    },
                }
            },
            "/v1/ask": {
                "post": {
                    "summary": "ask a question; a model writes the plan",
                    "requestBody": _body(
                        {
                            "type": "object",
                            "required": ["question"],
                            "properties": {
                                "question": {"type": "string", "minLength": 1},
                                "model": {"type": "string"},
                            },
                        }
                    ),
                    "responses": {
                        "200": _json("plan, rows and trace", asked),
                        **_COMMON,
                        "404": _error("asking is not enabled (no model configured)"),
                        "422": _error("no valid plan after the retries"),
                        "502": _error("the model service failed"),
                    },
                }
            },
        },
        "security": [{"bearer": []}] if auth else [],
    }
