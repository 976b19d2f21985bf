"""`touchpoint bench search` runs end to end on a small catalog and a small StackFAQ-shaped
data set: it prints the object the issue names, and the paired comparison agrees with the
accuracies (the figures themselves are for docs/benchmarks.md, not for a test)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

TOPICS = {
    "Strikethrough with GitHub Markdown": [
        "strike text on github",
        "cross out words in github markdown",
        "github markdown strikethrough",
        "how to strike through text github",
        "line through words markdown github",
        "strikethrough letters in a github readme",
        "draw a line through text on github",
        "github: cross out text",
        "strike-out formatting on github",
        "can github markdown do strikethrough",
    ],
    "How do I split conversations in Gmail?": [
        "break a gmail thread into parts",
        "stop gmail grouping my emails",
        "split a gmail conversation",
        "turn off conversation view gmail",
        "separate emails in one gmail thread",
        "gmail threads split apart",
        "ungroup gmail conversations",
        "divide a long gmail conversation",
        "gmail stop threading messages",
        "make gmail show each email separately",
    ],
    "How can I back up all emails stored in my Gmail account?": [
        "backup gmail to my computer",
        "save all my gmail emails locally",
        "download every gmail message",
        "export gmail for backup",
        "keep a copy of my gmail",
        "archive gmail offline",
        "gmail full backup",
        "copy all mail from gmail to disk",
        "back up gmail account",
        "store my gmail emails on a drive",
    ],
}


def test_search_benchmark_prints_catalog_figures_and_paired_quality(tmp_path: Path) -> None:
    folder = tmp_path / "stackfaq"
    folder.mkdir()
    threads = [
        {"question": question, "answer": [f"How to: {question.lower()}"], "rephr": rephrasings}
        for question, rephrasings in TOPICS.items()
    ]
    (folder / "stackExchange-FAQ.json").write_text(json.dumps({"root": {"qapair": threads}}))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "chat.cli",
            "bench",
            "search",
            "--json",
            "--products",
            "300",
            "--dataset",
            "stackfaq",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "TOUCHPOINT_EVAL_DATA": str(tmp_path)},
    )
    assert completed.returncode == 0, completed.stderr[-2000:]
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    assert result["products"] == 300
    assert result["import_per_s"] > 0 and result["index_mb"] > 0
    assert 0 < result["edit_to_searchable_s"] <= 5
    assert min(result[f"{mode}_p95_ms"] for mode in ("keyword", "dense", "hybrid")) > 0
    accuracy = result["quality"]["stackfaq"]
    assert set(accuracy) == {"keyword", "dense", "hybrid"}
    assert all(0 <= value <= 1 for value in accuracy.values())
    # Three threads, 10 rephrasings each: 5 variants, 3 dev, 2 test.
    queries = 6
    for alone in ("keyword", "dense"):
        paired = result["quality_paired"]["stackfaq"][f"hybrid_vs_{alone}"]
        difference = paired["hybrid_only"] - paired[f"{alone}_only"]
        assert round((accuracy["hybrid"] - accuracy[alone]) * queries) == difference
        assert 0 < paired["p"] <= 1
