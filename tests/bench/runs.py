"""A benchmark as people run it: `python -m bench.<name> …` in a child process, its figures read from the last line.

The tests never import `bench` (nor `bench` `tests`: what both need lives in `testkit`)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class BenchRun:
    code: int
    out: str
    err: str

    @property
    def figures(self) -> dict[str, Any]:
        lines = self.out.strip().splitlines()
        assert lines, self.err[-3000:]
        figures: dict[str, Any] = json.loads(lines[-1])
        return figures


def run_bench(name: str, *args: str, timeout: float) -> BenchRun:
    done = subprocess.run(
        [sys.executable, "-m", f"bench.{name}", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    return BenchRun(done.returncode, done.stdout, done.stderr)
