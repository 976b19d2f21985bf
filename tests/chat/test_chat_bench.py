"""`touchpoint bench relay` runs end to end: a small load through the real hub and
the bare relay, every message delivered once (the figures themselves are for
docs/benchmarks.md, not for a test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def test_relay_benchmark_delivers_every_message_once() -> None:
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "chat.cli",
            "bench",
            "relay",
            "--json",
            "--connections",
            "40",
            "--agents",
            "4",
            "--rate",
            "40",
            "--seconds",
            "1.5",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1"},
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["connections"] == 40 and result["messages"] == 60
    assert (result["lost"], result["duplicated"]) == (0, 0)
    assert result["database"] == "sqlite"
    assert result["p99_ms"] >= result["p50_ms"] > 0 and result["baseline"]["p99_ms"] > 0
