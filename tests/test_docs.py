"""The docs that describe code must match it."""

from __future__ import annotations

import re
from pathlib import Path

from chat.events import PAYLOADS

DOCS = Path(__file__).resolve().parent.parent / "docs"


def test_events_page_lists_every_event_with_its_fields() -> None:
    page = (DOCS / "subsystems" / "events.md").read_text()
    rows = dict(re.findall(r"^\| `([a-z_.]+)` \| (.+) \|$", page, flags=re.MULTILINE))
    assert set(rows) == {name.value for name in PAYLOADS}
    for name, model in PAYLOADS.items():
        documented = set(re.findall(r"`(\w+)`", rows[name.value]))
        assert documented == set(model.model_fields), name.value


def test_protocol_page_documents_every_client_frame_type() -> None:
    from chat.protocol import CLIENT_TYPES

    page = (DOCS / "protocol.md").read_text()
    for frame_type in CLIENT_TYPES:
        assert f"| `{frame_type}` |" in page, frame_type
