"""The embedding examples under examples/embedding run (plain script and FastAPI app)."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[2]


def test_plain_script_example(capsys: pytest.CaptureFixture[str]) -> None:
    runpy.run_path(str(ROOT / "examples/embedding/script.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "West" in out and "did you mean `region`?" in out


def test_fastapi_example() -> None:
    namespace = runpy.run_path(str(ROOT / "examples/embedding/fastapi_app.py"))
    client = TestClient(namespace["app"])
    plan = "GROUP_BY species COMPUTE n = COUNT(*)\nSORT n DESC\nLIMIT 1"
    ok = client.post("/answer", content=plan, headers={"content-type": "text/plain"})
    assert ok.status_code == 200 and ok.json()["rows"] == [{"species": "Adelie", "n": 152}]
    bad = client.post("/answer", content="FILTER nope", headers={"content-type": "text/plain"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["code"] == "E201"
