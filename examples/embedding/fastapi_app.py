"""Embedding pesql in a FastAPI application: one Runtime shared by every request.

Run it with `uvicorn examples.embedding.fastapi_app:app`; the tests import `app` and call it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Body, FastAPI, HTTPException
from pesql.runtime.embedding import Runtime

import pesql

HERE = Path(__file__).resolve().parent
runtime = Runtime(tables={"penguins": HERE.parent / "tables" / "penguins.csv"})
app = FastAPI(title="penguin answers")


@app.post("/answer")
async def answer(plan: str = Body(..., media_type="text/plain")) -> dict[str, Any]:
    """Run a p-SQL plan posted as text; bad plans come back as 422 with diagnostics."""
    try:
        result = await runtime.execute_async(plan)
    except pesql.PesqlError as exc:
        raise HTTPException(422, [d.to_dict() for d in exc.diagnostics]) from None
    return {"rows": result.frame.to_dicts(), "truncated": result.truncated}
