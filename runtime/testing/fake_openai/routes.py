"""REST surface of the local OpenAI-compatible test server besides chat: errors, paging, routes.

`ApiError` is every OpenAI-style error answer. Each route (models, files, fine-tuning jobs)
answers `(status, JSON or bytes)`, raises `ApiError`, or returns None when the URL is not its
own; `fake_http` tries them in turn after chat completions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pesql.runtime.testing.fake_openai.finetune import FineTuneStore
    from pesql.runtime.testing.fake_openai.server import FakeOpenAI


class ApiError(Exception):
    """An OpenAI-style error answer: the HTTP layer renders it as `{"error": {...}}`."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def page(items: list[dict[str, Any]], limit: int, after: str | None) -> dict[str, Any]:
    """A cursor page in listing order; `after` is the id of the last item the caller saw."""
    if not 1 <= limit <= 100:
        raise ApiError(400, f"limit must be between 1 and 100, got {limit}.", param="limit")
    start = 0
    if after is not None:
        ids = [item["id"] for item in items]
        if after not in ids:
            raise ApiError(400, f"Unknown cursor after={after!r}.", param="after")
        start = ids.index(after) + 1
    data = items[start : start + limit]
    return {"object": "list", "data": data, "has_more": start + limit < len(items)}


def route_models(
    fake: FakeOpenAI, method: str, parts: list[str]
) -> tuple[int, dict[str, Any]] | None:
    match method, parts:
        case "GET", ["v1", "models"]:
            return 200, {"object": "list", "data": fake._model_list()}
        case "GET", ["v1", "models", model_id]:
            for model in fake._model_list():
                if model["id"] == model_id:
                    return 200, model
            raise ApiError(
                404, f"The model '{model_id}' does not exist", param="model", code="model_not_found"
            )
    return None


def route(
    store: FineTuneStore,
    method: str,
    parts: list[str],
    query: dict[str, str],
    body: Any,
    uploads: dict[str, tuple[str, bytes]],
) -> tuple[int, dict[str, Any] | bytes] | None:
    """Answer a /v1/files or /v1/fine_tuning request (path split on "/"), or None if not ours."""
    match method, parts:
        case "POST", ["v1", "files"]:
            if "file" not in uploads:
                raise ApiError(400, "Missing required parameter: 'file'.", param="file")
            filename, content = uploads["file"]
            purpose = body.get("purpose") if isinstance(body, dict) else None
            return 200, store.upload(filename, content, str(purpose))
        case "GET", ["v1", "files"]:
            return 200, store.list_files()
        case "GET", ["v1", "files", file_id]:
            return 200, store.file(file_id)
        case "GET", ["v1", "files", file_id, "content"]:
            return 200, store.content(file_id)
        case "POST", ["v1", "fine_tuning", "jobs"]:
            if not isinstance(body, dict):
                raise ApiError(400, "The request body must be a JSON object.")
            return 200, store.create_job(body)
        case "GET", ["v1", "fine_tuning", "jobs"]:
            return 200, store.list_jobs(limit=_limit(query), after=query.get("after"))
        case "GET", ["v1", "fine_tuning", "jobs", job_id]:
            return 200, store.get_job(job_id)
        case "POST", ["v1", "fine_tuning", "jobs", job_id, "cancel"]:
            return 200, store.cancel(job_id)
        case "GET", ["v1", "fine_tuning", "jobs", job_id, "events"]:
            return 200, store.events(job_id, limit=_limit(query), after=query.get("after"))
    return None


def _limit(query: dict[str, str]) -> int:
    try:
        return int(query.get("limit", "20"))
    except ValueError:
        message = f"limit must be an integer, got {query['limit']!r}."
        raise ApiError(400, message, param="limit") from None
