"""Fine-tuning job records of the local OpenAI-compatible test server: states, outcomes, JSON.

A job moves validating_files -> queued -> running -> succeeded | failed (or cancelled); its
scripted outcome (JobSucceeds / JobFails) decides how training ends. `FineTuneStore` in
`fake_finetune` drives the moves.

Example:
    body = {"id": "ftjob-1", "model": "m", "training_file": "file-1", "created_at": 0}
    job_json(Job(body, JobFails()))["status"]  # "validating_files"
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

JobStatus: TypeAlias = Literal[
    "validating_files", "queued", "running", "succeeded", "failed", "cancelled"
]
FINAL_STATES: frozenset[str] = frozenset({"succeeded", "failed", "cancelled"})
ORDER: tuple[JobStatus, ...] = ("validating_files", "queued", "running", "succeeded")


@dataclass(frozen=True, slots=True)
class JobSucceeds:
    """Scripted outcome: success; `trained_tokens` defaults to (file bytes / 4) x epochs."""

    trained_tokens: int | None = None


@dataclass(frozen=True, slots=True)
class JobFails:
    """Scripted outcome: the job fails after training with this error object."""

    message: str = "Fine-tuning failed (scripted by FakeOpenAI)."
    code: str = "training_failed"


JobOutcome: TypeAlias = JobSucceeds | JobFails


@dataclass(slots=True)
class Job:
    body: dict[str, Any]
    outcome: JobOutcome
    status: JobStatus = "validating_files"
    step: int = 0  # training step while running, 1-based
    polls: int = 0  # polls since the last move; moves when it reaches polls_per_step
    events: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    fine_tuned_model: str | None = None
    trained_tokens: int | None = None
    finished_at: int | None = None


def job_json(job: Job) -> dict[str, Any]:
    body = job.body
    return {
        "id": body["id"],
        "object": "fine_tuning.job",
        "created_at": body["created_at"],
        "model": body["model"],
        "organization_id": "org-fake",
        "status": job.status,
        "training_file": body["training_file"],
        "validation_file": body.get("validation_file"),
        "hyperparameters": body.get("hyperparameters") or {"n_epochs": "auto"},
        "method": body.get("method"),
        "suffix": body.get("suffix"),
        "seed": body.get("seed") or 0,
        "metadata": body.get("metadata"),
        "result_files": [],
        "error": job.error,
        "fine_tuned_model": job.fine_tuned_model,
        "trained_tokens": job.trained_tokens,
        "finished_at": job.finished_at,
        "estimated_finish": None,
        "integrations": None,
    }


def training_file_problem(content: bytes) -> str | None:
    """Why a chat fine-tuning file is unusable, or None: each line a JSON object with messages."""
    lines = content.splitlines()
    if not any(line.strip() for line in lines):
        return "the training file is empty"
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            return f"line {number} is not valid JSON"
        if not isinstance(record, dict) or not isinstance(record.get("messages"), list):
            return f"line {number} has no 'messages' list"
    return None
