"""`make bench` keeps working: a tiny run produces every figure (no time is asserted)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_quick_benchmark_produces_every_figure(tmp_path):
    out = tmp_path / "results.json"
    # dbt's target and log folders in tmp_path too, not the project's, which a developer's own
    # dbt runs (or another test worker) use
    env = {**os.environ, "DBT_TARGET_PATH": str(tmp_path / "target")}
    env["DBT_LOG_PATH"] = str(tmp_path / "logs")
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--workdir", str(tmp_path), "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = {f["name"]: f for f in json.loads(out.read_text())["figures"]}
    expected = [
        "baseline: DuckDB read_csv + insert or replace",
        "loader: first load (python -m loader files)",
        "loader: second load of the same files",
        "loader: the same files again, --force",
        "loader: one new day on the full history",
        "dbt build, incremental after one new day",
        "dbt start-up alone (dbt ls: import, parse)",
        "API: 3-window backfill, 1 s per export",
    ]
    for name in expected:
        assert name in figures, sorted(figures)
        assert figures[name]["value"] > 0
    ratio = figures["loader: first load (python -m loader files)"]["ratio"]
    assert ratio is not None and ratio > 0
    assert "measure" in result.stdout  # the table was printed
